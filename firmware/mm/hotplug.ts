/**
 * Memory hotplug (mm/memory_hotplug.c, drivers/base/memory.c): DRAM is cut into memory blocks
 * of memory_block_size_bytes (block id = pfn / pages per block, like /sys/devices/system/memory/
 * memoryN); each block is online, going-offline or offline.
 *
 * offline_pages() of a block:
 *  (a) the block must be online and inside one zone (else 'invalid');
 *  (b) its pageblocks are isolated for MEMORY_OFFLINE; has_unmovable_pages() failing means
 *      'busy' at the unmovable pfn ("failure to isolate range"), with nothing left isolated;
 *  (c) MEM_GOING_OFFLINE is notified; pcp lists are drained; then passes repeat: migrate every
 *      in-use movable block out (alloc_migration_target(), MR_MEMORY_HOTPLUG cost per page),
 *      and test that every page is free. Linux retries for ever; the model retries for at most
 *      hotplug.maxRetryPasses passes (each extra pass costs hotplug.retryPassNs) within a
 *      timeout of simulated time (hotplug.timeoutNs, or the caller's: a driver that arms a timer
 *      sending SIGALRM, as Qualcomm's mem-offline does), then reports 'busy' (the first pfn still
 *      in use and why: pinned, unmovable, no memory for targets) or 'timeout'. Like Linux, which
 *      checks signal_pending() at the top of the scan/migrate loop, a timeout that expires during
 *      a migration pass fails the offline after that pass, even when the pass moved every page;
 *  (d) on success the free blocks are taken off the (ISOLATE) lists and the pages become owner
 *      kind OFFLINE (__offline_isolated_pages()); the pageblocks stay isolated while offline;
 *      managed pages drop, watermarks are recomputed (init_per_zone_wmark_min()); MEM_OFFLINE;
 *  (e) on failure the isolation is undone and MEM_CANCEL_OFFLINE is notified.
 * The cost of an attempt is hotplug.offlineIdleBlockNs (scaled to the block size) plus the
 * per-page share of hotplug.offlineFullBlockNs for every page migrated.
 *
 * online_pages(): MEM_GOING_ONLINE, the pages are handed to the buddy allocator (to the tail,
 * in isolated pageblocks retyped MIGRATE_MOVABLE, then un-isolated, as memmap_init_range(...,
 * MIGRATE_ISOLATE) + undo_isolate_page_range() do), managed pages and watermarks are restored;
 * MEM_ONLINE.
 *
 * Zone accounting: managed pages live in the core's zones; present and spanned pages of Linux
 * (present drops by the block, spanned shrinks when the block is at a zone edge) are kept here in
 * presentPages()/spannedRange(), because the core's zones keep the span they were laid out with
 * at boot.
 *
 * Holes: a block with no RAM in it (every section of it a hole) has no memoryN device, as in
 * Linux (add_boot_memory_block() skips blocks without a present section): it is in no state,
 * blockIds() leaves it out and offline/online of it is 'invalid'. A block with a hole inside
 * exists but cannot be offlined ("memory holes", offline_pages()).
 *
 * Invariants (checkInvariants()): every page of an offline block has kind OFFLINE and every
 * pageblock of it is isolated; no page of an online block has kind OFFLINE; no block is left
 * going-offline between calls; per zone, offline pages = zone.nrKind[OFFLINE].
 */
import { GFP_USER, __GFP_HIGHMEM, __GFP_MOVABLE, __GFP_RETRY_MAYFAIL } from './gfp.js';
import type { PageIsolation } from './isolation.js';
import { MEMORY_OFFLINE } from './isolation.js';
import { ZONE_MOVABLE, presentPagesIn } from './layout.js';
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE } from './migratetype.js';
import type { Migrator } from './migrate.js';
import type { MmContext } from './mm-context.js';
import { PAGE_KIND_NAMES, PG_BUDDY, PageKind } from './page-flags.js';
import { hex } from '../../hal/bits.js';

/** No memoryN device: the block holds no RAM. */
export const MEM_ABSENT = 0;
export const MEM_ONLINE = 1;
export const MEM_GOING_OFFLINE = 2;
export const MEM_OFFLINE = 3;

export const BLOCK_STATE_NAMES = ['', 'online', 'going-offline', 'offline'] as const;

export type MemoryNotifyAction = 'going-offline' | 'offline' | 'cancel-offline' | 'going-online' | 'online';
export type MemoryNotifier = (action: MemoryNotifyAction, blockId: number, startPfn: number, endPfn: number) => void;

export type OfflineResult =
  | { status: 'ok'; blockId: number; elapsedNs: number; migrated: number; passes: number }
  | {
      status: 'busy' | 'timeout';
      blockId: number;
      /** The first pfn that stayed in use (or could not be isolated); -1 when a timeout came after every page had moved. */
      pfn: number;
      reason: string;
      elapsedNs: number;
      migrated: number;
      passes: number;
    }
  | { status: 'invalid'; blockId: number; reason: string; elapsedNs: 0; migrated: 0; passes: 0 };

export type OnlineResult =
  | { status: 'ok'; blockId: number; elapsedNs: number }
  | { status: 'invalid'; blockId: number; reason: string; elapsedNs: 0 };

export class MemoryHotplug {
  readonly ctx: MmContext;
  readonly isolation: PageIsolation;
  readonly migrator: Migrator;
  readonly blockBytes: number;
  readonly pagesPerBlock: number;
  /** Id of the first block (the block of startPfn) and the number of blocks. */
  readonly firstBlock: number;
  readonly nrBlocks: number;
  /** Per block: MEM_ONLINE / MEM_GOING_OFFLINE / MEM_OFFLINE, or MEM_ABSENT for a block of holes only. */
  readonly state: Uint8Array;
  /** Per block: pages of RAM in it (the block's pages minus holes). */
  readonly presentPagesOf: Float64Array;
  readonly notifiers: MemoryNotifier[] = [];
  /** Offline pages per zone (present pages Linux would have removed). */
  readonly offlinePages: Float64Array;

  constructor(ctx: MmContext, isolation: PageIsolation, migrator: Migrator, blockBytes: number) {
    const pageBytes = ctx.pageBytes;
    const pb = ctx.pa.pageblockNrPages * pageBytes;
    if (
      !Number.isInteger(blockBytes) ||
      blockBytes <= 0 ||
      blockBytes % pb !== 0 ||
      !Number.isInteger(Math.log2(blockBytes))
    ) {
      throw new RangeError(
        `memory hotplug: memory block size ${blockBytes} bytes is not a power of two multiple of the pageblock size (${pb} bytes)`,
      );
    }
    this.ctx = ctx;
    this.isolation = isolation;
    this.migrator = migrator;
    this.blockBytes = blockBytes;
    this.pagesPerBlock = blockBytes / pageBytes;
    const mm = ctx.memmap;
    this.firstBlock = Math.floor(mm.startPfn / this.pagesPerBlock);
    const last = Math.floor((mm.endPfn - 1) / this.pagesPerBlock);
    this.nrBlocks = last - this.firstBlock + 1;
    this.state = new Uint8Array(this.nrBlocks);
    this.presentPagesOf = new Float64Array(this.nrBlocks);
    for (let k = 0; k < this.nrBlocks; k++) {
      const s = Math.max((k + this.firstBlock) * this.pagesPerBlock, mm.startPfn);
      const e = Math.min((k + this.firstBlock + 1) * this.pagesPerBlock, mm.endPfn);
      this.presentPagesOf[k] = presentPagesIn(mm.ranges, s, e);
      if (this.presentPagesOf[k]! > 0) this.state[k] = MEM_ONLINE;
    }
    this.offlinePages = new Float64Array(ctx.pa.zones.length);
  }

  /** The block has a memoryN device (it holds RAM). */
  blockExists(blockId: number): boolean {
    const k = blockId - this.firstBlock;
    return Number.isInteger(blockId) && k >= 0 && k < this.nrBlocks && this.state[k] !== MEM_ABSENT;
  }

  /** Ids of the blocks that have a memoryN device, ascending. */
  blockIds(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.nrBlocks; k++) if (this.state[k] !== MEM_ABSENT) out.push(k + this.firstBlock);
    return out;
  }

  /** [startPfn, endPfn) of a block (clamped to DRAM). */
  blockRange(blockId: number): [number, number] {
    if (!Number.isInteger(blockId) || blockId < this.firstBlock || blockId >= this.firstBlock + this.nrBlocks) {
      throw new RangeError(
        `memory block ${blockId} does not exist (blocks ${this.firstBlock}..${this.firstBlock + this.nrBlocks - 1})`,
      );
    }
    const mm = this.ctx.memmap;
    return [
      Math.max(blockId * this.pagesPerBlock, mm.startPfn),
      Math.min((blockId + 1) * this.pagesPerBlock, mm.endPfn),
    ];
  }

  blockOf(pfn: number): number {
    return Math.floor(pfn / this.pagesPerBlock);
  }

  blockState(blockId: number): 'online' | 'going-offline' | 'offline' {
    this.blockRange(blockId);
    if (!this.blockExists(blockId))
      throw new RangeError(`memory${blockId} does not exist: the block is a memory hole (no RAM in it)`);
    return BLOCK_STATE_NAMES[this.state[blockId - this.firstBlock]!] as 'online' | 'going-offline' | 'offline';
  }

  /** valid_zones of a block: the zone name, or null when it spans zones. */
  blockZone(blockId: number): string | null {
    const [s, e] = this.blockRange(blockId);
    const pa = this.ctx.pa;
    const z = pa.zoneIdxOf(s);
    return z >= 0 && z === pa.zoneIdxOf(e - 1) ? pa.zones[z]!.name : null;
  }

  private notify(action: MemoryNotifyAction, id: number, s: number, e: number): void {
    for (const n of this.notifiers) n(action, id, s, e);
  }

  /** Present pages of a zone as Linux would report them (layout present minus offline pages). */
  presentPages(zoneIdx: number): number {
    return this.ctx.pa.zones[zoneIdx]!.presentPages - this.offlinePages[zoneIdx]!;
  }

  /**
   * The zone span Linux would have after shrink_zone_span(): offline blocks at either edge of
   * the zone are cut off (a zone with no online page spans nothing: [start, start)).
   */
  spannedRange(zoneIdx: number): [number, number] {
    const zone = this.ctx.pa.zones[zoneIdx]!;
    let s = zone.zoneStartPfn;
    let e = zone.endPfn;
    while (s < e && this.isOfflinePfn(s)) s = Math.min(e, (this.blockOf(s) + 1) * this.pagesPerBlock);
    while (e > s && this.isOfflinePfn(e - 1)) e = Math.max(s, this.blockOf(e - 1) * this.pagesPerBlock);
    return [s, e];
  }

  private isOfflinePfn(pfn: number): boolean {
    return this.state[this.blockOf(pfn) - this.firstBlock] === MEM_OFFLINE;
  }

  private gfpFor(zoneIdx: number): number {
    return GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL | (zoneIdx === ZONE_MOVABLE ? __GFP_HIGHMEM : 0);
  }

  /**
   * offline_pages() of one memory block (echo offline > memoryN/state), bounded by timeoutNs of
   * simulated time (default hotplug.timeoutNs).
   */
  offlineBlock(blockId: number, timeoutNs?: number): OfflineResult {
    const [s, e] = this.blockRange(blockId);
    const bi = blockId - this.firstBlock;
    const invalid = (reason: string): OfflineResult => ({
      status: 'invalid',
      blockId,
      reason,
      elapsedNs: 0,
      migrated: 0,
      passes: 0,
    });
    if (this.state[bi] === MEM_ABSENT) return invalid(`memory${blockId} does not exist (a memory hole)`);
    if (this.state[bi] !== MEM_ONLINE)
      return invalid(`memory${blockId} is ${BLOCK_STATE_NAMES[this.state[bi]!]}, not online`);
    if (this.presentPagesOf[bi] !== e - s)
      return invalid(`memory${blockId} [${hex(s, 1)}, ${hex(e, 1)}) contains memory holes`);
    const ctx = this.ctx;
    const pa = ctx.pa;
    const zoneIdx = pa.zoneIdxOf(s);
    if (zoneIdx < 0 || zoneIdx !== pa.zoneIdxOf(e - 1))
      return invalid(`memory${blockId} [${hex(s, 1)}, ${hex(e, 1)}) spans zones`);
    const costs = ctx.costs;
    const t0 = ctx.ledger.nowNs;
    const budgetNs = timeoutNs ?? costs.get('hotplug.timeoutNs');
    if (!(budgetNs > 0)) throw new RangeError(`memory${blockId}: offline timeout ${budgetNs} ns is not positive`);
    const maxPasses = Math.max(1, Math.floor(costs.get('hotplug.maxRetryPasses')));
    let migrated = 0;
    let passes = 0;
    this.state[bi] = MEM_GOING_OFFLINE;
    return ctx.ledger.run((): OfflineResult => {
      ctx.ledger.charge('hotplug-offline', costs.offlineIdleBlockNs, 1);
      const iso = this.isolation.startIsolatePageRange(s, e, MIGRATE_MOVABLE, MEMORY_OFFLINE);
      if (!iso.ok) {
        this.state[bi] = MEM_ONLINE;
        return {
          status: 'busy',
          blockId,
          pfn: iso.pfn,
          reason: `failure to isolate range: ${iso.detail}`,
          elapsedNs: ctx.ledger.nowNs - t0,
          migrated,
          passes,
        };
      }
      this.notify('going-offline', blockId, s, e);
      pa.drainAllPages();
      let busyPfn = -1;
      let why = '';
      let timedOut = false;
      for (;;) {
        passes++;
        const heads = this.ctx.scanMovablePages(s, e);
        let noTarget = false;
        if (heads.length > 0) {
          const r = this.migrator.migratePages(heads, 'memory-hotplug', (src, order, kind) => {
            const t = ctx.mm.allocPages(order, this.gfpFor(pa.zoneIdxOf(src)), kind);
            return typeof t === 'number' ? t : -1;
          });
          migrated += r.succeeded;
          noTarget = r.failures.some((f) => f.reason === 'no-target');
          // signal_pending() at the top of the next round of the scan/migrate loop.
          if (ctx.ledger.nowNs - t0 >= budgetNs) {
            timedOut = true;
            busyPfn = this.isolation.firstNotFree(s, e);
            why =
              busyPfn < 0
                ? 'signal backoff after a migration pass that moved every page'
                : (this.migrator.whyUnmovable(busyPfn) ??
                  (noTarget ? 'no free memory for a migration target' : 'page still in use'));
            break;
          }
        }
        busyPfn = this.isolation.firstNotFree(s, e);
        if (busyPfn < 0) break;
        why =
          this.migrator.whyUnmovable(busyPfn) ??
          (noTarget ? 'no free memory for a migration target' : 'page still in use');
        if (passes >= maxPasses) break;
        if (ctx.ledger.nowNs - t0 >= budgetNs) {
          timedOut = true;
          break;
        }
        ctx.ledger.charge('hotplug-retry', costs.get('hotplug.retryPassNs'), 1);
        if (ctx.ledger.nowNs - t0 >= budgetNs) {
          timedOut = true;
          break;
        }
      }
      if (timedOut || busyPfn >= 0) {
        this.isolation.undoIsolatePageRange(s, e);
        this.state[bi] = MEM_ONLINE;
        this.notify('cancel-offline', blockId, s, e);
        const at = busyPfn >= 0 ? ` at pfn ${hex(busyPfn, 1)} (${pa.describePage(busyPfn)})` : '';
        const detail = `${why}${at} after ${passes} pass${passes === 1 ? '' : 'es'}${timedOut ? ` (timeout ${budgetNs / 1e6} ms)` : ''}`;
        return {
          status: timedOut ? 'timeout' : 'busy',
          blockId,
          pfn: busyPfn,
          reason: detail,
          elapsedNs: ctx.ledger.nowNs - t0,
          migrated,
          passes,
        };
      }
      this.offlineIsolatedPages(s, e, zoneIdx);
      this.state[bi] = MEM_OFFLINE;
      this.notify('offline', blockId, s, e);
      return { status: 'ok', blockId, elapsedNs: ctx.ledger.nowNs - t0, migrated, passes };
    });
  }

  /** __offline_isolated_pages(): take the free blocks off the lists; the pages become OFFLINE. */
  private offlineIsolatedPages(s: number, e: number, zoneIdx: number): void {
    const ctx = this.ctx;
    const pa = ctx.pa;
    const mm = ctx.memmap;
    for (let pfn = s; pfn < e; ) {
      const i = pfn - mm.startPfn;
      if ((mm.flags(i) & PG_BUDDY) === 0)
        throw new Error(
          `offline: pfn ${hex(pfn, 1)} is not free after the range was tested free (${pa.describePage(pfn)})`,
        );
      const order = mm.order(i);
      if (pa.isolateFreePage(pfn, order) === 0)
        throw new Error(`offline: could not take the free block at ${hex(pfn, 1)}`);
      pa.markAllocated(pfn, order, PageKind.OFFLINE);
      pfn += 2 ** order;
    }
    const zone = pa.zones[zoneIdx]!;
    zone.managedPages -= e - s;
    this.offlinePages[zoneIdx] += e - s;
    ctx.mm.recalculateWatermarks();
  }

  /** online_pages() of one memory block (echo online > memoryN/state). */
  onlineBlock(blockId: number): OnlineResult {
    const [s, e] = this.blockRange(blockId);
    const bi = blockId - this.firstBlock;
    if (this.state[bi] !== MEM_OFFLINE)
      return {
        status: 'invalid',
        blockId,
        reason:
          this.state[bi] === MEM_ABSENT
            ? `memory${blockId} does not exist (a memory hole)`
            : `memory${blockId} is ${BLOCK_STATE_NAMES[this.state[bi]!]}, not offline`,
        elapsedNs: 0,
      };
    const ctx = this.ctx;
    const pa = ctx.pa;
    const mm = ctx.memmap;
    const t0 = ctx.ledger.nowNs;
    const zoneIdx = pa.zoneIdxOf(s);
    return ctx.ledger.run((): OnlineResult => {
      this.notify('going-online', blockId, s, e);
      ctx.ledger.charge('hotplug-online', ctx.costs.onlineBlockNs, 1);
      // memmap_init_range(..., MIGRATE_ISOLATE): MOVABLE under the isolate bit.
      for (let pfn = s; pfn < e; pfn += pa.pageblockNrPages) {
        mm.setPageblockMigratetype(pfn, MIGRATE_MOVABLE);
        mm.setPageblockMigratetype(pfn, MIGRATE_ISOLATE);
      }
      pa.freePagesCore(s, e);
      const zone = pa.zones[zoneIdx]!;
      zone.managedPages += e - s;
      this.offlinePages[zoneIdx] -= e - s;
      this.isolation.undoIsolatePageRange(s, e);
      ctx.mm.recalculateWatermarks();
      this.state[bi] = MEM_ONLINE;
      this.notify('online', blockId, s, e);
      return { status: 'ok', blockId, elapsedNs: ctx.ledger.nowNs - t0 };
    });
  }

  /** Block ids currently in a state. */
  blocksIn(state: 'online' | 'offline'): number[] {
    const want = state === 'online' ? MEM_ONLINE : MEM_OFFLINE;
    const out: number[] = [];
    for (let k = 0; k < this.nrBlocks; k++) if (this.state[k] === want) out.push(k + this.firstBlock);
    return out;
  }

  /** A sysfs-like listing: "memoryN: state zone" per block. */
  describeBlocks(): string {
    let s = '';
    for (const id of this.blockIds())
      s += `memory${id} ${BLOCK_STATE_NAMES[this.state[id - this.firstBlock]!]} ${this.blockZone(id) ?? '(spans zones)'}\n`;
    return s;
  }

  checkInvariants(): void {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const pa = ctx.pa;
    const perZone = new Float64Array(pa.zones.length);
    for (let k = 0; k < this.nrBlocks; k++) {
      const id = k + this.firstBlock;
      const st = this.state[k]!;
      if (st === MEM_ABSENT) {
        if (this.presentPagesOf[k] !== 0)
          throw new Error(`hotplug invariant violated: memory${id} holds RAM but has no device`);
        continue;
      }
      if (st === MEM_GOING_OFFLINE) throw new Error(`hotplug invariant violated: memory${id} left going-offline`);
      const [s, e] = this.blockRange(id);
      if (st === MEM_OFFLINE) {
        for (let pfn = s; pfn < e; pfn++) {
          const kk = mm.kind(pfn - mm.startPfn);
          if (kk !== PageKind.OFFLINE)
            throw new Error(
              `hotplug invariant violated: offline memory${id} has a ${PAGE_KIND_NAMES[kk]} page at ${hex(pfn, 1)}`,
            );
        }
        for (let pfn = s; pfn < e; pfn += pa.pageblockNrPages) {
          if (!mm.isPageblockIsolated(pfn))
            throw new Error(`hotplug invariant violated: offline memory${id} pageblock ${hex(pfn, 1)} is not isolated`);
        }
        perZone[pa.zoneIdxOf(s)] += e - s;
      } else {
        for (let pfn = s; pfn < e; pfn++) {
          if (mm.kind(pfn - mm.startPfn) === PageKind.OFFLINE)
            throw new Error(`hotplug invariant violated: online memory${id} has an offline page at ${hex(pfn, 1)}`);
        }
      }
    }
    pa.zones.forEach((z, i) => {
      if (perZone[i] !== this.offlinePages[i])
        throw new Error(
          `hotplug invariant violated: zone ${z.name} offline pages ${this.offlinePages[i]} but offline blocks hold ${perZone[i]}`,
        );
      if (z.nrKind[PageKind.OFFLINE] !== perZone[i])
        throw new Error(
          `hotplug invariant violated: zone ${z.name} counts ${z.nrKind[PageKind.OFFLINE]} offline pages, offline blocks hold ${perZone[i]}`,
        );
    });
  }
}
