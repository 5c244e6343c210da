/**
 * Mechanism costs: what migration, reclaim, writeback, swap, refaults, isolation, memory
 * hotplug and MRWs cost in simulated time and energy, with the source of every default
 * (shared/reference/performance.md §2 unless said otherwise).
 *
 * Two kinds of entry:
 *  - published [P] or derived from a published figure (verified: true): the value and the
 *    citation come from performance.md;
 *  - parameters without a published figure (verified: false, ✖ in the references): kept as
 *    named, overridable defaults, never silently treated as facts.
 *
 * Board configs override entries by name (`kernel.costs`, a Record<string, number>);
 * applyCostOverrides() rejects unknown names with a list of the known ones, and non-finite or
 * negative values.
 *
 * Invariants of a MechanismCosts value:
 *  (a) every entry of COST_TABLE has a finite value >= 0 (rates > 0);
 *  (b) derived figures (per-page ns of a block figure, per-page ns of a per-MiB figure) are
 *      computed from the entries, never stored twice, so one override changes every use.
 */
import type { Clock } from '../../hal/clock.js';

/** One row of the cost table. */
export interface CostEntry {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly description: string;
  /** Where the default comes from (performance.md section and the original source). */
  readonly source: string;
  /** false: ✖ unverified parameter (no published figure). */
  readonly verified: boolean;
}

const KIB4 = 4096;
const MIB = 1024 * 1024;
/** Pages of 4 KiB in the 128 MiB memory block the hotplug figures were logged with. */
export const HOTPLUG_REFERENCE_BLOCK_BYTES = 128 * MIB;

/**
 * The defaults. Rates are per 4 KiB page (the page size of every source); models with other
 * page sizes scale per byte (see MechanismCosts.pageScale).
 */
export const COST_TABLE: readonly CostEntry[] = [
  {
    name: 'migrate.pagesPerSec',
    value: 3.31e9 / KIB4,
    unit: 'pages/s',
    description:
      'migrate_pages() throughput for 4 KiB pages (compaction, syscall-style migration): ≈ 0.8 M pages/s, ≈ 1.24 µs per page',
    source:
      'performance.md §2: move_pages() between NUMA nodes, 4 KiB folios 3.31 GB/s (≈ 0.8 M pages/s), AMD Zen 3 EPYC, v7.1-rc1 — S. Garg, "Re: [PATCH 0/7] Accelerate page migration with batch copying and hardware offload", LKML 2026-05-08 (server NUMA figure; a mobile in-die copy will differ)',
    verified: true,
  },
  {
    name: 'hotplug.offlineIdleBlockNs',
    value: 3.2e6,
    unit: 'ns per 128 MiB block',
    description:
      'offline_pages() of a block with nothing to migrate (isolate, test, take free pages off the lists); scaled linearly to the configured block size',
    source:
      'performance.md §2: 5 idle 128 MiB blocks logged 46.696 → 46.712 s, ≈ 3–4 ms per block (3.2 ms mean), VM guest — intel/nemu#71 (dmesg)',
    verified: true,
  },
  {
    name: 'hotplug.offlineFullBlockNs',
    value: 1.6e9,
    unit: 'ns per 128 MiB block',
    description:
      'offline_pages() of a block full of pages that must be migrated; the per-migrated-page share (this minus the idle figure, over 32768 pages ≈ 48.7 µs) is charged per page actually migrated',
    source:
      'performance.md §2: 7 blocks logged 180.90 → 190.83 s, 1.54–1.77 s between successive 128 MiB blocks (≈ 76–87 MB/s), VM guest with balloon pages — D. Hildenbrand, "[PATCH v2] virtio-balloon: fix managed page counts when migrating pages between zones" (Dec 2019)',
    verified: true,
  },
  {
    name: 'hotplug.onlineBlockNs',
    value: 3.2e6,
    unit: 'ns per 128 MiB block',
    description:
      'online_pages() of a block (memmap init, freeing to the buddy allocator); scaled linearly to the configured block size',
    source: '✖ unverified: no published figure; assumed equal to the idle-offline figure',
    verified: false,
  },
  {
    name: 'hotplug.retryPassNs',
    value: 1e6,
    unit: 'ns per retry pass',
    description:
      'one more pass of the offline_pages() retry loop after a pass that left pages behind (lru_add_drain_all(), rescan, failed migration attempts)',
    source: '✖ unverified: no published figure; Linux spins in this loop without sleeping (linux-mm.md §4.5)',
    verified: false,
  },
  {
    name: 'hotplug.timeoutNs',
    value: 120e9,
    unit: 'ns',
    description: 'simulated-time budget of one offline_pages() call before it reports a timeout',
    source:
      'linux-mm.md §4.5: until 2017 offlining gave up after 120 s (commit 72b39cfc4d75 removed the limit; Linux now retries until a signal)',
    verified: true,
  },
  {
    name: 'hotplug.maxRetryPasses',
    value: 1000,
    unit: 'passes',
    description: 'bound of the offline retry loop (Linux: unbounded until a signal) before it reports busy',
    source:
      '✖ modelling bound, not a Linux figure (pre-2017 Linux gave up after 5 migration failures, linux-mm.md §4.5)',
    verified: false,
  },
  {
    name: 'contig.migrateNsPerMiB',
    value: 14.6e6,
    unit: 'ns per MiB migrated',
    description: 'alloc_contig_range()/cma_alloc() cost of migrating in-use pages out of the range',
    source:
      'performance.md §2: migrating 10 MB in a 40 MB movable zone took 146 ms (≈ 14.6 ms/MB), VM guest — M. Kim, "[PATCH] mm: cma: Discard clean pages during contiguous allocation instead of migration" (2012), Message-ID 1347324112-14134-1-git-send-email-minchan@kernel.org',
    verified: true,
  },
  {
    name: 'contig.discardNsPerMiB',
    value: 0.7e6,
    unit: 'ns per MiB discarded',
    description:
      'alloc_contig_range() cost of dropping clean page cache in the range instead of migrating it (reclaim_clean_pages_from_list())',
    source:
      'performance.md §2: the same 10 MB job took 7 ms after discarding clean page cache (≈ 0.7 ms/MB) — M. Kim (2012), same mail',
    verified: true,
  },
  {
    name: 'isolate.pageblockNs',
    value: 3.2e6 / 64,
    unit: 'ns per pageblock',
    description:
      'start_isolate_page_range() per pageblock (has_unmovable_pages() scan, moving its free pages to MIGRATE_ISOLATE), for contig and CMA',
    source:
      '✖ unverified: upper bound derived from the idle-offline figure (3.2 ms per 128 MiB block of 64 pageblocks of 2 MiB), which also covers other work',
    verified: false,
  },
  {
    name: 'reclaim.scanPageNs',
    value: 200,
    unit: 'ns per page scanned',
    description:
      'isolating a page from an LRU list and checking its references (shrink_inactive_list / shrink_active_list)',
    source: '✖ unverified: no published per-page figure',
    verified: false,
  },
  {
    name: 'reclaim.dropCleanPageNs',
    value: 0.7e6 / 256,
    unit: 'ns per clean page dropped',
    description: 'dropping one clean page-cache page (unmap, remove from the mapping, leave a shadow entry, free)',
    source:
      'derived from performance.md §2: 0.7 ms per MB discarded (M. Kim 2012) ÷ 256 pages per MiB ≈ 2.73 µs per page',
    verified: true,
  },
  {
    name: 'reclaim.writebackPageNs',
    value: 100e3,
    unit: 'ns per dirty page written',
    description: 'writing back one dirty page-cache page before dropping it (pageout())',
    source: '✖ unverified: storage-dependent; default ≈ 40 MB/s of 4 KiB writes (eMMC class)',
    verified: false,
  },
  {
    name: 'swap.outPageNs',
    value: 100e3,
    unit: 'ns per page swapped out',
    description: 'add_to_swap() + pageout() of one anon page',
    source: '✖ unverified: storage-dependent (zram is faster, flash slower)',
    verified: false,
  },
  {
    name: 'swap.inPageNs',
    value: 100e3,
    unit: 'ns per page swapped in',
    description: 'a major fault reading one anon page back from swap',
    source: '✖ unverified: storage-dependent',
    verified: false,
  },
  {
    name: 'refault.pageNs',
    value: 100e3,
    unit: 'ns per page read',
    description: 'reading one page-cache page from storage: a refault of a dropped page (and a cold first read)',
    source: '✖ unverified: storage-dependent; default ≈ 40 MB/s of 4 KiB reads',
    verified: false,
  },
  {
    name: 'compact.scanPageNs',
    value: 50,
    unit: 'ns per page scanned',
    description: 'compaction migrate/free scanner work per page frame looked at',
    source:
      '✖ unverified: no published per-page figure (N. Gupta: a fragmented 32 GB system compacts in < 1 s, performance.md §2)',
    verified: false,
  },
  {
    name: 'balloon.inflatePageNs',
    value: 4126e6 / ((7 * 1024 * MIB) / KIB4),
    unit: 'ns per page',
    description: 'virtio-balloon inflate, page by page',
    source:
      'performance.md §2: 7 GB of an 8 GB idle guest in ≈ 4,126 ms (≈ 2.25 µs per 4 KiB page) — W. Wang, VIRTIO_BALLOON_F_SG patch (LKML 1707.3/04371)',
    verified: true,
  },
  {
    name: 'balloon.deflatePageNs',
    value: 4126e6 / ((7 * 1024 * MIB) / KIB4),
    unit: 'ns per page',
    description: 'balloon deflate, page by page (dequeue a balloon page, free it to the buddy allocator)',
    source:
      '✖ unverified: no published deflate figure; assumed equal to the page-by-page inflate figure (W. Wang, VIRTIO_BALLOON_F_SG patch, performance.md §2)',
    verified: false,
  },
  {
    name: 'balloon.inflateSgPageNs',
    value: 491e6 / ((7 * 1024 * MIB) / KIB4),
    unit: 'ns per page',
    description: 'virtio-balloon inflate with scatter-gather chunks',
    source: 'performance.md §2: the same job in ≈ 491 ms (≈ 0.27 µs per page) — W. Wang, same patch',
    verified: true,
  },
  {
    name: 'alloc.rfcHookNs',
    value: 20,
    unit: 'ns per hook call',
    description:
      "one pasr_put()/pasr_get() of the 2012 PASR RFC from the buddy allocator (a max-order block entering or leaving the free lists): die and section binary searches, the section's spinlock, the free-size update; the register program of a mask change is accounted apart",
    source:
      '✖ unverified: no published measurement (the RFC only claimed the overhead "very low", linux-mm.md §1.4); derived from performance.md §1: spin_lock/unlock 33 cycles plus two binary searches over <= 8 entries (~30 cycles) at ~4 GHz ≈ 16 ns, rounded up',
    verified: false,
  },
  {
    name: 'sortedBuddy.opNs',
    value: 2,
    unit: 'ns per allocator operation',
    description:
      'allocator-path overhead of region-sorted free lists (sorted-buddy policy), averaged over every allocation and free (pcp hits included): region lookups, run-end pointers and bitmap upkeep, and the scan of every order for the lowest region',
    source:
      '✖ unverified: no per-operation figure was published (Bhat reported kernbench +7.8 % elapsed for v3, "no noticeable degradation" for v2, linux-mm.md §2.3); default = 23 ns per operation (an order-0 alloc+free pair on the pcp path ≈ 46 ns, performance.md §1) × the slowdown sorting causes in the emulator\'s own mixed churn (≈ 10 %, bench policy.sortedBuddy.allocOverheadPercent)',
    verified: false,
  },
  {
    name: 'mrw.ns',
    value: 14,
    unit: 'ns per MRW',
    description: 'one mode-register write (tMRW/tMRD); the per-standard timing tables in hal/lpddr own the exact value',
    source:
      '✖ as a mechanism cost: lpddr.md §1.3 gives LPDDR4 tMRD = max(14 ns, 10 nCK) (SNPS-CINIT), used here only as a lower bound of one MRW',
    verified: false,
  },
  {
    name: 'mrw.energyJ',
    value: 0,
    unit: 'J per MRW',
    description: 'energy of one MRW',
    source: '✖ no published figure (performance.md §3.5: DRAMPower has no MRW command, so it defaults to 0)',
    verified: false,
  },
  {
    name: 'energy.cpuActiveW',
    value: 1.0,
    unit: 'W',
    description: 'active power charged for the duration of every mechanism (energy = time × this)',
    source: '✖ unverified: no published per-mechanism energy; one busy mobile core plus uncore is assumed',
    verified: false,
  },
];

const BY_NAME: ReadonlyMap<string, CostEntry> = new Map(COST_TABLE.map((e) => [e.name, e]));

/** Names whose value must be > 0 (rates and divisors). */
const POSITIVE = new Set(['migrate.pagesPerSec', 'hotplug.maxRetryPasses', 'hotplug.timeoutNs']);

/** Migration callers, as enum migrate_reason (the cost of a migrated page depends on the path). */
export type MigrateReason =
  | 'compaction'
  | 'memory-hotplug'
  | 'contig-range'
  | 'syscall'
  | 'balloon'
  /** Bhat's MR_PWR_MGMT: evacuating a memory region (linux-mm.md §2.2). */
  | 'power-management';

/**
 * The cost values in effect (defaults plus overrides), with the derived per-page figures.
 * Values are read by name through get(); the typed accessors below compute derived figures.
 */
export class MechanismCosts {
  readonly values: Readonly<Record<string, number>>;
  /** Bytes per page of the model (costs scale per byte from the 4 KiB sources). */
  readonly pageBytes: number;
  /** Configured memory block size (for the hotplug per-block figures). */
  readonly blockBytes: number;

  constructor(values: Readonly<Record<string, number>>, pageBytes = KIB4, blockBytes = HOTPLUG_REFERENCE_BLOCK_BYTES) {
    this.values = Object.freeze({ ...values });
    this.pageBytes = pageBytes;
    this.blockBytes = blockBytes;
  }

  get(name: string): number {
    const v = this.values[name];
    if (v === undefined)
      throw new Error(`mechanism cost '${name}' is not defined; known: ${COST_TABLE.map((e) => e.name).join(', ')}`);
    return v;
  }

  /** Page size relative to the 4 KiB pages of the sources. */
  get pageScale(): number {
    return this.pageBytes / KIB4;
  }

  /** Nanoseconds to migrate one page on the generic migrate_pages() path. */
  get migratePageNs(): number {
    return (1e9 / this.get('migrate.pagesPerSec')) * this.pageScale;
  }

  /** Offlining cost of one configured block with nothing to migrate. */
  get offlineIdleBlockNs(): number {
    return this.get('hotplug.offlineIdleBlockNs') * (this.blockBytes / HOTPLUG_REFERENCE_BLOCK_BYTES);
  }

  /** Onlining cost of one configured block. */
  get onlineBlockNs(): number {
    return this.get('hotplug.onlineBlockNs') * (this.blockBytes / HOTPLUG_REFERENCE_BLOCK_BYTES);
  }

  /** Extra offlining cost per page migrated (full-block figure minus idle, over the reference block's pages). */
  get offlineMigratePageNs(): number {
    const refPages = HOTPLUG_REFERENCE_BLOCK_BYTES / KIB4;
    const perPage = (this.get('hotplug.offlineFullBlockNs') - this.get('hotplug.offlineIdleBlockNs')) / refPages;
    return Math.max(0, perPage) * this.pageScale;
  }

  /** alloc_contig_range() cost per page migrated. */
  get contigMigratePageNs(): number {
    return (this.get('contig.migrateNsPerMiB') * this.pageBytes) / MIB;
  }

  /** alloc_contig_range() cost per clean page-cache page discarded. */
  get contigDiscardPageNs(): number {
    return (this.get('contig.discardNsPerMiB') * this.pageBytes) / MIB;
  }

  /** Per-page migration cost of a migrate_pages() caller. */
  migratePageNsFor(reason: MigrateReason): number {
    switch (reason) {
      case 'memory-hotplug':
        return this.offlineMigratePageNs;
      case 'contig-range':
        return this.contigMigratePageNs;
      default:
        return this.migratePageNs;
    }
  }

  /** Per-page cost of a storage-bound entry (writeback, swap, refault), scaled to the page size. */
  perPage(name: string): number {
    return this.get(name) * this.pageScale;
  }

  /** Energy of `ns` of mechanism work at the configured active power. */
  energyJ(ns: number): number {
    return ns * 1e-9 * this.get('energy.cpuActiveW');
  }
}

/** The default values by name. */
export function defaultCostValues(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of COST_TABLE) out[e.name] = e.value;
  return out;
}

/**
 * Apply board-config overrides (`kernel.costs`) to the defaults. `where` names the origin
 * (e.g. "board-configs/snowball.json: kernel.costs") for error messages. Unknown names, values
 * that are not finite numbers, negative values and zero rates are errors.
 */
export function applyCostOverrides(
  overrides: Readonly<Record<string, unknown>> | undefined,
  opts: { where?: string; pageBytes?: number; blockBytes?: number } = {},
): MechanismCosts {
  const where = opts.where ?? 'kernel.costs';
  const values = defaultCostValues();
  if (overrides !== undefined) {
    if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
      throw new Error(`${where}: expected an object mapping cost names to numbers`);
    }
    const problems: string[] = [];
    for (const [name, v] of Object.entries(overrides)) {
      if (!BY_NAME.has(name)) {
        problems.push(`unknown cost '${name}'`);
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        problems.push(`'${name}' must be a finite number, got ${JSON.stringify(v)}`);
        continue;
      }
      if (v < 0 || (POSITIVE.has(name) && v === 0)) {
        problems.push(`'${name}' must be ${POSITIVE.has(name) ? '> 0' : '>= 0'}, got ${v}`);
        continue;
      }
      values[name] = v;
    }
    if (problems.length > 0) {
      throw new Error(`${where}: ${problems.join('; ')}. Known costs: ${COST_TABLE.map((e) => e.name).join(', ')}`);
    }
  }
  const pageBytes = opts.pageBytes ?? KIB4;
  const blockBytes = opts.blockBytes ?? HOTPLUG_REFERENCE_BLOCK_BYTES;
  if (!(Number.isInteger(pageBytes) && pageBytes > 0))
    throw new RangeError(`${where}: page size ${pageBytes} is not a positive integer`);
  if (!(Number.isFinite(blockBytes) && blockBytes > 0))
    throw new RangeError(`${where}: memory block size ${blockBytes} is not positive`);
  return new MechanismCosts(values, pageBytes, blockBytes);
}

/** The cost table as rows (name, value, unit, verified, source), for reports and the README. */
export function costTableRows(
  costs?: MechanismCosts,
): { name: string; value: number; unit: string; verified: boolean; source: string }[] {
  return COST_TABLE.map((e) => ({
    name: e.name,
    value: costs ? costs.get(e.name) : e.value,
    unit: e.unit,
    verified: e.verified,
    source: e.source,
  }));
}

/** Totals of one ledger item. */
export interface CostTotal {
  ns: number;
  joules: number;
  /** Units charged (pages, blocks, operations: whatever the item counts). */
  units: number;
}

/**
 * The cost ledger: accumulates the time and energy of mechanism work per item and advances the
 * simulated clock by it.
 *
 * Invariants:
 *  (a) the clock is advanced only when the outermost run() returns (depth 0), so no alarm fires
 *      while a mechanism holds pages off every list;
 *  (b) totalNs = sum of item ns = time the clock was advanced by charges + pendingNs + time
 *      recorded as already elapsed (recordElapsed()).
 */
export class CostLedger {
  readonly costs: MechanismCosts;
  private readonly clock: Clock;
  private readonly items = new Map<string, CostTotal>();
  private pending = 0;
  private depth = 0;
  private total = 0;

  constructor(clock: Clock, costs: MechanismCosts) {
    this.clock = clock;
    this.costs = costs;
  }

  /** Charge `ns` of work (and its energy at the active power, unless `joules` is given). */
  charge(item: string, ns: number, units = 1, joules?: number): void {
    this.add('charge', item, ns, units, joules);
    this.pending += ns;
    if (this.depth === 0) this.commit();
  }

  /**
   * Account `ns` of work that already advanced the clock itself (a register program's delays
   * and polls): it counts in the item's and the ledger's totals, and so in the run's mechanism
   * energy, but does not move time again.
   */
  recordElapsed(item: string, ns: number, units = 1, joules?: number): void {
    this.add('record', item, ns, units, joules);
  }

  private add(verb: string, item: string, ns: number, units: number, joules: number | undefined): void {
    if (!(ns >= 0) || !Number.isFinite(ns)) throw new RangeError(`cost ledger: cannot ${verb} ${ns} ns to '${item}'`);
    let t = this.items.get(item);
    if (t === undefined) {
      t = { ns: 0, joules: 0, units: 0 };
      this.items.set(item, t);
    }
    t.ns += ns;
    t.joules += joules ?? this.costs.energyJ(ns);
    t.units += units;
    this.total += ns;
  }

  /** Run a mechanism: charges made inside advance the clock when the outermost run returns. */
  run<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.commit();
    }
  }

  /** Time charged but not yet applied to the clock. */
  get pendingNs(): number {
    return this.pending;
  }

  /** Time charged since construction. */
  get totalNs(): number {
    return this.total;
  }

  /** Current simulated time including pending charges. */
  get nowNs(): number {
    return this.clock.nowNs + this.pending;
  }

  totals(): Record<string, CostTotal> {
    const out: Record<string, CostTotal> = {};
    for (const [k, v] of [...this.items.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[k] = { ...v };
    return out;
  }

  item(name: string): CostTotal {
    const t = this.items.get(name);
    return t ? { ...t } : { ns: 0, joules: 0, units: 0 };
  }

  private commit(): void {
    if (this.pending === 0) return;
    const d = this.pending;
    this.pending = 0;
    this.clock.advance(d);
  }
}
