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
          if (missing.length > 0) throw new ImportFileError(`The first line must name the columns ${columns.join(',')}. Missing: ${missing.join(', ')}.`);
        } else if (cells.every((c) => c.trim() === '')) {
          // blank line
        } else if (cells.length !== header.length) {
          rejected.push({ line, reason: `has ${cells.length} columns, expected ${header.length}` });
        } else {
          const values: Record<string, string> = {};
          header.forEach((h, i) => (values[h] = cells[i]!));
          onRow({ line, cells, values });
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
