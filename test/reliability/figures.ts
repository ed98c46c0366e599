import fs from 'node:fs';
import path from 'node:path';

/** Where the suite's figures collect; the table reporter prints them once every file has run. */
export const FIGURES_FILE = path.join(__dirname, '..', '..', 'test-artifacts', 'reliability-figures.jsonl');

export interface Figure {
  area: string;
  figure: string;
  value: number | string;
  /** What it must be, as shown in the table (e.g. "0", ">= 1000", "< 5000 ms"). */
  expected: string;
  ok: boolean;
}

/** Records one figure for the table; `expectFiguresOk` then fails the test if it is off. */
export function figure(
  area: string,
  name: string,
  value: number,
  expected: { eq?: number; min?: number; max?: number },
  unit = '',
): void {
  const ok =
    (expected.eq === undefined || value === expected.eq) &&
    (expected.min === undefined || value >= expected.min) &&
    (expected.max === undefined || value < expected.max);
  const shown = [
    expected.eq !== undefined ? `${expected.eq}` : '',
    expected.min !== undefined ? `>= ${expected.min}` : '',
    expected.max !== undefined ? `< ${expected.max}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  fs.mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  const row: Figure = {
    area,
    figure: name,
    value: `${value}${unit ? ` ${unit}` : ''}`,
    expected: `${shown}${unit ? ` ${unit}` : ''}`,
    ok,
  };
  fs.appendFileSync(FIGURES_FILE, `${JSON.stringify(row)}\n`);
  if (!ok) off.push(`${area}: ${name} is ${row.value}, expected ${row.expected}`);
}

const off: string[] = [];

/** Fails the test if any figure recorded since the last call was off (after recording them all, so the table is whole). */
export function expectFiguresOk(): void {
  const problems = off.splice(0);
  expect(problems).toEqual([]);
}
