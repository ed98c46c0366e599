import fs from 'node:fs';
import path from 'node:path';

/**
 * The staff and training CSVs of the training benchmark, shared with the turns benchmark:
 * `staff` people in teams of `teamSize` (one manager each), four training rows per person.
 * `entraId`, when given, is each person's Entra object id (the training benchmark leaves it empty).
 */
export function writeTrainingFixture(
  dir: string,
  opts: { staff: number; teamSize: number; entraId?: (i: number) => string },
): { staff: string; training: string } {
  const groups = ['all-staff', 'patient-contact', 'clinical', 'named-professional', 'designated-professional'];
  const staff = ['employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code'];
  const training = ['employee_id,subject,level,completed_on,hours,provider'];
  for (let i = 0; i < opts.staff; i++) {
    const id = `E${String(i).padStart(6, '0')}`;
    const group = groups[i % 10 === 0 ? 2 : i % 5]!;
    staff.push(
      `${id},Person ${i},p${i}@example.nhs.uk,${opts.entraId?.(i) ?? ''},Team ${Math.floor(i / opts.teamSize)},${group},${i % opts.teamSize === 0 ? 'manager' : ''},`,
    );
    const day = (k: number) =>
      `202${4 + ((i + k) % 2)}-${String(1 + ((i + k) % 12)).padStart(2, '0')}-${String(1 + ((i * 7 + k) % 28)).padStart(2, '0')}`;
    training.push(`${id},children,${1 + (i % 3)},${day(0)},12,eLfH`);
    training.push(`${id},adults,${1 + (i % 3)},${day(1)},8,eLfH`);
    training.push(`${id},prevent,${i % 2 ? 1 : 3},${day(2)},1,eLfH`);
    training.push(`${id},children,${1 + (i % 3)},${day(3)},2,Local update`);
  }
  const files = { staff: path.join(dir, 'staff.csv'), training: path.join(dir, 'training.csv') };
  fs.writeFileSync(files.staff, staff.join('\n'));
  fs.writeFileSync(files.training, training.join('\n'));
  return files;
}
