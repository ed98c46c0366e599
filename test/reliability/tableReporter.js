/* The reliability suite's one table: every figure the test files recorded (see figures.ts). */
const fs = require('node:fs');
const path = require('node:path');

const FILE = path.join(__dirname, '..', '..', 'test-artifacts', 'reliability-figures.jsonl');

class TableReporter {
  onRunStart() {
    fs.rmSync(FILE, { force: true });
  }

  onRunComplete() {
    const rows = fs.existsSync(FILE)
      ? fs
          .readFileSync(FILE, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
    // Two workers write at once: group the rows by area, in the order the areas first appear.
    const areas = [...new Set(rows.map((r) => r.area))];
    rows.sort((a, b) => areas.indexOf(a.area) - areas.indexOf(b.area));
    const head = ['Area', 'Figure', 'Value', 'Expected', 'OK'];
    const cells = rows.map((r) => [r.area, r.figure, String(r.value), r.expected, r.ok ? 'yes' : 'NO']);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
    const out = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
    process.stdout.write(`\nReliability figures (${rows.filter((r) => !r.ok).length} off)\n${out.join('\n')}\n`);
  }
}

module.exports = TableReporter;
