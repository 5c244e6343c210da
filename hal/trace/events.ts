/**
 * Trace events: plain, immutable, JSON-serialisable facts about what the hardware saw.
 *
 * Every event carries `seq` (0, 1, 2, ... in emission order) and `tNs` (simulated time).
 * Register events carry the datasheet register name and the decoded field values, so a
 * trace reads like the datasheet. Kinds are `<layer>.<verb>`.
 *
 * How each kind is encoded, rendered and selected is declared once, in kinds.ts.
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

/**
 * The PASR core masked one PASR unit: it stopped refreshing that segment (MR17/MR23) or bank
 * (MR16) on every die of the unit's interleave group, after the census found no live page there.
 */
export interface PasrMaskEvent {
  readonly kind: 'pasr.mask';
  readonly seq: number;
  readonly tNs: number;
  /** Index of the unit in the PASR map (`pasr map`). */
  readonly unit: number;
  /** Mask register the unit is a bit of: `MR16` (banks), `MR17` or `MR23` (segments). */
  readonly register: string;
  /** Bank or segment number: the bit of `register`. */
  readonly bit: number;
  /** Die ids of the unit's interleave group (masked together). */
  readonly dies: readonly string[];
  /** Page frames wholly inside the unit. */
  readonly pages: number;
  /** The policy that asked for it (e.g. `balloon`, `hotplug`, `oracle`). */
  readonly policy: string;
}

/** The PASR core unmasked one PASR unit: its pages are refreshed (and usable) again. */
export interface PasrUnmaskEvent {
  readonly kind: 'pasr.unmask';
  readonly seq: number;
  readonly tNs: number;
  /** Index of the unit in the PASR map. */
  readonly unit: number;
  /** `MR16`, `MR17` or `MR23`. */
  readonly register: string;
  /** Bank or segment number: the bit of `register`. */
  readonly bit: number;
  /** Die ids of the unit's interleave group. */
  readonly dies: readonly string[];
  /** Page frames wholly inside the unit. */
  readonly pages: number;
  /** The policy that asked for it (or the shrinker, under memory pressure). */
  readonly policy: string;
}

/** The system entered suspend (the dies go to self-refresh with the masks in force). */
export interface SysSuspendEvent {
  readonly kind: 'sys.suspend';
  readonly seq: number;
  readonly tNs: number;
  /** Why it suspended, e.g. `idle`, `workload`. */
  readonly reason: string;
}

/** The system left suspend. */
export interface SysResumeEvent {
  readonly kind: 'sys.resume';
  readonly seq: number;
  readonly tNs: number;
  /** Time spent suspended. */
  readonly durationNs: number;
  /** What woke it, e.g. `rtc`, `input`, `network`. */
  readonly wakeSource: string;
}

/** A PASR policy decided something (and why), whether or not it led to a mask change. */
export interface PolicyDecisionEvent {
  readonly kind: 'policy.decision';
  readonly seq: number;
  readonly tNs: number;
  /** Policy name, e.g. `balloon`, `sorted-buddy`, `hotplug`. */
  readonly policy: string;
  /** What it decided: `inflate`, `deflate`, `skip`, `offline`, `online`, ... */
  readonly action: string;
  /** Its reason, in words (free pages, watermarks, the unit it chose). */
  readonly detail: string;
}

/** One batch of memory-management work a mechanism did for the run (its cost is charged to it). */
export interface MmBatchEvent {
  readonly kind: 'mm.batch';
  readonly seq: number;
  readonly tNs: number;
  /** `migrate`, `reclaim`, `refault`, `offline`, `online`, `compact`, `contig` or `mrw`. */
  readonly mechanism: string;
  /** Page frames the batch moved, reclaimed, refaulted, offlined, ... */
  readonly pages: number;
  /** Simulated time the batch cost. */
  readonly costNs: number;
}

export type TraceEvent =
  | MmioWriteEvent
  | MmioReadEvent
  | DramMrwEvent
  | DramMrrEvent
  | DramSelfRefreshEnterEvent
  | DramSelfRefreshExitEvent
  | GuestErrorEvent
  | PasrMaskEvent
  | PasrUnmaskEvent
  | SysSuspendEvent
  | SysResumeEvent
  | PolicyDecisionEvent
  | MmBatchEvent;

export type TraceKind = TraceEvent['kind'];

/** An event as emitted by a model: the bus stamps seq and tNs. */
export type UnstampedEvent = TraceEvent extends infer E
  ? E extends TraceEvent
    ? Omit<E, 'seq' | 'tNs'>
    : never
  : never;

/** Every kind, in the order of their codes in the trace file. */
export { TRACE_KINDS } from './kinds.js';
