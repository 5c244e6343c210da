import type { TraceEvent } from './events.js';
import { kindSpec } from './kinds.js';

/**
 * Trace events as CSV (RFC 4180): a header row, then one row per event, CRLF line ends; a value
 * is quoted when it holds a comma, a double quote (doubled inside), CR or LF.
 *
 * Columns that do not apply to a kind are empty; which cells a kind fills is declared with the
 * kind (kinds.ts). Register values, addresses and masks are hex (`0x...`); `fields` is
 * `NAME=v NAME=v`; `dies` is space-separated die ids. Columns are only ever appended, so a
 * spreadsheet that reads the first ones keeps working.
 */
export const CSV_COLUMNS = [
  'seq',
  'tNs',
  'kind',
  'source',
  'register',
  'address',
  'mr',
  'value',
  'fields',
  'bankMask',
  'segmentMask',
  'refreshedFraction',
  'durationNs',
  'poisonedPages',
  'message',
  'unit',
  'bit',
  'dies',
  'pages',
  'policy',
  'action',
  'detail',
  'reason',
  'wakeSource',
  'mechanism',
  'costNs',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** The cells of one row that a kind fills (seq, tNs and kind are filled for every event). */
export type CsvRow = Partial<Record<Exclude<CsvColumn, 'seq' | 'tNs' | 'kind'>, string | number>>;

/** One CSV value, quoted only when it must be. */
export function csvQuote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Events as CSV text (header + rows, each ending in CRLF). */
export function toCsv(events: readonly TraceEvent[]): string {
  let out = CSV_COLUMNS.join(',') + '\r\n';
  for (const e of events) {
    const r: Partial<Record<CsvColumn, string | number>> = {
      seq: e.seq,
      tNs: e.tNs,
      kind: e.kind,
      ...kindSpec(e.kind).csv(e),
    };
    out += CSV_COLUMNS.map((c) => {
      const v = r[c];
      return v === undefined ? '' : csvQuote(String(v));
    }).join(',');
    out += '\r\n';
  }
  return out;
}
