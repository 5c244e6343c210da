/**
 * The workload engine: the userspace (and kernel users) of a scenario, driving the mm through
 * its real mechanisms: page cache through the address space (reads, writes, refaults), process
 * memory through anonymous pages, reclaimable slab through caches with shrinkers, unmovable
 * kernel allocations, long-term pins. It owns no time: the run loop calls apply() when an
 * activity fires.
 *
 * Pages of a set are logical pages of the address space: set s owns the ids [base, base + cap).
 * File sets read anywhere in their capacity (the page cache grows until reclaim trims it); an
 * anon set has a mapped window [lo, hi) of ids, grown by sequential touches and shrunk from the
 * oldest end by releases (munmap), so "the process" is the window.
 *
 * Invariants (checkInvariants()):
 *  (a) sets own disjoint id ranges inside the address space;
 *  (b) for anon sets base <= lo <= hi <= base + cap, and no id outside [lo, hi) is resident;
 *  (c) a kernel set's blocks are allocated KERNEL blocks of the set's order, each listed once.
 */
import type { MmMechanisms } from '../mm/mechanisms.js';
import { GFP_KERNEL } from '../mm/gfp.js';
import { PageKind, PG_HEAD } from '../mm/page-flags.js';
import { PAGE_RESIDENT } from '../mm/workingset.js';
import type { SlabCache } from '../mm/shrinker.js';
import type { Prng } from '../system/prng.js';
import type { Op, Pattern, Scenario, SetType } from './scenario.js';

interface SetState {
  readonly name: string;
  readonly type: SetType;
  readonly base: number;
  readonly cap: number;
  readonly order: number;
  /** Anon: mapped window [lo, hi) (ids relative to base, hi may exceed cap: ids wrap). */
  lo: number;
  hi: number;
  /** File: sequential read cursor, and release cursor. */
  cursor: number;
  releaseCursor: number;
  /** Kernel: FIFO of allocated block heads. */
  blocks: Int32Array;
  head: number;
  count: number;
  /** Pinned logical ids (anon). */
  pinned: number[];
  /** Times the OOM killer released this set (a touch loop of a killed set stops). */
  kills: number;
}

/** What the workload did (counts of page operations and their outcomes). */
export interface WorkloadStats {
  reads: number;
  writes: number;
  touches: number;
  released: number;
  kernelPages: number;
  slabObjects: number;
  pinnedPages: number;
  /** Page operations that failed for lack of memory after reclaim, compaction and the OOM path. */
  failedAllocs: number;
  oomKills: number;
  knobs: number;
}

export interface EngineHooks {
  /** The userspace knob of the PASR governor. */
  knob(action: 'inflate' | 'deflate'): void;
}

export class WorkloadEngine {
  private readonly sets = new Map<string, SetState>();
  private readonly caches = new Map<string, SlabCache>();
  readonly ramPages: number;
  readonly stats: WorkloadStats = {
    reads: 0,
    writes: 0,
    touches: 0,
    released: 0,
    kernelPages: 0,
    slabObjects: 0,
    pinnedPages: 0,
    failedAllocs: 0,
    oomKills: 0,
    knobs: 0,
  };

  constructor(
    readonly scenario: Scenario,
    readonly mech: MmMechanisms,
    readonly rng: Prng,
    readonly hooks: EngineHooks,
  ) {
    this.ramPages = mech.mm.memmap.nrPages;
    let base = 0;
    for (const s of scenario.sets) {
      const cap = Math.max(1, Math.round(s.size * this.ramPages));
      this.sets.set(s.name, {
        name: s.name,
        type: s.type,
        base,
        cap,
        order: s.order ?? 0,
        lo: 0,
        hi: 0,
        cursor: 0,
        releaseCursor: 0,
        blocks: new Int32Array(s.type === 'kernel' ? 16 : 0),
        head: 0,
        count: 0,
        pinned: [],
        kills: 0,
      });
      if (s.type !== 'kernel') base += cap;
    }
    if (base > mech.ws.capacity)
      throw new RangeError(
        `workload ${scenario.name}: its file and anon sets need ${base} logical pages, the address space has ${mech.ws.capacity}`,
      );
    const pageBytes = mech.ctx.pageBytes;
    for (const c of scenario.slabCaches)
      this.caches.set(c.name, mech.createSlabCache(`${scenario.name}:${c.name}`, Math.min(c.objectBytes, pageBytes)));
  }

  /** Logical pages the scenario's file and anon sets need (the address space must hold them). */
  static logicalPages(scenario: Scenario, ramPages: number): number {
    let n = 0;
    for (const s of scenario.sets) if (s.type !== 'kernel') n += Math.max(1, Math.round(s.size * ramPages));
    return n;
  }

  private set(name: string): SetState {
    const s = this.sets.get(name);
    if (s === undefined) throw new Error(`workload ${this.scenario.name}: no set ${name}`);
    return s;
  }

  private pages(size: number): number {
    return Math.max(0, Math.round(size * this.ramPages));
  }

  /** Run one operation. */
  apply(op: Op): void {
    switch (op.op) {
      case 'read':
        this.read(this.set(op.set), this.pages(op.size), op.pattern, op.writeShare);
        break;
      case 'touch':
        this.touch(this.set(op.set), this.pages(op.size), op.pattern);
        break;
      case 'release':
        this.release(this.set(op.set), op.size === undefined ? Infinity : this.pages(op.size));
        break;
      case 'kalloc':
        this.kalloc(this.set(op.set), this.pages(op.size));
        break;
      case 'kfree':
        this.kfree(this.set(op.set), op.size === undefined ? Infinity : this.pages(op.size));
        break;
      case 'slab':
        this.slab(op.cache, this.pages(op.size));
        break;
      case 'slabFree':
        this.slabFree(op.cache, op.size === undefined ? Infinity : this.pages(op.size));
        break;
      case 'pin':
        this.pin(this.set(op.set), this.pages(op.size));
        break;
      case 'unpin':
        this.unpin(this.set(op.set));
        break;
      case 'knob':
        this.stats.knobs++;
        this.hooks.knob(op.action);
        break;
    }
  }

  /** A page index in [0, n) by pattern ('hot': 80 % of picks in the first 20 %). */
  private pick(n: number, pattern: Pattern): number {
    if (pattern === 'hot' && this.rng.next() < 0.8) return this.rng.int(Math.max(1, Math.floor(n / 5)));
    return this.rng.int(n);
  }

  private read(s: SetState, n: number, pattern: Pattern, writeShare: number): void {
    const ws = this.mech.ws;
    for (let i = 0; i < n; i++) {
      let k: number;
      if (pattern === 'sequential') {
        k = s.cursor;
        s.cursor = (s.cursor + 1) % s.cap;
      } else k = this.pick(s.cap, pattern);
      const write = writeShare > 0 && this.rng.next() < writeShare;
      const r = ws.touch(s.base + k, 'file', write);
      if (!r.ok) {
        this.stats.failedAllocs++;
        return;
      }
      if (write) this.stats.writes++;
      else this.stats.reads++;
    }
  }

  private touch(s: SetState, n: number, pattern: Pattern): void {
    const ws = this.mech.ws;
    const kills = s.kills;
    // The process whose memory this is stops when the OOM killer picks it.
    for (let i = 0; i < n && s.kills === kills; i++) {
      let rel: number;
      if (pattern === 'sequential' || s.hi === s.lo) {
        // Grow the mapping; a full window wraps over its oldest pages.
        if (s.hi - s.lo >= s.cap) s.lo++;
        rel = s.hi++;
      } else rel = s.lo + this.pick(s.hi - s.lo, pattern);
      const id = s.base + (rel % s.cap);
      const r = ws.touch(id, 'anon', true);
      if (!r.ok) {
        this.stats.failedAllocs++;
        return;
      }
      // The OOM killer picked this process while this page was faulted in: the page goes with it.
      if (s.kills !== kills) {
        ws.release(id);
        return;
      }
      this.stats.touches++;
    }
  }

  private release(s: SetState, n: number): void {
    const ws = this.mech.ws;
    if (s.type === 'anon') {
      const k = Math.min(n, s.hi - s.lo);
      for (let i = 0; i < k; i++) {
        ws.release(s.base + (s.lo % s.cap));
        s.lo++;
      }
      this.stats.released += k;
      if (s.lo === s.hi) s.lo = s.hi = 0;
      return;
    }
    if (s.type === 'file') {
      const k = Math.min(n, s.cap);
      for (let i = 0; i < k; i++) {
        ws.release(s.base + s.releaseCursor);
        s.releaseCursor = (s.releaseCursor + 1) % s.cap;
      }
      this.stats.released += k;
      return;
    }
    throw new Error(`workload ${this.scenario.name}: release of kernel set ${s.name} (use kfree)`);
  }

  private kalloc(s: SetState, pages: number): void {
    const per = 2 ** s.order;
    const n = Math.ceil(pages / per);
    for (let i = 0; i < n; i++) {
      const r = this.mech.mm.allocPages(s.order, GFP_KERNEL, PageKind.KERNEL);
      if (typeof r !== 'number') {
        this.stats.failedAllocs++;
        return;
      }
      if (s.count === s.blocks.length) {
        const b = new Int32Array(s.blocks.length * 2);
        for (let k = 0; k < s.count; k++) b[k] = s.blocks[(s.head + k) % s.blocks.length]!;
        s.blocks = b;
        s.head = 0;
      }
      s.blocks[(s.head + s.count) % s.blocks.length] = r;
      s.count++;
      this.stats.kernelPages += per;
    }
  }

  private kfree(s: SetState, pages: number): void {
    const per = 2 ** s.order;
    let n = Math.min(s.count, pages === Infinity ? s.count : Math.ceil(pages / per));
    while (n-- > 0) {
      this.mech.mm.freePages(s.blocks[s.head]!, s.order);
      s.head = (s.head + 1) % s.blocks.length;
      s.count--;
    }
  }

  private slab(name: string, pages: number): void {
    const c = this.cache(name);
    const objs = pages * c.objsPerSlab;
    const got = c.allocObjects(objs);
    this.stats.slabObjects += got;
    if (got < objs) this.stats.failedAllocs++;
  }

  private slabFree(name: string, pages: number): void {
    const c = this.cache(name);
    c.freeObjects(pages === Infinity ? c.nrObjects : pages * c.objsPerSlab);
  }

  private cache(name: string): SlabCache {
    const c = this.caches.get(name);
    if (c === undefined) throw new Error(`workload ${this.scenario.name}: no slab cache ${name}`);
    return c;
  }

  private pin(s: SetState, n: number): void {
    const ws = this.mech.ws;
    const mig = this.mech.migrator;
    let done = 0;
    for (let rel = s.hi - 1; rel >= s.lo && done < n; rel--) {
      const id = s.base + (rel % s.cap);
      if (ws.state[id] !== PAGE_RESIDENT) continue;
      const pfn = ws.pfnOf[id]!;
      if (mig.isPinned(pfn)) continue;
      mig.pin(pfn);
      s.pinned.push(id);
      done++;
    }
    this.stats.pinnedPages += done;
  }

  private unpin(s: SetState): void {
    const ws = this.mech.ws;
    for (const id of s.pinned) {
      if (ws.state[id] !== PAGE_RESIDENT) continue;
      const pfn = ws.pfnOf[id]!;
      if (this.mech.migrator.isPinned(pfn)) this.mech.migrator.unpin(pfn);
    }
    s.pinned = [];
  }

  /**
   * The OOM killer's choice (oom_badness(): the largest resident set): release the anon set
   * with the most resident pages. Returns the pages freed (0: nothing to kill).
   */
  oomKill(): number {
    let victim: SetState | undefined;
    let best = 0;
    for (const s of this.sets.values()) {
      if (s.type !== 'anon') continue;
      const rss = this.resident(s);
      if (rss > best) {
        best = rss;
        victim = s;
      }
    }
    if (victim === undefined) return 0;
    this.unpin(victim);
    this.release(victim, Infinity);
    victim.kills++;
    this.stats.oomKills++;
    return best;
  }

  /** Resident pages of an anon set. */
  resident(s: { base: number; cap: number; lo: number; hi: number }): number {
    const ws = this.mech.ws;
    let n = 0;
    const k = Math.min(s.hi - s.lo, s.cap);
    for (let i = 0; i < k; i++) if (ws.state[s.base + ((s.lo + i) % s.cap)] === PAGE_RESIDENT) n++;
    return n;
  }

  checkInvariants(): void {
    const fail = (m: string): never => {
      throw new Error(`workload invariant violated: ${m}`);
    };
    const ranges = [...this.sets.values()].filter((s) => s.type !== 'kernel').sort((a, b) => a.base - b.base);
    for (let i = 1; i < ranges.length; i++)
      if (ranges[i]!.base < ranges[i - 1]!.base + ranges[i - 1]!.cap)
        fail(`sets ${ranges[i - 1]!.name} and ${ranges[i]!.name} overlap`);
    const ws = this.mech.ws;
    const mm = this.mech.mm.memmap;
    for (const s of this.sets.values()) {
      if (s.type === 'anon') {
        if (!(s.lo <= s.hi)) fail(`set ${s.name}: window [${s.lo}, ${s.hi})`);
        const inWindow = new Uint8Array(s.cap);
        for (let r = s.lo; r < s.hi && r - s.lo < s.cap; r++) inWindow[r % s.cap] = 1;
        for (let k = 0; k < s.cap; k++)
          if (!inWindow[k] && ws.state[s.base + k] === PAGE_RESIDENT)
            fail(`set ${s.name}: page ${k} resident outside the mapping`);
      }
      if (s.type === 'kernel') {
        const seen = new Set<number>();
        for (let k = 0; k < s.count; k++) {
          const pfn = s.blocks[(s.head + k) % s.blocks.length]!;
          if (seen.has(pfn)) fail(`set ${s.name}: block 0x${pfn.toString(16)} listed twice`);
          seen.add(pfn);
          const i = pfn - mm.startPfn;
          if (mm.kind(i) !== PageKind.KERNEL || !(mm.flags(i) & PG_HEAD) || mm.order(i) !== s.order)
            fail(`set ${s.name}: block 0x${pfn.toString(16)} is not an allocated order-${s.order} kernel block`);
        }
      }
    }
  }
}
