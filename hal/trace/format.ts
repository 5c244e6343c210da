import type { FieldValues, TraceEvent } from './events.js';
import { hex } from '../bits.js';

/**
 * Human and JSON renderings of trace events (what `pasr inspect` prints).
 *
 * Text: one line per event, time right-aligned, then `#seq kind` and the event in datasheet terms:
 *
 *         1200 ns  #12 mmio.write emif1 LPDDR2_MODE_REG_CONFIG = 0x00000011 (CS=0 REFRESH_EN=0 ADDRESS=0x11)
 *         1250 ns  #13 dram.mrw emif1.cs0 MR17 = 0xf0
 *
 * JSON: an array of events `{seq, tNs, kind, ...}` with the fields of events.ts, one per line.
 */

/** A field value: decimal below 10, hex from there (`CS=0`, `ADDRESS=0x11`). */
export function fieldValue(v: number): string {
  return v < 10 ? String(v) : '0x' + v.toString(16);
}

/** Field values as `NAME=v NAME=v` in declaration order. */
export function formatFields(fields: FieldValues): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${fieldValue(v)}`)
    .join(' ');
}

/** An 8-bit-or-wider mode-register value: `0xf0`. */
function mrValue(v: number): string {
  return hex(v, 2);
}

/** The MR name to show: `MR17`, or `MR17 <register>` when the trace carries a different name. */
function mrName(mr: number, register: string): string {
  if (register === '' || new RegExp(`^MR${mr}(?!\\d)`).test(register)) return register === '' ? `MR${mr}` : register;
  return `MR${mr} ${register}`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

/** The part of a text line after `#seq kind`. */
export function describeEvent(e: TraceEvent): string {
  switch (e.kind) {
    case 'mmio.write': {
      const reg = e.register === '?' ? `?@${hex(e.address, 8)}` : e.register;
      const f = formatFields(e.fields);
      return `${e.block} ${reg} = ${hex(e.value, 8)}${f ? ` (${f})` : ''}`;
    }
    case 'mmio.read': {
      const reg = e.register === '?' ? `?@${hex(e.address, 8)}` : e.register;
      return `${e.block} ${reg} -> ${hex(e.value, 8)}`;
    }
    case 'dram.mrw':
      return `${e.die} ${mrName(e.mr, e.register)} = ${mrValue(e.value)}`;
    case 'dram.mrr':
      return `${e.die} ${mrName(e.mr, e.register)} -> ${mrValue(e.value)}`;
    case 'dram.sr.enter':
      return `${e.die} bankMask=${hex(e.bankMask, 2)} segmentMask=${hex(e.segmentMask, 2)} refreshed=${percent(e.refreshedFraction)}`;
    case 'dram.sr.exit':
      return `${e.die} after ${e.durationNs} ns, ${e.poisonedPages} pages poisoned`;
    case 'guest.error':
      return `${e.source}: ${e.message}`;
  }
}

/** Width of the time column (right-aligned). */
const TIME_WIDTH = 10;

/** One terminal line for an event (no newline). */
export function formatEventLine(e: TraceEvent): string {
  return `${String(e.tNs).padStart(TIME_WIDTH)} ns  #${e.seq} ${e.kind} ${describeEvent(e)}`;
}

/** Events as terminal text, one line each, newline-terminated ('' for no events). */
export function renderText(events: readonly TraceEvent[]): string {
  let out = '';
  for (const e of events) out += formatEventLine(e) + '\n';
  return out;
}

/** An event as a JSON-ready object with the key order `{seq, tNs, kind, ...}`. */
export function eventToJson(e: TraceEvent): Record<string, unknown> {
  const { seq, tNs, kind, ...rest } = e;
  return { seq, tNs, kind, ...rest };
}

/** Events as a JSON array, one event per line (valid JSON; greps well). */
export function toJson(events: readonly TraceEvent[]): string {
  if (events.length === 0) return '[]\n';
  return '[\n' + events.map((e) => '  ' + JSON.stringify(eventToJson(e))).join(',\n') + '\n]\n';
}
