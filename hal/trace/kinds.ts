import type { CsvRow } from './csv.js';
import type { FieldValues, TraceEvent, TraceKind } from './events.js';
import { hex } from '../bits.js';
import { formatFields, mmioRegister, mrName, mrValue, percent } from './notation.js';
import type { VcdWaves } from './vcd.js';

/**
 * Every trace event kind, declared once: its code in `.pasrtrace` files, its record (field names
 * and wire types, in wire order), the CSV cells it fills, its one-line text, what it does to the
 * VCD signals and how `--die` places it. The codec, the JSON, CSV, VCD and text renderers and the
 * query all read this table; none of them lists kinds.
 *
 * Invariants (checkKindTable):
 *  (a) codes are distinct and in 0x01..0xff (0x00 is never used, so zero bytes are not events);
 *  (b) every field of an event type (except seq, tNs and kind) is declared, with a wire type that
 *      holds its TypeScript type (enforced by the compiler through KindSpec);
 *  (c) the table lists kinds in code order (the order of TRACE_KINDS and of the README table).
 */

/**
 * Wire types of record fields. Every record starts with `seq` u32 and `tNs` (a time).
 *  - `u16`, `u32`: unsigned integers, little-endian.
 *  - `u53`: an integer 0..2^53-1 as two u32 words, low word first (no 64-bit integers).
 *  - `time`: f64 (IEEE-754 binary64 as two u32 words, low word first), finite and >= 0 (ns).
 *  - `fraction`: f64 in [0, 1].
 *  - `string`: u32 index into the file's string table.
 *  - `string-list`: u16 count n, then n string indices (u32 each).
 *  - `field-values`: u16 count n, then n × {name string index u32, value u32}.
 */
export type FieldType = 'u16' | 'u32' | 'u53' | 'time' | 'fraction' | 'string' | 'string-list' | 'field-values';

/** The wire types that can hold a value of TypeScript type V. */
type TypesFor<V> = V extends number
  ? 'u16' | 'u32' | 'u53' | 'time' | 'fraction'
  : V extends string
    ? 'string'
    : V extends readonly string[]
      ? 'string-list'
      : V extends FieldValues
        ? 'field-values'
        : never;

type Body<E> = Omit<E, 'seq' | 'tNs' | 'kind'>;

/** How `--die` relates an event to a die: through which of its fields. */
export type DiePlace = 'die' | 'dies' | 'block' | 'source';

export interface KindSpec<E extends TraceEvent> {
  /** Kind code on disk (the u8 before each record). */
  readonly code: number;
  /** The record after `seq` and `tNs`, in wire order; also the key order of the event in JSON. */
  readonly fields: { readonly [F in keyof Body<E>]-?: TypesFor<Body<E>[F]> };
  /**
   * `--die`: `die` (the event's die), `dies` (any die of its list), `block` (an MMIO block on the
   * die's controller), `source` (the die, or a block of its controller). Absent: system-wide, never
   * selected by `--die`.
   */
  readonly place?: Extract<keyof E, DiePlace>;
  /** The CSV cells it fills (the others stay empty). */
  readonly csv: (e: E) => CsvRow;
  /** What `pasr inspect` prints after `#seq kind`. */
  readonly text: (e: E) => string;
  /** What it does to the VCD signals (absent: nothing). */
  readonly vcd?: (e: E, w: VcdWaves) => void;
}

type KindTable = { readonly [K in TraceKind]: KindSpec<Extract<TraceEvent, { kind: K }>> };

/** One mode-register access (MRW or MRR): the same record and cells. */
const mrAccess = {
  fields: { die: 'string', mr: 'u16', value: 'u32', register: 'string' },
  place: 'die',
  csv: (e: { die: string; register: string; mr: number; value: number }) => ({
    source: e.die,
    register: e.register,
    mr: e.mr,
    value: hex(e.value, 2),
  }),
} as const;

/** pasr.mask and pasr.unmask: one PASR unit. */
const pasrUnit = {
  fields: {
    unit: 'u32',
    register: 'string',
    bit: 'u16',
    dies: 'string-list',
    pages: 'u53',
    policy: 'string',
  },
  place: 'dies',
  csv: (e: {
    unit: number;
    register: string;
    bit: number;
    dies: readonly string[];
    pages: number;
    policy: string;
  }) => ({
    register: e.register,
    unit: e.unit,
    bit: e.bit,
    dies: e.dies.join(' '),
    pages: e.pages,
    policy: e.policy,
  }),
  text: (e: { unit: number; register: string; bit: number; dies: readonly string[]; pages: number; policy: string }) =>
    `unit ${e.unit} (${e.register} bit ${e.bit} on ${e.dies.join('+') || 'no die'}): ${e.pages} pages, by ${e.policy}`,
} as const;

export const TRACE_KIND_TABLE: KindTable = {
  'mmio.write': {
    code: 0x01,
    fields: { address: 'u53', value: 'u32', block: 'string', register: 'string', fields: 'field-values' },
    place: 'block',
    csv: (e) => ({
      source: e.block,
      register: e.register,
      address: hex(e.address, 8),
      value: hex(e.value, 8),
      fields: formatFields(e.fields),
    }),
    text: (e) => {
      const f = formatFields(e.fields);
      return `${e.block} ${mmioRegister(e.register, e.address)} = ${hex(e.value, 8)}${f ? ` (${f})` : ''}`;
    },
    vcd: (e, w) => {
      const b = w.block(e.block);
      b.lastWriteAddr.set(e.address);
      b.lastWriteValue.set(e.value);
    },
  },
  'mmio.read': {
    code: 0x02,
    fields: { address: 'u53', value: 'u32', block: 'string', register: 'string' },
    place: 'block',
    csv: (e) => ({ source: e.block, register: e.register, address: hex(e.address, 8), value: hex(e.value, 8) }),
    text: (e) => `${e.block} ${mmioRegister(e.register, e.address)} -> ${hex(e.value, 8)}`,
  },
  'dram.mrw': {
    ...mrAccess,
    code: 0x03,
    text: (e) => `${e.die} ${mrName(e.mr, e.register)} = ${mrValue(e.value)}`,
    vcd: (e, w) => {
      const d = w.die(e.die);
      d.mr(e.mr).set(e.value);
      d.mrwCount.add(1);
    },
  },
  'dram.mrr': {
    ...mrAccess,
    code: 0x04,
    text: (e) => `${e.die} ${mrName(e.mr, e.register)} -> ${mrValue(e.value)}`,
    vcd: (e, w) => {
      w.die(e.die);
    },
  },
  'dram.sr.enter': {
    code: 0x05,
    fields: { die: 'string', bankMask: 'u32', segmentMask: 'u32', refreshedFraction: 'fraction' },
    place: 'die',
    csv: (e) => ({
      source: e.die,
      bankMask: hex(e.bankMask, 2),
      segmentMask: hex(e.segmentMask, 2),
      refreshedFraction: e.refreshedFraction,
    }),
    text: (e) =>
      `${e.die} bankMask=${hex(e.bankMask, 2)} segmentMask=${hex(e.segmentMask, 2)} refreshed=${percent(e.refreshedFraction)}`,
    vcd: (e, w) => w.die(e.die).selfRefresh.set(1),
  },
  'dram.sr.exit': {
    code: 0x06,
    fields: { die: 'string', durationNs: 'time', poisonedPages: 'u53' },
    place: 'die',
    csv: (e) => ({ source: e.die, durationNs: e.durationNs, poisonedPages: e.poisonedPages }),
    text: (e) => `${e.die} after ${e.durationNs} ns, ${e.poisonedPages} pages poisoned`,
    vcd: (e, w) => {
      const d = w.die(e.die);
      d.selfRefresh.set(0);
      d.poisonedPages.add(e.poisonedPages);
    },
  },
  'guest.error': {
    code: 0x07,
    fields: { source: 'string', message: 'string' },
    place: 'source',
    csv: (e) => ({ source: e.source, message: e.message }),
    text: (e) => `${e.source}: ${e.message}`,
  },
  'pasr.mask': {
    ...pasrUnit,
    code: 0x08,
    vcd: (e, w) => w.system.mask(e.unit),
  },
  'pasr.unmask': {
    ...pasrUnit,
    code: 0x09,
    vcd: (e, w) => w.system.unmask(e.unit),
  },
  'sys.suspend': {
    code: 0x0a,
    fields: { reason: 'string' },
    csv: (e) => ({ reason: e.reason }),
    text: (e) => `(${e.reason})`,
    vcd: (_e, w) => w.system.suspended.set(1),
  },
  'sys.resume': {
    code: 0x0b,
    fields: { durationNs: 'time', wakeSource: 'string' },
    csv: (e) => ({ durationNs: e.durationNs, wakeSource: e.wakeSource }),
    text: (e) => `after ${e.durationNs} ns, woken by ${e.wakeSource}`,
    vcd: (_e, w) => w.system.suspended.set(0),
  },
  'policy.decision': {
    code: 0x0c,
    fields: { policy: 'string', action: 'string', detail: 'string' },
    csv: (e) => ({ policy: e.policy, action: e.action, detail: e.detail }),
    text: (e) => `${e.policy} ${e.action}${e.detail ? `: ${e.detail}` : ''}`,
  },
  'mm.batch': {
    code: 0x0d,
    fields: { mechanism: 'string', pages: 'u53', costNs: 'time' },
    csv: (e) => ({ mechanism: e.mechanism, pages: e.pages, costNs: e.costNs }),
    text: (e) => `${e.mechanism} ${e.pages} pages, cost ${e.costNs} ns`,
  },
};

/** Every kind, in code order. */
export const TRACE_KINDS: readonly TraceKind[] = Object.keys(TRACE_KIND_TABLE) as TraceKind[];

/** A kind's declaration as seen by code that handles every kind (the kind known only at run time). */
export interface AnyKindSpec {
  readonly code: number;
  readonly fields: Readonly<Record<string, FieldType>>;
  readonly place?: DiePlace;
  readonly csv: (e: TraceEvent) => CsvRow;
  readonly text: (e: TraceEvent) => string;
  readonly vcd?: (e: TraceEvent, w: VcdWaves) => void;
}

/** The declaration of an event's kind. */
export function kindSpec(kind: TraceKind): AnyKindSpec {
  return TRACE_KIND_TABLE[kind] as unknown as AnyKindSpec;
}

/** Invariants (a) and (c) of a kind table (by default this one); throws naming the kinds at fault. */
export function checkKindTable(table: Readonly<Record<string, { readonly code: number }>> = TRACE_KIND_TABLE): void {
  const seen = new Map<number, string>();
  let last = 0;
  for (const [kind, { code }] of Object.entries(table)) {
    if (!Number.isInteger(code) || code < 0x01 || code > 0xff)
      throw new Error(`kind ${kind}: code ${code} is not 1..255`);
    const other = seen.get(code);
    if (other !== undefined) throw new Error(`kinds ${other} and ${kind} share code ${hex(code, 2)}`);
    if (code < last) throw new Error(`kind ${kind} (code ${hex(code, 2)}) is listed after a higher code`);
    seen.set(code, kind);
    last = code;
  }
}
checkKindTable();
