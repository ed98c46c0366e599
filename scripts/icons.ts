import fs from 'node:fs';
import path from 'node:path';
import { encodePng, type Rgba } from './png';

/**
 * Draws the app's icons (an original design: a white shield holding a heart, on NHS blue).
 * `node dist/scripts/icons.js` rewrites manifest/color.png (192x192) and manifest/outline.png
 * (32x32, white on transparent, as Teams requires).
 */
type Shape = (x: number, y: number) => boolean;

/** A shield in the unit square centred at (0,0), x and y from -1 to 1, y downwards. */
const shield =
  (scale: number): Shape =>
  (x, y) => {
    const u = x / scale;
    const v = y / scale;
    if (v < -0.82 || v > 0.92) return false;
    if (v <= 0.05) return Math.abs(u) <= 0.72;
    // Below the shoulders the sides curve in to a point.
    const t = (v - 0.05) / 0.87;
    return Math.abs(u) <= 0.72 * (1 - t) * (1 + 0.9 * t);
  };

/** The classic implicit heart curve, centred, y downwards. */
const heart =
  (scale: number, dy: number): Shape =>
  (x, y) => {
    const u = (x / scale) * 1.25;
    const v = (-(y - dy) / scale) * 1.25 + 0.25;
    const a = u * u + v * v - 1;
    return a * a * a - u * u * v * v * v <= 0;
  };

function draw(size: number, paint: (x: number, y: number) => [number, number, number, number]): Rgba {
  const data = new Uint8Array(size * size * 4);
  const samples = 4; // 4x4 supersampling for smooth edges
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) / size) * 2 - 1;
          const y = ((py + (sy + 0.5) / samples) / size) * 2 - 1;
          const [cr, cg, cb, ca] = paint(x, y);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      const n = samples * samples;
      data[i] = a ? Math.round(r / a) : 0;
      data[i + 1] = a ? Math.round(g / a) : 0;
      data[i + 2] = a ? Math.round(b / a) : 0;
      data[i + 3] = Math.round((a / n) * 255);
    }
  }
  return { width: size, height: size, data };
}

const NHS_BLUE: [number, number, number] = [0, 94, 184];
const WHITE: [number, number, number] = [255, 255, 255];

export function colourIcon(): Rgba {
  const outer = shield(0.78);
  const inner = heart(0.3, 0.02);
  return draw(192, (x, y) => {
    if (inner(x, y) && outer(x, y)) return [...NHS_BLUE, 1];
    if (outer(x, y)) return [...WHITE, 1];
    return [...NHS_BLUE, 1];
  });
}

export function outlineIcon(): Rgba {
  const outer = shield(0.95);
  const hole = shield(0.72);
  const inner = heart(0.36, 0.04);
  return draw(32, (x, y) => {
    if (inner(x, y) || (outer(x, y) && !hole(x, y))) return [...WHITE, 1];
    return [0, 0, 0, 0];
  });
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', '..', 'manifest');
  fs.writeFileSync(path.join(dir, 'color.png'), encodePng(colourIcon()));
  fs.writeFileSync(path.join(dir, 'outline.png'), encodePng(outlineIcon()));
  process.stdout.write(`Wrote ${dir}/color.png and outline.png\n`);
}
