/**
 * The files of a physical-memory snapshot folder: what `pasr snapshot capture` copies from /proc and
 * `pasr snapshot analyze` reads back. The per-page-frame arrays (8 bytes a frame) are stored
 * gzip-compressed as NAME.gz; analyze takes them plain or compressed.
 */
export interface SnapshotFile {
  /** Name in the snapshot folder (`.gz` added for compressed copies). */
  readonly name: string;
  /** Where capture copies it from. */
  readonly source: string;
  /** One 64-bit little-endian value per page frame (gzip-compressed while copying). */
  readonly perFrame: boolean;
  /** analyze cannot go on without it. */
  readonly required: boolean;
  /** What it holds, for messages. */
  readonly what: string;
}

export const SNAPSHOT_FILES: readonly SnapshotFile[] = [
  { name: 'kpageflags', source: '/proc/kpageflags', perFrame: true, required: true, what: 'page flags' },
  { name: 'kpagecount', source: '/proc/kpagecount', perFrame: true, required: false, what: 'page map counts' },
  { name: 'iomem', source: '/proc/iomem', perFrame: false, required: true, what: 'physical memory map' },
  { name: 'buddyinfo', source: '/proc/buddyinfo', perFrame: false, required: true, what: 'free blocks per order' },
  {
    name: 'pagetypeinfo',
    source: '/proc/pagetypeinfo',
    perFrame: false,
    required: false,
    what: 'free blocks per migrate type',
  },
  { name: 'zoneinfo', source: '/proc/zoneinfo', perFrame: false, required: true, what: 'zone counters' },
  { name: 'meminfo', source: '/proc/meminfo', perFrame: false, required: true, what: 'memory counters' },
];

/** /proc/buddyinfo read again once the page flags are copied: how much the free lists moved meanwhile. */
export const BUDDYINFO_AFTER = 'buddyinfo.after';
/** The capture's own record: kernel release, machine, page size, time, read durations. */
export const SNAPSHOT_META = 'snapshot.json';

/** Every name a snapshot folder may hold (a capture refuses a folder that holds any of them). */
export function snapshotNames(): string[] {
  return [
    ...SNAPSHOT_FILES.flatMap((f) => (f.perFrame ? [f.name, `${f.name}.gz`] : [f.name])),
    BUDDYINFO_AFTER,
    SNAPSHOT_META,
  ];
}

export interface SnapshotMeta {
  readonly format: 'pasr-snapshot';
  readonly version: 1;
  /** `uname -r`. */
  readonly kernel: string;
  /** `uname -m`. */
  readonly machine: string;
  /** The kernel's base page size (bytes), from /proc/self/smaps. */
  readonly pageSize: number | null;
  /** ISO 8601 time the capture started. */
  readonly capturedAt: string;
  /** Wall time of the page-flag copy (the other files were read just before it). */
  readonly kpageflagsReadMs: number;
}
