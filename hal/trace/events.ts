/**
 * Trace events: plain, immutable, JSON-serialisable facts about what the hardware saw.
 *
 * Every event carries `seq` (0, 1, 2, ... in emission order) and `tNs` (simulated time).
 * Register events carry the datasheet register name and the decoded field values, so a
 * trace reads like the datasheet. Kinds are `<layer>.<verb>`.
 */
export interface FieldValues {
  readonly [field: string]: number;
}

export interface MmioWriteEvent {
  readonly kind: 'mmio.write';
  readonly seq: number;
  readonly tNs: number;
  /** Physical bus address of the register. */
  readonly address: number;
  readonly value: number;
  /** Block instance name, e.g. `emif1`. */
  readonly block: string;
  /** Datasheet register name, e.g. `LPDDR2_MODE_REG_CONFIG`; `?` for an unmapped offset. */
  readonly register: string;
  readonly fields: FieldValues;
}

export interface MmioReadEvent {
  readonly kind: 'mmio.read';
  readonly seq: number;
  readonly tNs: number;
  readonly address: number;
  readonly value: number;
  readonly block: string;
  readonly register: string;
}

/** A mode-register write that reached a die (MRW). */
export interface DramMrwEvent {
  readonly kind: 'dram.mrw';
  readonly seq: number;
  readonly tNs: number;
  readonly die: string;
  readonly mr: number;
  readonly value: number;
  /** e.g. `MR17` (register name from the per-standard MR table). */
  readonly register: string;
}

/** A mode-register read (MRR) answered by a die. */
export interface DramMrrEvent {
  readonly kind: 'dram.mrr';
  readonly seq: number;
  readonly tNs: number;
  readonly die: string;
  readonly mr: number;
  readonly value: number;
  readonly register: string;
}

export interface DramSelfRefreshEnterEvent {
  readonly kind: 'dram.sr.enter';
  readonly seq: number;
  readonly tNs: number;
  readonly die: string;
  /** Bank mask (MR16) in force during this self-refresh. */
  readonly bankMask: number;
  /** Segment mask (MR17, or MR23 on LPDDR5) in force during this self-refresh. */
  readonly segmentMask: number;
  /** Fraction of the array that is refreshed, 0..1. */
  readonly refreshedFraction: number;
}

export interface DramSelfRefreshExitEvent {
  readonly kind: 'dram.sr.exit';
  readonly seq: number;
  readonly tNs: number;
  readonly die: string;
  /** Time spent in self-refresh. */
  readonly durationNs: number;
  /** Pages poisoned because they lie (wholly or partly) in a masked bank or segment. */
  readonly poisonedPages: number;
}

/** Software misprogrammed the hardware (QEMU's LOG_GUEST_ERROR). Never a crash. */
export interface GuestErrorEvent {
  readonly kind: 'guest.error';
  readonly seq: number;
  readonly tNs: number;
  /** Die or block that saw the error. */
  readonly source: string;
  readonly message: string;
}

export type TraceEvent =
  | MmioWriteEvent
  | MmioReadEvent
  | DramMrwEvent
  | DramMrrEvent
  | DramSelfRefreshEnterEvent
  | DramSelfRefreshExitEvent
  | GuestErrorEvent;

export type TraceKind = TraceEvent['kind'];

export const TRACE_KINDS: readonly TraceKind[] = [
  'mmio.write',
  'mmio.read',
  'dram.mrw',
  'dram.mrr',
  'dram.sr.enter',
  'dram.sr.exit',
  'guest.error',
];

/** An event as emitted by a model: the bus stamps seq and tNs. */
export type UnstampedEvent = TraceEvent extends infer E
  ? E extends TraceEvent
    ? Omit<E, 'seq' | 'tNs'>
    : never
  : never;
