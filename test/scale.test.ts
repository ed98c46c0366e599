import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { parseStaffCsv, STAFF_COLUMNS } from '../src/people/staffImport';
import { parseTrainingCsv, TRAINING_COLUMNS } from '../src/training/importTraining';

/**
 * 200,000 rows in one file. The imports once gathered rejected rows with push(...rows), which
 * overflows the call stack from about 125,000; the store-level figures at this size (organisation
 * compliance and both imports over HTTP) are in `npm run bench:scale`, which is too slow for here.
 */
describe('imports of 200,000 rows', () => {
  const rules = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'content', 'training', 'rules.json'), 'utf8'));
  const ROWS = 200_000;

  it('reports 200,000 rejected staff rows, each with its line', () => {
    const text = [
      STAFF_COLUMNS.join(','),
      ...Array.from({ length: ROWS }, (_, i) => `E${i},Name ${i},not-an-email,,Team,clinical,,`),
    ].join('\n');
    const { people, rejected } = parseStaffCsv(text);
    expect(people).toHaveLength(0);
    expect(rejected).toHaveLength(ROWS);
    expect(rejected[ROWS - 1]).toEqual({ line: ROWS + 1, reason: 'email is not a valid e-mail address' });
  });

  it('reports 200,000 rejected training rows, each with its line', () => {
    const text = [
      TRAINING_COLUMNS.join(','),
      ...Array.from({ length: ROWS }, (_, i) => `E${i},children,3,2020-13-45,12,eLfH`),
    ].join('\n');
    const { rows, rejected } = parseTrainingCsv(text, rules, '2026-11-23');
    expect(rows).toBe(0);
    expect(rejected).toHaveLength(ROWS);
    expect(rejected[0]).toEqual({ line: 2, reason: 'completed_on is not a real date' });
  });
});
