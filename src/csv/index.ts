import { parse } from 'csv-parse/sync';

/** Shared by the imports: reading a CSV file whose first line names its columns. */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

export interface RejectedRow {
  line: number;
  reason: string;
}

/** The earliest day an import or card accepts: anything before it is a typing slip (0000-01-01). */
export const EARLIEST_DAY = '1950-01-01';

/**
 * Why a `YYYY-MM-DD` text is not a usable calendar day, or undefined when it is. Pure and never
 * throws: `2020-13-45` or `not-a-date` must become a row-level reason, not an exception.
 */
export function dayProblem(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'must be a date written YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0-99 as 1900-1999
  if (
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    day.getUTCFullYear() !== y ||
    day.getUTCMonth() !== mo - 1 ||
    day.getUTCDate() !== d
  )
    return 'is not a real date';
  if (text < EARLIEST_DAY) return `is before ${EARLIEST_DAY.slice(0, 4)}: check the year`;
  return undefined;
}

export interface CsvRow {
  /** The line number in the file (the header is line 1). */
  line: number;
  cells: string[];
  /** Cells by lower-case column name. */
  values: Record<string, string>;
}

/**
 * Calls `onRow` for each data row of a CSV file, in order, blank lines skipped, without holding
 * the parsed file in memory (a 200,000-row file would otherwise be several copies of itself).
 * Throws ImportFileError when the file is not CSV or lacks a required column; rows with the wrong
 * number of cells are returned as rejected. Line numbers count records (the header is line 1).
 */
export function forEachCsvRow(text: string, columns: readonly string[], onRow: (row: CsvRow) => void): RejectedRow[] {
  const rejected: RejectedRow[] = [];
  let header: string[] | undefined;
  let line = 0;
  try {
    parse(text.replace(/^\uFEFF/, ''), {
      relax_column_count: true,
      skip_empty_lines: false,
      on_record: (cells: string[]) => {
        line++;
        if (!header) {
          header = cells.map((h) => h.trim().toLowerCase());
          const missing = columns.filter((c) => !header!.includes(c));
          if (missing.length > 0)
            throw new ImportFileError(
              `The first line must name the columns ${columns.join(',')}. Missing: ${missing.join(', ')}.`,
            );
        } else if (cells.every((c) => c.trim() === '')) {
          // blank line
        } else if (cells.length !== header.length) {
          rejected.push({ line, reason: `has ${cells.length} columns, expected ${header.length}` });
        } else {
          const values: Record<string, string> = {};
          header.forEach((h, i) => (values[h] = cells[i]!));
          try {
            onRow({ line, cells, values });
          } catch (err) {
            if (err instanceof ImportFileError) throw err;
            // One row the checks did not foresee is that row's problem, never the whole file's.
            rejected.push({ line, reason: 'could not be read; check every cell of this row' });
          }
        }
        return null; // keep nothing: the row has been handed over
      },
    });
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    // csv-parse reports our own error thrown from on_record wrapped in its own
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ImportFileError) throw cause;
    throw new ImportFileError(`The file is not valid CSV: ${(err as Error).message}`);
  }
  if (!header) throw new ImportFileError(`The first line must name the columns ${columns.join(',')}. Missing: all.`);
  return rejected;
}

/** Every data row of a CSV file at once (see forEachCsvRow). */
export function readCsv(text: string, columns: readonly string[]): { rows: CsvRow[]; rejected: RejectedRow[] } {
  const rows: CsvRow[] = [];
  const rejected = forEachCsvRow(text, columns, (row) => rows.push(row));
  return { rows, rejected };
}
