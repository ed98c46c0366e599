import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { addYears, loadTrainingRules, personStatus, subjectStatus, type Completion } from '../src/training/rules';

const rules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
const group = (id: string) => rules.staffGroups.find((g) => g.id === id)!;
const TODAY = '2026-11-23';
const c = (subject: Completion['subject'], level: number, completedOn: string, hours = 12): Completion => ({
  subject,
  level,
  completedOn,
  hours,
});

describe('training rules engine', () => {
  it('ships the six staff groups with their levels (adults level 3 only for registered staff)', () => {
    expect(rules.staffGroups.map((g) => [g.id, g.children, g.adults, g.prevent])).toEqual([
      ['all-staff', 1, 1, 1],
      ['patient-contact', 2, 2, 1],
      ['clinical-unregistered', 3, 2, 3],
      ['clinical', 3, 3, 3],
      ['named-professional', 4, 4, 3],
      ['designated-professional', 5, 5, 3],
    ]);
    expect(rules.complianceTargetSource).toMatch(/^Local choice: set by your organisation, not national guidance/);
  });

  it('is overdue when training expired yesterday', () => {
    const s = subjectStatus(rules, group('patient-contact'), 'children', [c('children', 2, '2023-11-22', 3)], TODAY);
    expect(s).toMatchObject({ status: 'overdue', expires: '2026-11-22' });
    expect(s.reasons).toEqual(['level 2 expired on 22 November 2026', '0 of 3 hours in the last 3 years']);
  });

  it('is due soon 59 days before expiry and compliant at 61', () => {
    expect(
      subjectStatus(rules, group('patient-contact'), 'children', [c('children', 2, '2024-01-21', 3)], TODAY),
    ).toMatchObject({ status: 'due-soon', expires: '2027-01-21' });
    expect(
      subjectStatus(rules, group('patient-contact'), 'children', [c('children', 2, '2024-01-23', 3)], TODAY),
    ).toMatchObject({ status: 'compliant', expires: '2027-01-23' });
    // The boundary itself (60 days) counts as due soon.
    expect(
      subjectStatus(rules, group('patient-contact'), 'children', [c('children', 2, '2024-01-22', 3)], TODAY).status,
    ).toBe('due-soon');
  });

  it('lets a higher level satisfy a lower requirement, but not the reverse', () => {
    expect(subjectStatus(rules, group('all-staff'), 'adults', [c('adults', 3, '2026-01-10', 8)], TODAY).status).toBe(
      'compliant',
    );
    const lower = subjectStatus(rules, group('clinical'), 'adults', [c('adults', 2, '2026-01-10', 8)], TODAY);
    expect(lower).toMatchObject({ status: 'overdue', held: 2, reasons: ['level 2 held, level 3 required'] });
  });

  it('is overdue when learning hours in the period fall short', () => {
    const s = subjectStatus(
      rules,
      group('clinical'),
      'children',
      [c('children', 3, '2026-03-01', 6), c('children', 3, '2022-03-01', 6)],
      TODAY,
    );
    expect(s.status).toBe('overdue');
    expect(s.reasons).toEqual(['6 of 12 hours in the last 3 years']);
  });

  it('is overdue when the annual update is missing at level 3', () => {
    const s = subjectStatus(rules, group('clinical'), 'children', [c('children', 3, '2025-06-01', 12)], TODAY);
    expect(s.reasons).toEqual(['no update in the last 12 months']);
    // Level 2 has no annual update requirement.
    expect(
      subjectStatus(rules, group('patient-contact'), 'children', [c('children', 2, '2025-06-01', 3)], TODAY).status,
    ).toBe('compliant');
  });

  it('handles leap years: training on 29 February expires on 28 February three years later', () => {
    expect(addYears('2024-02-29', 3)).toBe('2027-02-28');
    expect(addYears('2028-02-29', 4)).toBe('2032-02-29');
    const s = subjectStatus(rules, group('all-staff'), 'prevent', [c('prevent', 1, '2024-02-29', 1)], '2027-02-28');
    expect(s).toMatchObject({ status: 'overdue', expires: '2027-02-28' });
    expect(
      subjectStatus(rules, group('all-staff'), 'prevent', [c('prevent', 1, '2024-02-29', 1)], '2027-02-27').status,
    ).toBe('due-soon');
  });

  it('reports missing training and ignores unconfirmed self-recorded completions', () => {
    const statuses = personStatus(
      rules,
      group('all-staff'),
      [{ ...c('children', 1, '2026-05-01', 2), confirmed: false }],
      TODAY,
    );
    expect(statuses.map((s) => s.status)).toEqual(['missing', 'missing', 'missing']);
    expect(statuses[2]!.reasons).toEqual(['no Prevent awareness training recorded']);
  });
});
