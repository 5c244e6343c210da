import { SnapshotError } from './snapshot-error.js';
import { U64Entries } from './u64-entries.js';

/**
 * /proc/kpageflags: one little-endian u64 of flags per page frame, indexed by pfn, from pfn 0 up
 * to max_pfn rounded up to a memory section (fs/proc/page.c). Bits 0-26 are the stable ones
 * (include/uapi/linux/kernel-page-flags.h); bits 32 and up are the kernel's "hacking assistances"
 * (include/linux/kernel-page-flags.h), which can change between releases: only RESERVED and
 * MLOCKED are read here.
 *
 * Caveats (Documentation/admin-guide/mm/pagemap.rst and fs/proc/page.c):
 *  - BUDDY: the documentation says only the first page of a free block carries it; since Linux 4.7
 *    stable_page_flags() also sets it on every other page of the block (page_count 0 and
 *    is_free_buddy_page()). Older kernels flag the head only: the rest of the block reads as pages
 *    with no flag (free-blocks.ts rebuilds the blocks).
 *  - Pages on the per-cpu free lists are free but not in the buddy allocator: they carry no flag.
 *  - SLAB: SLUB sets it on the head of a compound slab; since folios, every page of the folio
 *    reads the folio's flags. A compound tail that carries no flag of its own takes its head's class.
 *  - NOPAGE: no struct page online at that pfn (a hole, or memory not onlined).
 *  - A page with no flag at all is ambiguous: a free page on a per-cpu list, a kernel allocation
 *    that sets no flag (vmalloc, page tables of some architectures, driver buffers), a buddy tail on
 *    an old kernel, or a struct page never initialised (deferred struct-page init).
 */
export const KPF = {
  LOCKED: 0,
  ERROR: 1,
  REFERENCED: 2,
  UPTODATE: 3,
  DIRTY: 4,
  LRU: 5,
  ACTIVE: 6,
  SLAB: 7,
  WRITEBACK: 8,
  RECLAIM: 9,
  BUDDY: 10,
  MMAP: 11,
  ANON: 12,
  SWAPCACHE: 13,
  SWAPBACKED: 14,
  COMPOUND_HEAD: 15,
  COMPOUND_TAIL: 16,
  HUGE: 17,
  UNEVICTABLE: 18,
  HWPOISON: 19,
  NOPAGE: 20,
  KSM: 21,
  THP: 22,
  OFFLINE: 23,
  ZERO_PAGE: 24,
  IDLE: 25,
  PGTABLE: 26,
  RESERVED: 32,
  MLOCKED: 33,
  OWNER_2: 34,
  PRIVATE: 35,
  PRIVATE_2: 36,
  OWNER_PRIVATE: 37,
  ARCH: 38,
  UNCACHED: 39,
  SOFTDIRTY: 40,
  ARCH_2: 41,
  ARCH_3: 42,
} as const;

/** What a page frame holds, as far as its flags tell (one byte per pfn). */
export const FrameKind = {
  /** No flag at all: see the caveats above. */
  UNKNOWN: 0,
  /** In the buddy allocator. */
  FREE: 1,
  /** On an LRU list and swap-backed: anonymous memory, shmem/tmpfs. Moved by migration. */
  ANON: 2,
  /** On an LRU list, page cache, clean: dropped (or moved) when its segment is emptied. */
  FILE_CLEAN: 3,
  /** On an LRU list, page cache, dirty or under writeback: written back or moved. */
  FILE_DIRTY: 4,
  SLAB: 5,
  PGTABLE: 6,
  /** Unevictable or mlocked (ramfs, SHM_LOCK, mlock()). */
  UNEVICTABLE: 7,
  /** Part of a HugeTLB page. */
  HUGETLB: 8,
  /** Flagged, but on no LRU list and none of the above: kernel memory. */
  KERNEL: 9,
  /** PG_reserved: memblock reservations (kernel image, memmap, firmware), the zero page. */
  RESERVED: 10,
  /** PageOffline: given away by a balloon, virtio-mem or memory hotplug; holds no data. */
  OFFLINE: 11,
  /** KPF_NOPAGE: no page frame online at this pfn. */
  NOPAGE: 12,
} as const;

export const NR_FRAME_KINDS = 13;
/** Transient kind while decoding: a compound tail that takes its head's kind. */
const TAIL = 13;

export const FRAME_KIND_NAMES: readonly string[] = [
  'unknown',
  'free',
  'anon',
  'fileClean',
  'fileDirty',
  'slab',
  'pageTables',
  'unevictable',
  'hugetlb',
  'kernel',
  'reserved',
  'offline',
  'nopage',
];

/** The classes a PASR analysis needs: what is empty, what can move, what pins its segment. */
export type PageClass = 'free' | 'movable' | 'unmovable' | 'reserved' | 'offline' | 'nopage' | 'unknown';
export const PAGE_CLASSES: readonly PageClass[] = [
  'free',
  'movable',
  'unmovable',
  'reserved',
  'offline',
  'nopage',
  'unknown',
];

export const CLASS_OF_KIND: readonly PageClass[] = [
  'unknown',
  'free',
  'movable',
  'movable',
  'movable',
  'unmovable',
  'unmovable',
  'unmovable',
  'unmovable',
  'unmovable',
  'reserved',
  'offline',
  'nopage',
];

const bit = (b: number): number => 2 ** b;
const L = {
  NOPAGE: bit(KPF.NOPAGE),
  BUDDY: bit(KPF.BUDDY),
  OFFLINE: bit(KPF.OFFLINE),
  HUGE: bit(KPF.HUGE),
  SLAB: bit(KPF.SLAB),
  PGTABLE: bit(KPF.PGTABLE),
  LRU: bit(KPF.LRU),
  UNEVICTABLE: bit(KPF.UNEVICTABLE),
  ANON: bit(KPF.ANON),
  SWAPBACKED: bit(KPF.SWAPBACKED),
  DIRTY: bit(KPF.DIRTY),
  WRITEBACK: bit(KPF.WRITEBACK),
  COMPOUND_TAIL: bit(KPF.COMPOUND_TAIL),
};
const H = { RESERVED: bit(KPF.RESERVED - 32), MLOCKED: bit(KPF.MLOCKED - 32) };

/**
 * The kind of one page frame from its flags (low and high 32 bits). The first rule that applies
 * wins: no page; free; offline; HugeTLB; slab (before ANON: slab reuses the field the ANON bit is
 * read from); page table; LRU pages by their flags; reserved; unevictable; user anonymous memory
 * off the LRU (a page in a per-cpu LRU batch or isolated for migration); a compound tail with no
 * flag of its own; any other flag (kernel); no flag at all (unknown).
 */
export function frameKind(lo: number, hi: number): number {
  if (lo & L.NOPAGE) return FrameKind.NOPAGE;
  if (lo & L.BUDDY) return FrameKind.FREE;
  if (lo & L.OFFLINE) return FrameKind.OFFLINE;
  if (lo & L.HUGE) return FrameKind.HUGETLB;
  if (lo & L.SLAB) return FrameKind.SLAB;
  if (lo & L.PGTABLE) return FrameKind.PGTABLE;
  if (lo & L.LRU) {
    if (lo & L.UNEVICTABLE || hi & H.MLOCKED) return FrameKind.UNEVICTABLE;
    if (lo & (L.ANON | L.SWAPBACKED)) return FrameKind.ANON;
    return lo & (L.DIRTY | L.WRITEBACK) ? FrameKind.FILE_DIRTY : FrameKind.FILE_CLEAN;
  }
  if (hi & H.RESERVED) return FrameKind.RESERVED;
  if (lo & L.UNEVICTABLE || hi & H.MLOCKED) return FrameKind.UNEVICTABLE;
  if (lo & L.ANON) return FrameKind.ANON;
  if (lo & L.COMPOUND_TAIL) return TAIL;
  return lo === 0 && hi === 0 ? FrameKind.UNKNOWN : FrameKind.KERNEL;
}

/** A pfn range, end exclusive. */
export interface PfnRange {
  readonly startPfn: number;
  readonly endPfn: number;
}

/**
 * Decodes /proc/kpageflags as it streams in (chunks of any size, records split across chunks):
 * the kind of every pfn below `endPfn` (the end of the highest RAM range) into `kinds`, and, over
 * the RAM pfns only, how many pages carry each flag bit (`flagPages`). Entries past `endPfn` are
 * counted, not kept: the kernel rounds the file up to a whole memory section. More than
 * `maxFrames` entries is refused as soon as it shows (a file from a larger machine, or hostile).
 */
export class KpageflagsDecoder {
  /** Kind of every pfn below endPfn (FrameKind). */
  readonly kinds: Uint8Array;
  /** RAM pages with each flag bit set (index = KPF bit). */
  readonly flagPages = new Float64Array(64);
  private pfn = 0;
  private rangeIdx = 0;
  private readonly entries = new U64Entries((lo, hi) => this.entry(lo, hi));

  constructor(
    readonly endPfn: number,
    private readonly ram: readonly PfnRange[],
    readonly maxFrames: number,
    readonly file = 'kpageflags',
  ) {
    this.kinds = new Uint8Array(endPfn);
  }

  /** Entries read so far (page frames). */
  get frames(): number {
    return this.pfn;
  }

  push(chunk: Uint8Array): void {
    this.entries.push(chunk);
    if (this.pfn > this.maxFrames)
      throw new SnapshotError(
        this.file,
        null,
        `more than ${this.maxFrames} page frames, but iomem's RAM ends at pfn ${this.endPfn}: from another machine?`,
      );
  }

  private entry(lo: number, hi: number): void {
    const pfn = this.pfn++;
    if (pfn >= this.endPfn) return;
    this.kinds[pfn] = frameKind(lo, hi);
    // Flag tallies over RAM pages only (ranges ascend, pfns ascend).
    const ram = this.ram;
    while (this.rangeIdx < ram.length && pfn >= ram[this.rangeIdx]!.endPfn) this.rangeIdx++;
    const r = ram[this.rangeIdx];
    if (r === undefined || pfn < r.startPfn) return;
    const f = this.flagPages;
    for (let b = lo; b !== 0; b &= b - 1) f[31 - Math.clz32(b & -b)]!++;
    for (let b = hi; b !== 0; b &= b - 1) f[63 - Math.clz32(b & -b)]!++;
  }

  /**
   * The stream has ended: a partial entry, or fewer entries than the RAM needs, is an error.
   * Compound tails that carry no flag of their own take the kind of their head.
   */
  finish(): Uint8Array {
    if (this.entries.partialBytes > 0)
      throw new SnapshotError(
        this.file,
        null,
        `${this.pfn * 8 + this.entries.partialBytes} bytes: not a whole number of 8-byte entries (truncated?)`,
      );
    if (this.pfn < this.endPfn)
      throw new SnapshotError(
        this.file,
        null,
        `${this.pfn} page frames (${this.pfn * 8} bytes), but iomem's RAM reaches pfn ${this.endPfn}: truncated, or from another machine`,
      );
    const k = this.kinds;
    let head: number = FrameKind.KERNEL;
    for (let pfn = 0; pfn < k.length; pfn++) {
      if (k[pfn] === TAIL) k[pfn] = head;
      else head = k[pfn]!;
    }
    return k;
  }
}
