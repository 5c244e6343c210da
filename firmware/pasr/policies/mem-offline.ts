/**
 * The memory-offline driver both hotplug policies use (the bookkeeping of Qualcomm's
 * mem-offline v2, linux-mm.md §3.1): which memory blocks make up each PASR unit, offlining and
 * onlining them through the memory-hotplug mechanism (mech.hotplug, linux-mm.md §4.5), and the
 * PASR masks, driven from the memory notifier.
 *
 * Units and blocks: a unit is masked once every block it touches is offline, so a unit larger
 * than a block needs all of its blocks offline, and a block larger than a unit masks every unit
 * it covers once it is offline. The notifier masks a unit at MEM_OFFLINE of its last online
 * block (the pages are gone: kind OFFLINE, held) and unmasks it at MEM_GOING_ONLINE of its first
 * block, before the block's pages reach the buddy allocator: mem-offline v2 sends its "refresh
 * off" and "refresh on" firmware messages at the same two points. Every MRW the masks cost is
 * charged to the ledger (mrw.ns, mrw.energyJ).
 *
 * Which blocks it offlines ("eligible"): blocks wholly inside ZONE_MOVABLE, as both vendor
 * drivers do; with kernelBlocks, also blocks wholly inside one kernel zone (Linux offlines
 * those when every page in them can move). A block that spans zones never. A unit is a
 * candidate when every block it touches is eligible: a unit partly outside ZONE_MOVABLE is
 * offlined only when its kernel-zone blocks can be (kernelBlocks), else it stays refreshed.
 *
 * Failures: an attempt that fails on memblock-reserved memory (a firmware carve-out) or on a
 * MIGRATE_CMA pageblock can never succeed: the block is marked never-offlinable with the reason
 * and not tried again. Any other failure (a pinned or unmovable page, no memory for migration
 * targets, the timeout) backs off: the block is not tried again for RETRY_BACKOFF_NS, doubled
 * per consecutive failure up to MAX_RETRY_BACKOFF_NS. A unit whose census shows long-term
 * pinned pages is not tried at all (the attempt would migrate everything else, then spin on the
 * pin until it times out). When one block of a unit fails, the blocks this attempt offlined that
 * no masked unit needs go back online (mem-offline v2 rolls a segment back the same way).
 *
 * Invariants (checkInvariants()):
 *  (a) a usable unit with blocks is masked exactly when every one of its blocks is offline;
 *  (b) every offline block is eligible and touches a masked unit (no block stays offline for
 *      nothing: a failed unit's blocks are rolled back);
 *  (c) offlineAttempts = offlineOk + offlineBusy + offlineTimeouts + offlineInvalid, and
 *      blocksOfflined - blocksOnlined = the offline eligible blocks now.
 */
import { hex } from '../../../hal/bits.js';
import type { OfflineResult } from '../../mm/hotplug.js';
import { ZONE_MOVABLE } from '../../mm/layout.js';
import { MEMORY_OFFLINE } from '../../mm/isolation.js';
import { MIGRATE_CMA, MIGRATE_MOVABLE } from '../../mm/migratetype.js';
import { PageKind } from '../../mm/page-flags.js';
import type { PolicyContext } from '../policy.js';

/** First wait before a block that failed for a reason that may pass is tried again. ✖ policy parameter. */
export const RETRY_BACKOFF_NS = 60e9;
/** Longest wait between attempts on such a block. ✖ policy parameter. */
export const MAX_RETRY_BACKOFF_NS = 3600e9;

export interface MemOfflineOptions {
  /** Name the masks are made under (the policy's). */
  readonly policy: string;
  /** Per-attempt bound of offline_pages() (the driver's SIGALRM timer). */
  readonly offlineTimeoutNs: number;
  /** Also offline blocks of kernel zones (units partly outside ZONE_MOVABLE). */
  readonly kernelBlocks: boolean;
  /**
   * Drop the clean page cache of a block before offlining it (as alloc_contig_range() does,
   * reclaim_clean_pages_from_list()) instead of letting offline_pages() migrate it.
   */
  readonly dropClean?: boolean;
}

/** Why one block of a unit did not go offline. */
export interface BlockFailure {
  readonly blockId: number;
  readonly status: 'busy' | 'timeout' | 'invalid';
  readonly reason: string;
}

export type UnitOfflineResult =
  | { readonly ok: true; readonly unit: number; readonly blocks: readonly number[]; readonly migrated: number }
  | {
      readonly ok: false;
      readonly unit: number;
      /** Blocks this attempt offlined before the failure. */
      readonly blocks: readonly number[];
      readonly failed: BlockFailure;
      /** Blocks put back online. */
      readonly rolledBack: readonly number[];
      readonly migrated: number;
    };

/** What the driver counts (the policy's stats()). */
export interface MemOfflineCounters {
  offlineAttempts: number;
  offlineOk: number;
  offlineBusy: number;
  offlineTimeouts: number;
  offlineInvalid: number;
  blocksOfflined: number;
  blocksOnlined: number;
  rollbacks: number;
  /** Pages migrated by offline attempts (successful or not). */
  offlineMigratedPages: number;
  /** Clean page-cache pages dropped before offlining (dropClean). */
  droppedCleanPages: number;
  /** Simulated time of every offline attempt and every online, ns. */
  offlineNs: number;
  onlineNs: number;
  /** Units skipped because the census shows long-term pinned pages in them. */
  skippedPinned: number;
  /** Removable checks made, and those that found a block that cannot go. */
  removableChecks: number;
  notRemovable: number;
  mrws: number;
}

export class MemOffline {
  readonly ctx: PolicyContext;
  readonly opts: MemOfflineOptions;
  /** Per unit: ids of the blocks it touches (empty for unusable units). */
  readonly unitBlocks: readonly (readonly number[])[];
  /** Per block (index = id - firstBlock): the usable units it touches. */
  readonly blockUnits: readonly (readonly number[])[];
  /** Per block: why it can never be offlined (static or learnt), or null. */
  private readonly never: (string | null)[];
  /** Per block: when it may be tried again after a failure that may pass, and how many in a row. */
  private readonly retryAtNs: Float64Array;
  private readonly failures: Uint16Array;
  /** Per block: the last failure, for notes. */
  private readonly lastFailure: (string | null)[];
  readonly counters: MemOfflineCounters = {
    offlineAttempts: 0,
    offlineOk: 0,
    offlineBusy: 0,
    offlineTimeouts: 0,
    offlineInvalid: 0,
    blocksOfflined: 0,
    blocksOnlined: 0,
    rollbacks: 0,
    offlineMigratedPages: 0,
    droppedCleanPages: 0,
    offlineNs: 0,
    onlineNs: 0,
    skippedPinned: 0,
    removableChecks: 0,
    notRemovable: 0,
    mrws: 0,
  };
  /** Mask or unmask failures of the PASR core (a bug if ever non-empty). */
  readonly errors: string[] = [];
  private mrwSeen = 0;

  constructor(ctx: PolicyContext, opts: MemOfflineOptions) {
    this.ctx = ctx;
    this.opts = opts;
    const hp = ctx.mech.hotplug;
    const blockUnits: number[][] = Array.from({ length: hp.nrBlocks }, () => []);
    this.unitBlocks = ctx.map.units.map((u) => {
      if (!u.usable) return [];
      const ids = new Set<number>();
      for (const r of u.ranges) {
        for (let b = hp.blockOf(r.startPfn); b <= hp.blockOf(r.endPfn - 1); b++) ids.add(b);
      }
      const sorted = [...ids].sort((a, b) => a - b);
      for (const b of sorted) blockUnits[b - hp.firstBlock]!.push(u.index);
      return sorted;
    });
    this.blockUnits = blockUnits;
    this.never = Array.from({ length: hp.nrBlocks }, (_, k) => this.staticReason(k + hp.firstBlock));
    this.retryAtNs = new Float64Array(hp.nrBlocks);
    this.failures = new Uint16Array(hp.nrBlocks);
    this.lastFailure = new Array<string | null>(hp.nrBlocks).fill(null);
    ctx.trace.subscribe((e) => {
      if (e.kind === 'dram.mrw') this.mrwSeen++;
    });
    hp.notifiers.push((action, blockId) => {
      if (action === 'offline') this.maskCompleted(blockId);
      else if (action === 'going-online') this.unmaskTouched(blockId);
    });
  }

  private get hp() {
    return this.ctx.mech.hotplug;
  }

  /** Why a block can never be offlined by its place alone, or null. */
  private staticReason(blockId: number): string | null {
    if (!this.hp.blockExists(blockId)) return `memory${blockId} does not exist (a memory hole)`;
    const zone = this.hp.blockZone(blockId);
    if (zone === null) return `memory${blockId} spans zones`;
    if (zone === this.ctx.mm.pa.zones[ZONE_MOVABLE]!.name || this.opts.kernelBlocks) return null;
    return `memory${blockId} is in zone ${zone}, not ZONE_MOVABLE`;
  }

  blockPages(blockId: number): number {
    const [s, e] = this.hp.blockRange(blockId);
    return e - s;
  }

  isOffline(blockId: number): boolean {
    return this.hp.blockState(blockId) === 'offline';
  }

  /** A usable unit all of whose blocks are eligible by place (it may still fail later). */
  isCandidate(unit: number): boolean {
    const blocks = this.unitBlocks[unit]!;
    return blocks.length > 0 && blocks.every((b) => this.staticReason(b) === null);
  }

  /** Why a unit cannot be masked now, or null when an attempt may succeed (or it is masked). */
  whyNot(unit: number): string | null {
    const never = this.neverReason(unit);
    if (never !== null) return never;
    if (this.ctx.core.isMasked(unit)) return null;
    const pinned = this.ctx.census.unit(unit).pinned;
    if (pinned > 0) return `unit ${unit} holds ${pinned} long-term pinned pages`;
    return this.backoffReason(unit);
  }

  /** Why a unit can never be masked (no whole pages, an online block that can never go), or null. */
  private neverReason(unit: number): string | null {
    const blocks = this.unitBlocks[unit]!;
    if (blocks.length === 0) return `unit ${unit} is not whole page frames`;
    for (const b of blocks) {
      const why = this.never[b - this.hp.firstBlock];
      if (why && !this.isOffline(b)) return why;
    }
    return null;
  }

  /** The block of a unit still waiting out a backoff, as a reason, or null. */
  private backoffReason(unit: number): string | null {
    const now = this.ctx.clock.nowNs;
    for (const b of this.unitBlocks[unit]!) {
      const k = b - this.hp.firstBlock;
      if (!this.isOffline(b) && this.retryAtNs[k]! > now)
        return `memory${b} failed (${this.lastFailure[k]}); next try after ${((this.retryAtNs[k]! - now) / 1e9).toFixed(0)} s`;
    }
    return null;
  }

  /**
   * Before an offline attempt on a unit: null when it may go ahead, else why not (counted).
   * A block known never to go, or waiting out a backoff, stops it. When the census shows
   * unmovable pages among the units its blocks touch (in ZONE_MOVABLE only memblock-reserved
   * memory is), the removable check finds the block that would stop the unit, before the other
   * blocks' pages are migrated for nothing, and the failure is remembered (for good for a
   * carve-out). Then long-term pinned pages in the unit (the census) stop it.
   */
  prepare(unit: number): string | null {
    const never = this.neverReason(unit);
    if (never !== null) return never;
    const blocks = this.unitBlocks[unit]!;
    const backoff = this.backoffReason(unit);
    if (backoff !== null) return backoff;
    const online = blocks.filter((b) => !this.isOffline(b));
    if (this.touchedUnits(online).some((v) => this.ctx.census.unit(v).unmovable > 0)) {
      for (const b of online) {
        const pfn = this.removable(b);
        if (pfn < 0) continue;
        this.failed(b, 'not-removable', pfn, `${this.ctx.mm.pa.describePage(pfn)} at pfn ${hex(pfn, 1)}`);
        return this.never[b - this.hp.firstBlock] ?? `memory${b} ${this.lastFailure[b - this.hp.firstBlock]}`;
      }
    }
    const pinned = this.ctx.census.unit(unit).pinned;
    if (pinned > 0) {
      this.counters.skippedPinned++;
      return `unit ${unit} holds ${pinned} long-term pinned pages`;
    }
    return null;
  }

  /** True when the reason for not trying a unit is permanent. */
  isNever(unit: number): boolean {
    return this.neverReason(unit) !== null;
  }

  /** Pages an offline of the unit would take away (its blocks still online). */
  pagesToOffline(unit: number): number {
    let n = 0;
    for (const b of this.unitBlocks[unit]!) if (!this.isOffline(b)) n += this.blockPages(b);
    return n;
  }

  /**
   * Pages an offline of the unit would have to migrate: the live pages of the units its online
   * blocks touch, each in proportion to the share of that unit inside those blocks.
   */
  migrationEstimate(unit: number): number {
    const hp = this.hp;
    let n = 0;
    for (const b of this.unitBlocks[unit]!) {
      if (this.isOffline(b)) continue;
      const [s, e] = hp.blockRange(b);
      for (const v of this.blockUnits[b - hp.firstBlock]!) {
        const u = this.ctx.map.units[v]!;
        let inside = 0;
        for (const r of u.ranges) inside += Math.max(0, Math.min(e, r.endPfn) - Math.max(s, r.startPfn));
        n += (this.ctx.census.livePages(v) * inside) / u.pfnCount;
      }
    }
    return n;
  }

  /** Lowest pfn of a unit (for address orders). */
  unitStart(unit: number): number {
    return this.ctx.map.units[unit]!.ranges[0]?.startPfn ?? 0;
  }

  /**
   * Offline every online block of a unit, lowest first (after prepare() said it may). On a
   * failure, the blocks this attempt offlined that no masked unit needs go back online.
   */
  offlineUnit(unit: number): UnitOfflineResult {
    const done: number[] = [];
    let migrated = 0;
    const online = this.unitBlocks[unit]!.filter((b) => !this.isOffline(b));
    for (const b of online) {
      if (this.opts.dropClean) this.dropCleanCache(b);
      const r = this.offlineBlock(b);
      migrated += r.migrated;
      if (r.status !== 'ok') {
        const rolledBack: number[] = [];
        for (const d of done) {
          if (this.blockUnits[d - this.hp.firstBlock]!.some((v) => this.ctx.core.isMasked(v))) continue;
          this.onlineBlock(d);
          rolledBack.push(d);
        }
        if (rolledBack.length > 0) this.counters.rollbacks++;
        const failed: BlockFailure = { blockId: b, status: r.status, reason: r.reason };
        return { ok: false, unit, blocks: done, failed, rolledBack, migrated };
      }
      done.push(b);
    }
    return { ok: true, unit, blocks: done, migrated };
  }

  /** One offline attempt, counted and classified. */
  offlineBlock(blockId: number): OfflineResult {
    const c = this.counters;
    const k = blockId - this.hp.firstBlock;
    c.offlineAttempts++;
    const r = this.hp.offlineBlock(blockId, this.opts.offlineTimeoutNs);
    c.offlineNs += r.elapsedNs;
    c.offlineMigratedPages += r.migrated;
    if (r.status === 'ok') {
      c.offlineOk++;
      c.blocksOfflined++;
      this.failures[k] = 0;
      this.retryAtNs[k] = 0;
      this.lastFailure[k] = null;
      return r;
    }
    if (r.status === 'busy') c.offlineBusy++;
    else if (r.status === 'timeout') c.offlineTimeouts++;
    else c.offlineInvalid++;
    this.failed(blockId, r.status, r.status === 'invalid' ? -1 : r.pfn, r.reason);
    return r;
  }

  /** Drop the clean page cache of a block (charged at reclaim.dropCleanPageNs per page). */
  private dropCleanCache(blockId: number): void {
    const [s, e] = this.hp.blockRange(blockId);
    const mech = this.ctx.mech;
    const memmap = this.ctx.mm.memmap;
    mech.ledger.run(() => {
      for (const h of mech.ctx.scanMovablePages(s, e)) {
        if (memmap.kind(h - memmap.startPfn) !== PageKind.FILE_CLEAN) continue;
        const n = mech.reclaim.dropCleanPage(h);
        if (n === 0) continue;
        this.counters.droppedCleanPages += n;
        mech.ledger.charge('hotplug-drop-clean', mech.costs.get('reclaim.dropCleanPageNs') * n, n);
      }
    });
  }

  /** Remember a failure: for good when it can never pass, else with a growing backoff. */
  private failed(blockId: number, status: BlockFailure['status'] | 'not-removable', pfn: number, reason: string): void {
    const k = blockId - this.hp.firstBlock;
    const permanent = status === 'invalid' ? 'cannot be offlined' : this.permanentCause(pfn);
    this.lastFailure[k] = `${status}: ${reason}`;
    if (permanent !== null) {
      this.never[k] = `memory${blockId} ${permanent} (${status}: ${reason})`;
      return;
    }
    this.failures[k] = Math.min(this.failures[k]! + 1, 60);
    const wait = Math.min(MAX_RETRY_BACKOFF_NS, RETRY_BACKOFF_NS * 2 ** (this.failures[k]! - 1));
    this.retryAtNs[k] = this.ctx.clock.nowNs + wait;
  }

  /** Why a page stopping an offline will always stop it ("holds ..."), or null when it may pass. */
  private permanentCause(pfn: number): string | null {
    if (pfn < 0) return null;
    const mm = this.ctx.mm;
    const memmap = mm.memmap;
    if (memmap.kind(pfn - memmap.startPfn) === PageKind.RESERVED) {
      const res = mm.layout.reserved.find((x) => pfn >= x.startPfn && pfn < x.endPfn);
      const bytes = 2 ** mm.pa.pageShift;
      return res
        ? `holds memblock-reserved '${res.name}' [${hex(res.startPfn * bytes, 1)}-${hex(res.endPfn * bytes - 1, 1)}]`
        : `holds reserved memory at pfn ${hex(pfn, 1)}`;
    }
    if (memmap.getPageblockRawMigratetype(pfn) === MIGRATE_CMA) return 'holds a MIGRATE_CMA pageblock';
    return null;
  }

  /**
   * memoryN/removable (is_mem_section_removable(), Linux up to 5.x): has_unmovable_pages() over
   * the block's pageblocks, as offlining would isolate them; the first pfn that would stop the
   * offline, or -1. Charged per pageblock at isolate.pageblockNs.
   */
  removable(blockId: number): number {
    const [s, e] = this.hp.blockRange(blockId);
    const pb = this.ctx.mm.pa.pageblockNrPages;
    const iso = this.ctx.mech.isolation;
    const ledger = this.ctx.mech.ledger;
    this.counters.removableChecks++;
    return ledger.run(() => {
      for (let pfn = s; pfn < e; pfn += pb) {
        ledger.charge('hotplug-removable', this.ctx.mech.costs.get('isolate.pageblockNs'), 1);
        const bad = iso.hasUnmovablePages(pfn, Math.min(pfn + pb, e), MIGRATE_MOVABLE, MEMORY_OFFLINE);
        if (bad >= 0) {
          this.counters.notRemovable++;
          return bad;
        }
      }
      return -1;
    });
  }

  /** Usable units touching any of the blocks. */
  private touchedUnits(blocks: readonly number[]): number[] {
    const out = new Set<number>();
    for (const b of blocks) for (const v of this.blockUnits[b - this.hp.firstBlock]!) out.add(v);
    return [...out];
  }

  onlineBlock(blockId: number): void {
    const r = this.hp.onlineBlock(blockId);
    if (r.status !== 'ok') {
      this.errors.push(r.reason);
      return;
    }
    this.counters.blocksOnlined++;
    this.counters.onlineNs += r.elapsedNs;
  }

  /** Online every offline block of a unit (its mask goes at the first block's MEM_GOING_ONLINE). */
  onlineUnit(unit: number): number {
    let pages = 0;
    for (const b of this.unitBlocks[unit]!) {
      if (!this.isOffline(b)) continue;
      this.onlineBlock(b);
      pages += this.blockPages(b);
    }
    return pages;
  }

  /** Eligible blocks now offline. */
  offlineBlocks(): number[] {
    return this.hp.blocksIn('offline').filter((b) => this.staticReason(b) === null);
  }

  /** Units masked through the driver. */
  maskedUnits(): number[] {
    return this.ctx.map.units.filter((u) => this.ctx.core.isMasked(u.index)).map((u) => u.index);
  }

  /** MEM_OFFLINE: mask every unit of the block whose blocks are now all offline. */
  private maskCompleted(blockId: number): void {
    for (const u of this.blockUnits[blockId - this.hp.firstBlock] ?? []) {
      if (this.ctx.core.isMasked(u) || !this.unitBlocks[u]!.every((b) => this.isOffline(b))) continue;
      this.withMrwCharge(() => {
        const r = this.ctx.core.mask(u, this.opts.policy);
        if (!r.ok) this.errors.push(`mask unit ${u} after memory${blockId} went offline: ${r.reason}`);
      });
    }
  }

  /** MEM_GOING_ONLINE: unmask every masked unit the block touches, before its pages are freed. */
  private unmaskTouched(blockId: number): void {
    for (const u of this.blockUnits[blockId - this.hp.firstBlock] ?? []) {
      if (this.ctx.core.isMasked(u)) this.withMrwCharge(() => this.ctx.core.unmask(u, this.opts.policy));
    }
  }

  private withMrwCharge(fn: () => void): void {
    const before = this.mrwSeen;
    fn();
    const n = this.mrwSeen - before;
    if (n === 0) return;
    const costs = this.ctx.mech.costs;
    const ns = n * costs.get('mrw.ns');
    this.counters.mrws += n;
    this.ctx.mech.ledger.charge('pasr-mrw', ns, n, costs.energyJ(ns) + n * costs.get('mrw.energyJ'));
  }

  /**
   * Why units with memory in ZONE_MOVABLE stay refreshed now, one line per unit: a block in
   * another zone, a block that can never go (a carve-out), pinned pages, a backoff.
   */
  notes(): string[] {
    return this.refreshedUnits().map(
      ({ unit, why }) => `unit ${unit} (${this.describeUnit(unit)}) stays refreshed: ${why}`,
    );
  }

  /** The units with memory in ZONE_MOVABLE that are not masked, with the reason they cannot be now. */
  refreshedUnits(): { unit: number; why: string }[] {
    const out: { unit: number; why: string }[] = [];
    const hp = this.hp;
    const movable = this.ctx.mm.pa.zones[ZONE_MOVABLE]!.name;
    for (const u of this.ctx.map.units) {
      const blocks = this.unitBlocks[u.index]!;
      if (blocks.length === 0 || this.ctx.core.isMasked(u.index)) continue;
      if (!blocks.some((b) => hp.blockZone(b) === movable)) continue;
      const why = this.whyNot(u.index);
      if (why !== null) out.push({ unit: u.index, why });
    }
    return out;
  }

  describeUnit(unit: number): string {
    const u = this.ctx.map.units[unit]!;
    const bytes = 2 ** this.ctx.mm.pa.pageShift;
    const r = u.ranges;
    const span =
      r.length === 0
        ? 'no whole pages'
        : `${hex(r[0]!.startPfn * bytes, 1)}-${hex(r[r.length - 1]!.endPfn * bytes - 1, 1)}${r.length > 1 ? ` in ${r.length} ranges` : ''}`;
    return `${u.register} bit ${u.bit} on ${u.dies.join(' ')}, ${span}, memory${this.unitBlocks[unit]!.join(',')}`;
  }

  checkInvariants(): void {
    const hp = this.hp;
    for (const u of this.ctx.map.units) {
      const blocks = this.unitBlocks[u.index]!;
      if (blocks.length === 0) continue;
      const all = blocks.every((b) => this.isOffline(b));
      if (all !== this.ctx.core.isMasked(u.index))
        throw new Error(
          `mem-offline invariant violated: unit ${u.index} is ${all ? 'wholly offline' : 'not wholly offline'} but ${this.ctx.core.isMasked(u.index) ? 'masked' : 'not masked'}`,
        );
    }
    for (const b of hp.blocksIn('offline')) {
      if (this.staticReason(b) !== null)
        throw new Error(`mem-offline invariant violated: memory${b} is offline but not eligible`);
      if (!this.blockUnits[b - hp.firstBlock]!.some((u) => this.ctx.core.isMasked(u)))
        throw new Error(`mem-offline invariant violated: memory${b} is offline but touches no masked unit`);
    }
    const c = this.counters;
    if (c.offlineAttempts !== c.offlineOk + c.offlineBusy + c.offlineTimeouts + c.offlineInvalid)
      throw new Error(
        `mem-offline invariant violated: ${c.offlineAttempts} attempts, ${c.offlineOk} ok + ${c.offlineBusy} busy + ${c.offlineTimeouts} timeouts + ${c.offlineInvalid} invalid`,
      );
    if (c.blocksOfflined - c.blocksOnlined !== this.offlineBlocks().length)
      throw new Error(
        `mem-offline invariant violated: ${c.blocksOfflined} blocks offlined - ${c.blocksOnlined} onlined, ${this.offlineBlocks().length} offline`,
      );
    if (this.errors.length > 0) throw new Error(`mem-offline invariant violated: ${this.errors[0]}`);
  }
}
