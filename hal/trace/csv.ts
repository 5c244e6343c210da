import type { TraceEvent } from './events.js';
import { formatFields } from './format.js';
import { hex } from '../bits.js';

/**
 * Trace events as CSV (RFC 4180): a header row, then one row per event, CRLF line ends; a value
 * is quoted when it holds a comma, a double quote (doubled inside), CR or LF.
 *
 * Columns that do not apply to a kind are empty. Register values, addresses and masks are hex
 * (`0x...`); `fields` is `NAME=v NAME=v`.
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
] as const;

type Column = (typeof CSV_COLUMNS)[number];

/** One CSV value, quoted only when it must be. */
export function csvQuote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function row(e: TraceEvent): Partial<Record<Column, string | number>> {
  const base = { seq: e.seq, tNs: e.tNs, kind: e.kind };
  switch (e.kind) {
    case 'mmio.write':
      return {
        ...base,
        source: e.block,
        register: e.register,
        address: hex(e.address, 8),
        value: hex(e.value, 8),
        fields: formatFields(e.fields),
      };
    case 'mmio.read':
      return { ...base, source: e.block, register: e.register, address: hex(e.address, 8), value: hex(e.value, 8) };
    case 'dram.mrw':
    case 'dram.mrr':
      return { ...base, source: e.die, register: e.register, mr: e.mr, value: hex(e.value, 2) };
    case 'dram.sr.enter':
      return {
        ...base,
        source: e.die,
        bankMask: hex(e.bankMask, 2),
        segmentMask: hex(e.segmentMask, 2),
        refreshedFraction: e.refreshedFraction,
      };
    case 'dram.sr.exit':
      return { ...base, source: e.die, durationNs: e.durationNs, poisonedPages: e.poisonedPages };
    case 'guest.error':
      return { ...base, source: e.source, message: e.message };
  }
}

/** Events as CSV text (header + rows, each ending in CRLF). */
export function toCsv(events: readonly TraceEvent[]): string {
  let out = CSV_COLUMNS.join(',') + '\r\n';
  for (const e of events) {
    const r = row(e);
    out += CSV_COLUMNS.map((c) => {
      const v = r[c];
      return v === undefined ? '' : csvQuote(String(v));
    }).join(',');
    out += '\r\n';
  }
  return out;
}
