/**
 * CSV as RFC 4180 writes it (CRLF line ends; a field holding a comma, a quote, CR or LF is
 * quoted, quotes doubled), with one guard more for files opened in spreadsheets: a text
 * cell that starts with `=`, `+`, `-`, `@`, tab or CR would be read as a formula, so it is
 * prefixed with a single quote. Numbers are written as numbers.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
