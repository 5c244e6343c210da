/**
 * MmMechanisms: the mm mechanisms (reclaim, migration, compaction, contiguous ranges, hotplug,
 * shrinkers) built on a booted MemoryManager, wired together and into the allocator's slow path:
 *  - MmHooks: wakeKswapd -> reclaim.wakeupKswapd(); directReclaim -> try_to_free_pages();
 *    directCompact -> try_to_compact_pages(); none of them recurses while reclaim or compaction
 *    runs (PF_MEMALLOC); extfrag and outOfMemory go to the hooks that were installed before;
 *  - direct reclaim and direct compaction are memory stalls (psi.ts: psi_memstall_enter/leave),
 *    kept apart from kswapd's and kcompactd's work;
 *  - kswapd and kcompactd run when the simulated clock next advances after a wake-up (an alarm
 *    at +0 ns, i.e. at the next safe point, never inside another mechanism), or on tick();
 *    kcompactd's proactive check runs from tick() every 500 ms of simulated time;
 *  - statSource gives /proc the LRU split (nr_{in,}active_{anon,file}, nr_zone_*, nr_isolated_*).
 *
 * Everything costs simulated time through one CostLedger (costs.ts), which advances the clock
 * when the outermost mechanism call returns.
 *
 * Invariants: checkInvariants() runs the core's check and every mechanism's own.
 */
import { CostLedger, applyCostOverrides, type MechanismCosts } from './costs.js';
import { Cma } from './cma.js';
import { Compaction, HPAGE_FRAG_CHECK_INTERVAL_NS } from './compaction.js';
import { ContigAllocator } from './contig.js';
import { MemoryHotplug } from './hotplug.js';
import { PageIsolation } from './isolation.js';
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, Lru } from './lru.js';
import type { MemoryManager } from './memory-manager.js';
import { Migrator } from './migrate.js';
import { MmContext } from './mm-context.js';
import type { MmHooks } from './page-alloc.js';
import { PG_HEAD, PageKind, isLruKind } from './page-flags.js';
import { MemoryStalls } from './psi.js';
import { Reclaim } from './reclaim.js';
import { ShrinkerRegistry, SlabCache, DEFAULT_SEEKS } from './shrinker.js';
import { AddressSpace } from './workingset.js';
import { hex } from '../../hal/bits.js';

/** Default memory block size when the board gives none (x86-64's 128 MiB). */
export const DEFAULT_MEMORY_BLOCK_BYTES = 128 * 1024 * 1024;

export interface MmMechanismsOptions {
  /** Board-config cost overrides (`kernel.costs`). */
  costs?: Readonly<Record<string, unknown>>;
  /** Where the overrides come from, for error messages. */
  costsWhere?: string;
  /** memory_block_size_bytes (`kernel.memoryBlockBytes`); default 128 MiB, capped to DRAM. */
  memoryBlockBytes?: number;
  /** Logical pages the address space can name (default: the number of page frames). */
  addressSpacePages?: number;
  /** vm.swappiness (default 60). */
  swappiness?: number;
  /** vm.compaction_proactiveness (default 20). */
  compactionProactiveness?: number;
  /** vm.extfrag_threshold (default 500). */
  extfragThreshold?: number;
  /** 'clock' (default): kswapd/kcompactd run at the next clock advance after a wake-up; 'manual': only from tick(). */
  daemons?: 'clock' | 'manual';
  /** Install the allocator hooks and the /proc stat source (default true). */
  installHooks?: boolean;
}

export class MmMechanisms {
  readonly mm: MemoryManager;
  readonly ctx: MmContext;
  readonly costs: MechanismCosts;
  readonly ledger: CostLedger;
  readonly lru: Lru;
  readonly ws: AddressSpace;
  readonly shrinkers: ShrinkerRegistry;
  readonly reclaim: Reclaim;
  readonly migrator: Migrator;
  readonly compaction: Compaction;
  readonly isolation: PageIsolation;
  readonly contig: ContigAllocator;
  readonly cma: Cma;
  readonly hotplug: MemoryHotplug;
  /** Time allocations stall in direct reclaim and compaction (PSI memory `some`). */
  readonly psi: MemoryStalls;
  readonly slabCaches: SlabCache[] = [];
  private readonly daemons: 'clock' | 'manual';
  private kswapdScheduled = false;
  private kcompactdScheduled = false;
  private kswapdRunning = false;
  private lastProactiveNs: number;
  /** Daemons frozen for suspend (freeze_kernel_threads()): wake-ups wait for thaw(). */
  private frozen = false;

  constructor(mm: MemoryManager, opts: MmMechanismsOptions = {}) {
    this.mm = mm;
    const pageBytes = 2 ** mm.pa.pageShift;
    const dramBytes = mm.memmap.nrPages * pageBytes;
    let blockBytes = opts.memoryBlockBytes ?? DEFAULT_MEMORY_BLOCK_BYTES;
    if (opts.memoryBlockBytes === undefined) {
      const pbBytes = mm.pa.pageblockNrPages * pageBytes;
      while (blockBytes > pbBytes && blockBytes > dramBytes) blockBytes /= 2;
    }
    this.costs = applyCostOverrides(opts.costs, { where: opts.costsWhere ?? 'kernel.costs', pageBytes, blockBytes });
    this.ledger = new CostLedger(mm.clock, this.costs);
    this.ctx = new MmContext(mm, this.ledger);
    this.psi = new MemoryStalls(this.ledger);
    this.lru = new Lru(this.ctx);
    this.ws = new AddressSpace(this.ctx, this.lru, opts.addressSpacePages ?? mm.memmap.nrPages, mm.layout.swapPages);
    this.shrinkers = new ShrinkerRegistry(this.ctx);
    this.reclaim = new Reclaim(this.ctx, this.lru, this.ws, this.shrinkers);
    if (opts.swappiness !== undefined) {
      if (!Number.isInteger(opts.swappiness) || opts.swappiness < 0 || opts.swappiness > 200)
        throw new RangeError(`swappiness ${opts.swappiness} is not an integer in [0, 200]`);
      this.reclaim.swappiness = opts.swappiness;
    }
    this.migrator = new Migrator(this.ctx, this.lru);
    this.compaction = new Compaction(this.ctx, this.migrator, this.lru, {
      ...(opts.compactionProactiveness !== undefined ? { proactiveness: opts.compactionProactiveness } : {}),
      ...(opts.extfragThreshold !== undefined ? { extfragThreshold: opts.extfragThreshold } : {}),
    });
    this.isolation = new PageIsolation(this.ctx);
    this.contig = new ContigAllocator(this.ctx, this.isolation, this.migrator, this.lru, this.reclaim);
    this.cma = new Cma(this.ctx, this.contig);
    this.hotplug = new MemoryHotplug(this.ctx, this.isolation, this.migrator, blockBytes);
    this.daemons = opts.daemons ?? 'clock';
    this.lastProactiveNs = mm.clock.nowNs;

    this.ctx.listeners.push({ moved: (src, dst) => this.ws.moved(src, dst) });
    this.reclaim.compactionReady = (z, order, idx) => this.compaction.compactionReady(z, order, idx);
    this.compaction.kswapdRunning = () => this.kswapdRunning;
    this.reclaim.onKswapdWake = () => this.scheduleKswapd();
    this.reclaim.onKswapdSleep = (order, highest) => {
      this.compaction.wakeupKcompactd(order, highest);
      if (this.compaction.kcompactdHighest >= 0) this.scheduleKcompactd();
    };
    if (opts.installHooks ?? true) this.install();
  }

  /** Install the allocator hooks and the /proc stat source (chaining what was there). */
  install(): void {
    const prev = this.mm.hooks;
    const ctx = this.ctx;
    const hooks: MmHooks = {
      wakeKswapd: (zoneIdx, order, highest) => {
        this.reclaim.wakeupKswapd(zoneIdx, order, highest);
      },
      directCompact: (order, gfp, highest) => {
        if (ctx.memalloc > 0) return;
        this.psi.stall(() => this.compaction.tryToCompactPages(order, gfp, highest));
      },
      directReclaim: (order, gfp, highest) => {
        if (ctx.memalloc > 0) return 0;
        return this.psi.stall(() => this.reclaim.tryToFreePages(order, gfp, highest));
      },
      outOfMemory: (order, gfp, highest) => prev.outOfMemory(order, gfp, highest),
      extfrag: (pfn, order, fo, smt, fmt, claimed) => prev.extfrag(pfn, order, fo, smt, fmt, claimed),
    };
    this.mm.hooks = hooks;
    const prevStat = this.mm.pa.statSource;
    this.mm.pa.statSource = (name, zoneIdx) => this.statValue(name, zoneIdx) ?? prevStat?.(name, zoneIdx);
  }

  /** LRU-derived stat items for /proc (zoneIdx -1 = node). */
  private statValue(name: string, zoneIdx: number): number | undefined {
    const lruOf: Record<string, number> = {
      nr_inactive_anon: LRU_INACTIVE_ANON,
      nr_active_anon: LRU_ACTIVE_ANON,
      nr_inactive_file: LRU_INACTIVE_FILE,
      nr_active_file: LRU_ACTIVE_FILE,
      nr_zone_inactive_anon: LRU_INACTIVE_ANON,
      nr_zone_active_anon: LRU_ACTIVE_ANON,
      nr_zone_inactive_file: LRU_INACTIVE_FILE,
      nr_zone_active_file: LRU_ACTIVE_FILE,
    };
    const lru = lruOf[name];
    if (lru !== undefined) return zoneIdx < 0 ? this.lru.lruSize(lru) : this.lru.zoneSize(zoneIdx, lru);
    if (name === 'nr_isolated_anon') return this.lru.nrIsolated[0];
    if (name === 'nr_isolated_file') return this.lru.nrIsolated[1];
    if (name === 'nr_swapcached') return 0;
    return undefined;
  }

  // ---- daemons -------------------------------------------------------------------------------

  private scheduleKswapd(): void {
    if (this.daemons !== 'clock' || this.kswapdScheduled || this.frozen) return;
    this.kswapdScheduled = true;
    this.mm.clock.scheduleTask(0, () => {
      this.kswapdScheduled = false;
      // Frozen after the wake-up was queued: the work stays pending until thaw().
      if (!this.frozen) this.runKswapd();
    });
  }

  private scheduleKcompactd(): void {
    if (this.daemons !== 'clock' || this.kcompactdScheduled || this.frozen) return;
    this.kcompactdScheduled = true;
    this.mm.clock.scheduleTask(0, () => {
      this.kcompactdScheduled = false;
      if (!this.frozen) this.compaction.kcompactd();
    });
  }

  /**
   * The freezer (freeze_kernel_threads() before suspend): kswapd and kcompactd are freezable
   * kthreads, so while frozen their wake-ups are remembered but they do not run, and tick() does
   * nothing. Suspend freezes them before the dies enter self-refresh.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** thaw_kernel_threads() at resume: daemons with pending work run at the next clock advance. */
  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    if (this.reclaim.kswapdPending) this.scheduleKswapd();
    if (this.compaction.kcompactdHighest >= 0) this.scheduleKcompactd();
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Run kswapd for its pending wake-up (if any); returns pages reclaimed. */
  runKswapd(): number {
    if (!this.reclaim.kswapdPending || this.kswapdRunning) return 0;
    this.kswapdRunning = true;
    try {
      return this.reclaim.runKswapd();
    } finally {
      this.kswapdRunning = false;
    }
  }

  /**
   * One scheduler tick of the background daemons: pending kswapd work, pending kcompactd work,
   * and kcompactd's proactive check when 500 ms of simulated time passed since the last one.
   */
  tick(): void {
    if (this.frozen) return;
    this.runKswapd();
    if (this.compaction.kcompactdHighest >= 0) this.compaction.kcompactd();
    const now = this.mm.clock.nowNs;
    if (now - this.lastProactiveNs >= HPAGE_FRAG_CHECK_INTERVAL_NS) {
      this.lastProactiveNs = now;
      this.compaction.kcompactd();
    }
  }

  // ---- page helpers for workloads ------------------------------------------------------------

  /**
   * Free a block a workload allocated: it leaves the LRU and the address space first (the core
   * refuses to free a page still on an LRU list).
   */
  freePages(pfn: number, order: number): void {
    const mm = this.mm.memmap;
    if (!mm.pfnValid(pfn)) throw new RangeError(`freePages: pfn ${pfn} is outside DRAM`);
    const i = pfn - mm.startPfn;
    if ((mm.flags(i) & PG_HEAD) === 0 || mm.kind(i) === PageKind.FREE) {
      throw new Error(`freePages: bad page state at pfn ${hex(pfn, 1)}: ${this.mm.pa.describePage(pfn)}`);
    }
    const id = this.ws.idAt(pfn);
    if (id >= 0) {
      if (order !== 0 || mm.order(i) !== 0)
        throw new Error(
          `freePages: pfn ${hex(pfn, 1)} holds logical page ${id}, an order-0 page; cannot free it as order ${order}`,
        );
      this.ws.release(id);
      return;
    }
    if (isLruKind(mm.kind(i))) this.lru.del(pfn);
    this.mm.freePages(pfn, order);
  }

  /** A reclaimable slab cache with its shrinker (kmem_cache_create(SLAB_RECLAIM_ACCOUNT) + shrinker). */
  createSlabCache(name: string, objSize: number, seeks = DEFAULT_SEEKS): SlabCache {
    const c = new SlabCache(this.ctx, this.shrinkers, name, objSize, seeks);
    this.slabCaches.push(c);
    return c;
  }

  /** Bytes of per-page state: the core's memmap plus the address space's per-frame ids. */
  bytesPerPage(): number {
    return this.mm.bytesPerPage() + this.ws.bytesPerPage;
  }

  checkInvariants(): void {
    this.mm.checkInvariants();
    this.lru.checkInvariants();
    this.ws.checkInvariants();
    this.reclaim.checkInvariants();
    this.compaction.checkInvariants();
    this.shrinkers.checkInvariants();
    for (const c of this.slabCaches) c.checkInvariants();
    this.cma.checkInvariants();
    this.hotplug.checkInvariants();
    this.psi.checkInvariants();
  }
}
