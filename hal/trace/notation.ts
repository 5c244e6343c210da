import { hex } from '../bits.js';
import type { FieldValues } from './events.js';

/** How trace values are written in text and CSV: hex registers, `NAME=v` fields, MR names, percentages. */

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
export function mrValue(v: number): string {
  return hex(v, 2);
}

/** The MR name to show: `MR17`, or `MR17 <register>` when the trace carries a different name. */
export function mrName(mr: number, register: string): string {
  if (register === '' || new RegExp(`^MR${mr}(?!\\d)`).test(register)) return register === '' ? `MR${mr}` : register;
  return `MR${mr} ${register}`;
}

/** A fraction as a percentage with at most two decimals: `50%`, `12.5%`. */
export function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

/** An MMIO register: its name, or `?@<address>` for an offset with no declared register. */
export function mmioRegister(register: string, address: number): string {
  return register === '?' ? `?@${hex(address, 8)}` : register;
}
