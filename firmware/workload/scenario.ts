/**
 * A workload scenario, as the run loop takes it (the JSON form, with its schema and checks, is
 * in load-scenario.ts): named sets of pages (files, process memory, kernel objects), phases of
 * given durations, and in each phase activities that fire at its start or on a period, wake the
 * system when they are wake-up sources, keep it busy for a while and issue page operations.
 *
 * Sizes are fractions of the board's RAM (page frames), so one scenario fits every board.
 */

export type SetType = 'file' | 'anon' | 'kernel';

export interface PageSet {
  readonly name: string;
  readonly type: SetType;
  /** Capacity in fractions of RAM (a file set may be larger than RAM: its cache then cycles). */
  readonly size: number;
  /** Allocation order of kernel sets (default 0). */
  readonly order?: number;
}

export interface SlabCacheSpec {
  readonly name: string;
  /** Object size in bytes. */
  readonly objectBytes: number;
}

/** How a read or touch picks pages of its set. */
export type Pattern = 'sequential' | 'random' | 'hot';

export type Op =
  /** Read (or write, for a share of them) pages of a file set: page cache. */
  | {
      readonly op: 'read';
      readonly set: string;
      readonly size: number;
      readonly pattern: Pattern;
      readonly writeShare: number;
    }
  /** Touch pages of an anon set: first touches allocate (process memory grows), later ones access. */
  | { readonly op: 'touch'; readonly set: string; readonly size: number; readonly pattern: Pattern }
  /** Release pages of a file or anon set (truncate / munmap), the oldest first; size omitted = all. */
  | { readonly op: 'release'; readonly set: string; readonly size?: number }
  /** Allocate unmovable kernel memory for a kernel set (GFP_KERNEL, the set's order). */
  | { readonly op: 'kalloc'; readonly set: string; readonly size: number }
  /** Free kernel memory of a kernel set, the oldest first; size omitted = all. */
  | { readonly op: 'kfree'; readonly set: string; readonly size?: number }
  /** Allocate reclaimable slab objects worth `size` of RAM in a cache (dentries, inodes). */
  | { readonly op: 'slab'; readonly cache: string; readonly size: number }
  /** Free slab objects worth `size` of RAM (or all). */
  | { readonly op: 'slabFree'; readonly cache: string; readonly size?: number }
  /** Long-term pin resident pages of an anon set (GUP FOLL_LONGTERM: DMA buffers). */
  | { readonly op: 'pin'; readonly set: string; readonly size: number }
  /** Unpin every pinned page of a set. */
  | { readonly op: 'unpin'; readonly set: string }
  /** The userspace knob of a PASR governor (a sysfs write). */
  | { readonly op: 'knob'; readonly action: 'inflate' | 'deflate' };

export interface Activity {
  readonly name: string;
  /** Fires once when the phase starts ('start'), or every `everyNs` on average. */
  readonly at?: 'start';
  readonly everyNs?: number;
  /** 0: a fixed period; 1: exponential gaps (a Poisson process); between: a mix. */
  readonly jitter: number;
  /** A wake-up source: it wakes the system from suspend (RTC alarm, modem, network). */
  readonly wake: boolean;
  /** How long the system stays busy after the activity. */
  readonly busyNs: number;
  readonly ops: readonly Op[];
}

export interface Phase {
  readonly name: string;
  readonly durationNs: number;
  /** Autosleep: the system suspends once idle for idleBeforeSuspendNs. */
  readonly suspend: boolean;
  readonly idleBeforeSuspendNs: number;
  /** Share of awake time the DRAM is active (reads, writes) rather than in power-down, 0..1. */
  readonly activeShare: number;
  /** Memory the workload may need soon on top of what it uses, as a fraction of RAM (a governor's sizing hint). */
  readonly expectedDemand: number;
  readonly activities: readonly Activity[];
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Default run length (the phases repeat to fill it). */
  readonly durationNs: number;
  readonly sets: readonly PageSet[];
  readonly slabCaches: readonly SlabCacheSpec[];
  /** Operations at boot, before the first phase. */
  readonly setup: readonly Op[];
  readonly phases: readonly Phase[];
}
