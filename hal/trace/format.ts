import type { TraceEvent } from './events.js';
import { kindSpec } from './kinds.js';

/**
 * Human and JSON renderings of trace events (what `pasr inspect` prints).
 *
 * Text: one line per event, time right-aligned, then `#seq kind` and the event in datasheet terms
 * (each kind's wording is declared with the kind, in kinds.ts):
 *
 *         1200 ns  #12 mmio.write emif1 LPDDR2_MODE_REG_CONFIG = 0x00000011 (CS=0 REFRESH_EN=0 ADDRESS=0x11)
 *         1250 ns  #13 dram.mrw emif1.cs0 MR17 = 0xf0
 *
 * JSON: an array of events `{seq, tNs, kind, ...}` with the fields of events.ts in the order the
 * kind declares them, one per line.
 */

/** The part of a text line after `#seq kind`. */
export function describeEvent(e: TraceEvent): string {
  return kindSpec(e.kind).text(e);
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

/** An event as a JSON-ready object: `{seq, tNs, kind}`, then the kind's declared fields in order. */
export function eventToJson(e: TraceEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { seq: e.seq, tNs: e.tNs, kind: e.kind };
  const rec = e as unknown as Record<string, unknown>;
  for (const f in kindSpec(e.kind).fields) out[f] = rec[f];
  return out;
}

/** Events as a JSON array, one event per line (valid JSON; greps well). */
export function toJson(events: readonly TraceEvent[]): string {
  if (events.length === 0) return '[]\n';
  return '[\n' + events.map((e) => '  ' + JSON.stringify(eventToJson(e))).join(',\n') + '\n]\n';
}
