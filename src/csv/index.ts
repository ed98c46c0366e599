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
 * The data rows of a CSV file, blank lines skipped. Throws ImportFileError when the file is not CSV
 * or lacks a required column; rows with the wrong number of cells are returned in `rejected`.
 */
export function readCsv(text: string, columns: readonly string[]): { rows: CsvRow[]; rejected: RejectedRow[] } {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (err) {
    throw new ImportFileError(`The file is not valid CSV: ${(err as Error).message}`);
  }
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const missing = columns.filter((c) => !header.includes(c));
  if (records.length === 0 || missing.length > 0) {
    throw new ImportFileError(`The first line must name the columns ${columns.join(',')}. Missing: ${missing.join(', ') || 'all'}.`);
  }
  const rows: CsvRow[] = [];
  const rejected: RejectedRow[] = [];
  records.slice(1).forEach((cells, index) => {
    const line = index + 2;
    if (cells.every((c) => c.trim() === '')) return;
    if (cells.length !== header.length) rejected.push({ line, reason: `has ${cells.length} columns, expected ${header.length}` });
    else rows.push({ line, cells, values: Object.fromEntries(header.map((h, i) => [h, cells[i]!])) });
  });
  return { rows, rejected };
}
