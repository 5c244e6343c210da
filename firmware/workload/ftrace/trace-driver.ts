/**
 * The driver of a recorded kernel page-allocation trace: the traced kernel's own allocations and
 * frees (mm_page_alloc, mm_page_free), at their recorded times, on the board's mm.
 *
 * Time: the first event is at the run's start; each event runs at its offset from the first
 * (operations at the same timestamp together, an event printed out of order at the time
 * reached). Every event is a wake-up source (the traced kernel was awake to record it) and keeps
 * the system busy at that instant; once `idleNs` passes with no event, the system suspends
 * (autosleep) until the next one. The run ends at the last event.
 *
 * Placement: `order` lets the board's allocator place each allocation (the trace's order and gfp
 * flags, so zones, watermarks, reclaim and compaction apply); `exact` takes the block at the
 * recorded pfn folded onto the board's page frames (board start + pfn mod the board's frames)
 * when all of it is free there, without going through the allocator, and lets the allocator
 * place it otherwise (a collision: the frame is in use, reserved or refused by the watermark).
 *
 * Page kinds (alloc-kind.ts): movable allocations are anon or file pages on the LRU (named by
 * logical ids of the address space, so reclaim and migration work on them), reclaimable ones
 * reclaimable slab, the others kernel pages. A movable block of order > 0 (a THP, a large folio)
 * is split into order-0 LRU pages once placed.
 *
 * Which page of the trace is where: a PfnTable keyed by the traced pfn, one entry per page: a
 * logical id (LRU), a board pfn (kernel and slab pages), or a marker (the board could not
 * allocate it; reclaim took it). A free looks its pages up; a free of pages the trace never
 * allocated (allocated before the capture began, or lost) is counted, not fatal; an allocation
 * of pages still in use means their free was not in the trace (lost, overwritten): they are
 * freed first and counted.
 *
 * Invariants (checkInvariants()): every LRU entry names a logical id in use (not NONE) whose
 * key is the entry's; every block entry names an allocated page on the board; the free ids and
 * the ids in use partition the address space's ids; `tracked` counts the LRU and block entries.
 */
import { hex } from '../../../hal/bits.js';
import type { MmMechanisms } from '../../mm/mechanisms.js';
import { PageKind } from '../../mm/page-flags.js';
import { PAGE_NONE, PAGE_RESIDENT, PAGE_SHADOW } from '../../mm/workingset.js';
import type { Prng } from '../../system/prng.js';
import type { DriverHost, PhaseSettings, WorkloadDriver } from '../../system/workload-driver.js';
import { allocKind } from './alloc-kind.js';
import { type KmemOps, OP_ALLOC } from './kmem-parser.js';
import { FIRST_TAG, PfnTable } from './pfn-table.js';

export type ReplayMode = 'exact' | 'order';

export interface TraceDriverOptions {
  /** The workload's name in reports (the trace file's name). */
  readonly name: string;
  readonly mode: ReplayMode;
  /** Time without an event after which the system suspends, ns. */
  readonly idleNs: number;
  /** Share of awake time the DRAM is active, 0..1. */
  readonly activeShare: number;
  /** The board's swap, in pages (the address space names resident and swapped pages). */
  readonly swapPages: number;
}

/** What the replay did on one board. */
export interface ReplayStats {
  /** Operations applied. */
  allocs: number;
  frees: number;
  pagesAllocated: number;
  pagesFreed: number;
  /** Allocations the board could not satisfy (after reclaim, compaction and the OOM path). */
  allocFailures: number;
  /** Frees of pages the trace never allocated (in use before the capture, or their allocation lost). */
  unknownFrees: number;
  /** Allocations of pages still in use: their free was not in the trace (lost or overwritten events). */
  missedFrees: number;
  /** Frees of pages the board could not allocate (events). */
  freesOfFailed: number;
  /** Frees of pages reclaim had already dropped or swapped out on the board (events). */
  freesOfReclaimed: number;
  /** Exact mode: blocks placed at their folded pfn, and collisions placed by the allocator. */
  exactPlaced: number;
  exactCollisions: number;
  /** Pages of the trace in use on the board at the end, and at most. */
  livePages: number;
  peakLivePages: number;
}

const TAG_LRU = FIRST_TAG;
const TAG_BLOCK = FIRST_TAG + 1;
const TAG_FAILED = FIRST_TAG + 2;
const TAG_RECLAIMED = FIRST_TAG + 3;
const RELEASED_FAILED = 1;
const RELEASED_RECLAIMED = 2;

export class TraceDriver implements WorkloadDriver {
  readonly durationNs = Infinity;
  readonly oomKills = 0;
  readonly stats: ReplayStats = {
    allocs: 0,
    frees: 0,
    pagesAllocated: 0,
    pagesFreed: 0,
    allocFailures: 0,
    unknownFrees: 0,
    missedFrees: 0,
    freesOfFailed: 0,
    freesOfReclaimed: 0,
    exactPlaced: 0,
    exactCollisions: 0,
    livePages: 0,
    peakLivePages: 0,
  };
  private readonly phaseSettings: PhaseSettings;
  private mechOrNull: MmMechanisms | null = null;
  private host: DriverHost | null = null;
  private startNs = 0;
  private ops: KmemOps | null = null;
  private cursor = 0;
  private queued = false;
  private inputEnded = false;
  private readonly table = new PfnTable();
  /** Free logical ids (a stack), and the traced pfn each id in use stands for. */
  private freeIds = new Int32Array(0);
  private nFreeIds = 0;
  private keyOfId = new Float64Array(0);

  constructor(readonly options: TraceDriverOptions) {
    if (!(options.idleNs > 0)) throw new RangeError(`idle time ${options.idleNs} ns is not positive`);
    this.phaseSettings = {
      name: 'trace',
      suspend: true,
      idleBeforeSuspendNs: options.idleNs,
      activeShare: options.activeShare,
      expectedDemand: 0,
    };
  }

  get name(): string {
    return this.options.name;
  }

  /** Waiting for input: every operation fed is applied and the input has not ended. */
  get starved(): boolean {
    return !this.inputEnded && (this.ops === null || this.cursor >= this.ops.length);
  }

  logicalPages(ramPages: number): number {
    return ramPages + this.options.swapPages;
  }

  attach(mech: MmMechanisms, _rng: Prng, _knob: (action: 'inflate' | 'deflate') => void): void {
    this.mechOrNull = mech;
    const n = mech.ws.capacity;
    this.freeIds = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeIds[i] = n - 1 - i;
    this.nFreeIds = n;
    this.keyOfId = new Float64Array(n).fill(-1);
  }

  setup(): void {}

  start(host: DriverHost, tNs: number): void {
    this.host = host;
    this.startNs = tNs;
    this.schedule();
  }

  phase(): PhaseSettings {
    return this.phaseSettings;
  }

  oomKill(): number {
    return 0;
  }

  /** A new batch of operations (the previous one is all applied). */
  feed(ops: KmemOps): void {
    if (this.ops !== null && this.ops !== ops) throw new Error('trace driver: fed a second batch object');
    if (this.ops !== null && this.cursor < this.ops.length && this.queued)
      throw new Error('trace driver: fed before the last batch was applied');
    this.ops = ops;
    this.cursor = 0;
    this.schedule();
  }

  /** The input ended: the run ends once the last operation is applied. */
  endOfInput(): void {
    this.inputEnded = true;
    if (!this.queued && this.host) this.host.endAt(this.host.nowNs);
  }

  private get mech(): MmMechanisms {
    if (this.mechOrNull === null) throw new Error(`workload ${this.name}: not attached to a system`);
    return this.mechOrNull;
  }

  private schedule(): void {
    const host = this.host;
    const ops = this.ops;
    if (host === null || ops === null || this.queued || this.cursor >= ops.length) return;
    this.queued = true;
    const t = Math.max(this.startNs + ops.tNs[this.cursor]!, host.nowNs);
    host.push(t, 'trace', true, () => this.runDue());
  }

  /** Apply the operations at the current timestamp, then queue the next one or end the run. */
  private runDue(): void {
    this.queued = false;
    const ops = this.ops!;
    const host = this.host!;
    const t0 = ops.tNs[this.cursor]!;
    while (this.cursor < ops.length && ops.tNs[this.cursor]! <= t0) {
      const k = this.cursor++;
      if (ops.op[k] === OP_ALLOC) this.alloc(ops.pfn[k]!, ops.order[k]!, ops.migratetype[k]!, ops.gfp[k]!);
      else this.free(ops.pfn[k]!, ops.order[k]!);
    }
    host.busyUntil(host.nowNs);
    if (this.cursor < ops.length) this.schedule();
    else if (this.inputEnded) host.endAt(host.nowNs);
  }

  // ---- allocations and frees -------------------------------------------------------------------

  private alloc(pfn: number, order: number, migratetype: number, gfp: number): void {
    const st = this.stats;
    const n = 2 ** order;
    st.allocs++;
    // Pages still in use: the trace lost their free.
    if (this.releaseRange(pfn, n)) st.missedFrees++;
    const { kind, lru } = allocKind(migratetype, gfp);
    const mech = this.mech;
    let at = -1;
    if (this.options.mode === 'exact') {
      const target = this.foldedPfn(pfn, order);
      if (target >= 0 && mech.contig.takeFreeBlock(target, order, kind)) {
        at = target;
        st.exactPlaced++;
      } else st.exactCollisions++;
    }
    if (at < 0) {
      const r = mech.mm.allocPages(order, gfp, kind);
      if (typeof r === 'number') at = r;
    }
    if (at < 0) {
      st.allocFailures++;
      for (let i = 0; i < n; i++) this.table.set(pfn + i, TAG_FAILED, 0);
      return;
    }
    st.pagesAllocated += n;
    if (lru !== null) {
      if (order > 0) mech.mm.splitPage(at, order);
      for (let i = 0; i < n; i++) {
        const id = this.newId();
        mech.ws.adopt(id, lru, at + i);
        this.keyOfId[id] = pfn + i;
        this.table.set(pfn + i, TAG_LRU, id);
      }
    } else {
      for (let i = 0; i < n; i++) this.table.set(pfn + i, TAG_BLOCK, at + i);
    }
    st.livePages += n;
    if (st.livePages > st.peakLivePages) st.peakLivePages = st.livePages;
  }

  private free(pfn: number, order: number): void {
    const st = this.stats;
    const n = 2 ** order;
    st.frees++;
    this.released = 0;
    if (!this.releaseRange(pfn, n)) st.unknownFrees++;
    if (this.released & RELEASED_FAILED) st.freesOfFailed++;
    if (this.released & RELEASED_RECLAIMED) st.freesOfReclaimed++;
  }

  /** What the releases of the current free found (RELEASED_* bits). */
  private released = 0;

  /** Release every trace page of [pfn, pfn + n) the table holds; false if it held none. */
  private releaseRange(pfn: number, n: number): boolean {
    let found = false;
    for (let i = 0; i < n; ) {
      const slot = this.table.find(pfn + i);
      if (slot < 0) {
        i++;
        continue;
      }
      found = true;
      i += this.release(slot, pfn + i, n - i);
    }
    return found;
  }

  /**
   * Free the trace page of a table slot (key = its traced pfn) and drop its entry; a kernel block
   * that starts there and fits in `room` pages goes whole. Returns the traced pages it covered;
   * notes in `released` a page the board never had or reclaim had taken.
   */
  private release(slot: number, key: number, room: number): number {
    const st = this.stats;
    const table = this.table;
    const tag = table.tag(slot);
    const value = table.value(slot);
    table.deleteSlot(slot);
    if (tag === TAG_FAILED) {
      this.released |= RELEASED_FAILED;
      return 1;
    }
    if (tag === TAG_RECLAIMED) {
      this.released |= RELEASED_RECLAIMED;
      st.livePages--;
      return 1;
    }
    const mech = this.mech;
    st.livePages--;
    if (tag === TAG_LRU) {
      const ws = mech.ws;
      if (ws.state[value] === PAGE_RESIDENT) st.pagesFreed++;
      else this.released |= RELEASED_RECLAIMED;
      ws.release(value);
      this.freeId(value);
      return 1;
    }
    // A kernel or slab block on the board.
    const mm = mech.mm;
    const base = mm.memmap.startPfn;
    const head = mech.ctx.headOf(value);
    if (head < 0) throw new Error(`trace page ${hex(key, 1)}: its board page ${hex(value, 1)} is not allocated`);
    const order = mm.memmap.order(head - base);
    if (head === value && 2 ** order <= room) {
      for (let i = 1; i < 2 ** order; i++) {
        const s = table.find(key + i);
        if (s >= 0 && table.tag(s) === TAG_BLOCK && table.value(s) === value + i) {
          table.deleteSlot(s);
          st.livePages--;
        }
      }
      mm.freePages(head, order);
      st.pagesFreed += 2 ** order;
      return 2 ** order;
    }
    // The traced kernel split the block (split_page()) and frees part of it.
    if (order > 0) mm.splitPage(head, order);
    mm.freePages(value, 0);
    st.pagesFreed++;
    return 1;
  }

  /** The board frame of a traced pfn in exact mode (board start + pfn mod frames), or -1 if the block does not fit there. */
  private foldedPfn(pfn: number, order: number): number {
    const memmap = this.mech.mm.memmap;
    const off = pfn % memmap.nrPages;
    if (off % 2 ** order !== 0 || off + 2 ** order > memmap.nrPages) return -1;
    return memmap.startPfn + off;
  }

  // ---- logical ids -----------------------------------------------------------------------------

  private newId(): number {
    if (this.nFreeIds === 0) this.collectShadows();
    if (this.nFreeIds === 0)
      throw new Error(`workload ${this.name}: all ${this.freeIds.length} logical pages are resident or swapped`);
    return this.freeIds[--this.nFreeIds]!;
  }

  private freeId(id: number): void {
    this.keyOfId[id] = -1;
    this.freeIds[this.nFreeIds++] = id;
  }

  /**
   * Every id is in use: give back the ids of pages reclaim dropped (their shadow entries), their
   * trace pages marked reclaimed, so that a later free of them is counted as such.
   */
  private collectShadows(): void {
    const ws = this.mech.ws;
    for (let id = 0; id < this.keyOfId.length; id++) {
      const key = this.keyOfId[id]!;
      if (key < 0 || ws.state[id] !== PAGE_SHADOW) continue;
      this.table.set(key, TAG_RECLAIMED, 0);
      ws.release(id);
      this.freeId(id);
    }
  }

  checkInvariants(): void {
    const fail = (m: string): never => {
      throw new Error(`trace driver invariant violated: ${m}`);
    };
    this.table.checkInvariants();
    const mech = this.mechOrNull;
    if (mech === null) return;
    const ws = mech.ws;
    let tracked = 0;
    const inUse = new Uint8Array(this.keyOfId.length);
    this.table.forEach((key, tag, value) => {
      if (tag === TAG_LRU) {
        tracked++;
        if (ws.state[value] === PAGE_NONE) fail(`trace page ${hex(key, 1)}: logical page ${value} is not in use`);
        if (this.keyOfId[value] !== key) fail(`logical page ${value} stands for ${this.keyOfId[value]}, not ${key}`);
        inUse[value] = 1;
      } else if (tag === TAG_BLOCK) {
        tracked++;
        const head = mech.ctx.headOf(value);
        if (head < 0 || mech.mm.memmap.kind(head - mech.mm.memmap.startPfn) === PageKind.FREE)
          fail(`trace page ${hex(key, 1)}: board page ${hex(value, 1)} is not allocated`);
      } else if (tag === TAG_RECLAIMED) tracked++;
    });
    if (tracked !== this.stats.livePages) fail(`${this.stats.livePages} live pages counted, ${tracked} in the table`);
    for (let k = 0; k < this.nFreeIds; k++) {
      const id = this.freeIds[k]!;
      if (inUse[id]) fail(`logical page ${id} is both free and in use`);
      if (this.keyOfId[id] !== -1) fail(`free logical page ${id} still stands for ${this.keyOfId[id]}`);
      inUse[id] = 2;
    }
    for (let id = 0; id < inUse.length; id++)
      if (inUse[id] === 0) fail(`logical page ${id} is neither free nor in use`);
  }
}
