/**
 * The shrinker API (include/linux/shrinker.h, mm/shrinker.c of Linux v6.x): caches register a
 * count_objects()/scan_objects() pair; reclaim calls shrink_slab() at every priority, and
 * do_shrink_slab() turns the priority into a scan target with Linux's arithmetic:
 *
 *   freeable   = count_objects()            (0 or SHRINK_EMPTY: nothing to do)
 *   nr         = nr_deferred, taken (set to 0)
 *   delta      = ((freeable >> priority) * 4) / seeks      (seeks 0: freeable / 2)
 *   total_scan = min((nr >> priority) + delta, 2 * freeable)
 *   while (total_scan >= batch || total_scan >= freeable):
 *       nr_to_scan = min(batch, total_scan); scan_objects(); stop on SHRINK_STOP;
 *       slabs_scanned += nr_scanned; total_scan -= nr_scanned; scanned += nr_scanned
 *   nr_deferred = min(max(nr + delta - scanned, 0), 2 * freeable)
 *
 * batch defaults to SHRINK_BATCH (128), seeks to DEFAULT_SEEKS (2). SHRINK_STOP and SHRINK_EMPTY
 * are ~0UL and ~0UL - 1 in Linux; here they are the negative sentinels -1 and -2.
 *
 * SlabCache is a concrete user: a reclaimable slab cache (dentry/inode-cache-like) whose slab
 * pages are owner kind SLAB_RECLAIMABLE, allocated with __GFP_RECLAIMABLE, freed when their
 * last object goes. Its objects are reclaimed oldest slab first, so the model has no slab
 * fragmentation (a documented difference: real caches free objects in LRU order across slabs).
 *
 * Invariants (checkInvariants()):
 *  (a) nrDeferred of every shrinker is an integer in [0, 2 * last freeable];
 *  (b) a SlabCache holds exactly its slab pages, each an allocated order-0 page of its kind, with
 *      1..objsPerSlab objects, and nrObjects equals their sum.
 */
import { GFP_KERNEL, __GFP_RECLAIMABLE } from './gfp.js';
import type { MmContext } from './mm-context.js';
import { PG_HEAD, PageKind } from './page-flags.js';
import { hex } from '../../hal/bits.js';

export const SHRINK_STOP = -1;
export const SHRINK_EMPTY = -2;
export const DEFAULT_SEEKS = 2;
export const SHRINK_BATCH = 128;
/** Bound of the scan loop of one do_shrink_slab() call (a shrinker that never advances is a bug). */
const MAX_SCAN_ITERATIONS = 1 << 24;

/** struct shrink_control. */
export interface ShrinkControl {
  gfpMask: number;
  nid: number;
  nrToScan: number;
  /** Set to nrToScan before scan_objects(); a shrinker may lower it to what it really scanned. */
  nrScanned: number;
}

/** What a cache registers (shrinker_alloc() + its fields). */
export interface ShrinkerSpec {
  name: string;
  /** Objects freeable now, 0 if unknown, or SHRINK_EMPTY. */
  countObjects(sc: ShrinkControl): number;
  /** Free up to sc.nrToScan objects; returns the number freed, or SHRINK_STOP. */
  scanObjects(sc: ShrinkControl): number;
  /** Cost to recreate an object (DEFAULT_SEEKS 2; 0 = trim aggressively). */
  seeks?: number;
  /** Objects per scan_objects() call (0 = SHRINK_BATCH). */
  batch?: number;
}

/** A registered shrinker. */
export class Shrinker {
  readonly name: string;
  readonly seeks: number;
  readonly batch: number;
  readonly spec: ShrinkerSpec;
  /** nr_deferred: scan work carried over to the next call. */
  nrDeferred = 0;
  /** Scan work done and objects freed (debugfs-like). */
  totalScanned = 0;
  totalFreed = 0;
  lastFreeable = 0;
  registered = true;

  constructor(spec: ShrinkerSpec) {
    const seeks = spec.seeks ?? DEFAULT_SEEKS;
    const batch = spec.batch ?? 0;
    if (!Number.isInteger(seeks) || seeks < 0)
      throw new RangeError(`shrinker ${spec.name}: seeks ${seeks} is not a non-negative integer`);
    if (!Number.isInteger(batch) || batch < 0)
      throw new RangeError(`shrinker ${spec.name}: batch ${batch} is not a non-negative integer`);
    this.name = spec.name;
    this.seeks = seeks;
    this.batch = batch;
    this.spec = spec;
  }
}

/** The trace of one do_shrink_slab() call (trace_mm_shrink_slab_start/end). */
export interface ShrinkSlabTrace {
  freeable: number;
  nrDeferredIn: number;
  delta: number;
  totalScan: number;
  scanned: number;
  freed: number;
  batches: number;
  nrDeferredOut: number;
}

export class ShrinkerRegistry {
  readonly ctx: MmContext;
  private readonly list: Shrinker[] = [];
  /** current->reclaim_state->reclaimed: pages freed by shrinkers during reclaim. */
  reclaimedPages = 0;
  /** The last do_shrink_slab() call, for tests and tracing. */
  lastTrace: ShrinkSlabTrace | null = null;

  constructor(ctx: MmContext) {
    this.ctx = ctx;
  }

  /** shrinker_alloc() + shrinker_register(). */
  register(spec: ShrinkerSpec): Shrinker {
    const s = new Shrinker(spec);
    this.list.push(s);
    return s;
  }

  /** shrinker_free(). */
  unregister(s: Shrinker): void {
    const i = this.list.indexOf(s);
    if (i < 0) throw new Error(`shrinker ${s.name} is not registered`);
    this.list.splice(i, 1);
    s.registered = false;
  }

  get shrinkers(): readonly Shrinker[] {
    return this.list;
  }

  /** do_shrink_slab(): returns objects freed, or 0/SHRINK_EMPTY straight from count_objects(). */
  doShrinkSlab(sc: ShrinkControl, s: Shrinker, priority: number): number {
    if (!Number.isInteger(priority) || priority < 0 || priority > 12)
      throw new RangeError(`do_shrink_slab: priority ${priority} is not in [0, 12]`);
    const batchSize = s.batch ? s.batch : SHRINK_BATCH;
    const freeable = s.spec.countObjects(sc);
    if (freeable === 0 || freeable === SHRINK_EMPTY) return freeable;
    if (!Number.isInteger(freeable) || freeable < 0)
      throw new Error(`shrinker ${s.name}: count_objects returned ${freeable}`);
    s.lastFreeable = freeable;
    const nr = s.nrDeferred;
    s.nrDeferred = 0;
    let delta: number;
    if (s.seeks) {
      delta = Math.floor(freeable / 2 ** priority);
      delta *= 4;
      delta = Math.floor(delta / s.seeks);
    } else {
      delta = Math.floor(freeable / 2);
    }
    let totalScan = Math.floor(nr / 2 ** priority);
    totalScan += delta;
    totalScan = Math.min(totalScan, 2 * freeable);
    const trace: ShrinkSlabTrace = {
      freeable,
      nrDeferredIn: nr,
      delta,
      totalScan,
      scanned: 0,
      freed: 0,
      batches: 0,
      nrDeferredOut: 0,
    };
    let freed = 0;
    let scanned = 0;
    let iterations = 0;
    while (totalScan >= batchSize || totalScan >= freeable) {
      const nrToScan = Math.min(batchSize, totalScan);
      sc.nrToScan = nrToScan;
      sc.nrScanned = nrToScan;
      const ret = s.spec.scanObjects(sc);
      trace.batches++;
      if (ret === SHRINK_STOP) break;
      if (!Number.isInteger(ret) || ret < 0) throw new Error(`shrinker ${s.name}: scan_objects returned ${ret}`);
      freed += ret;
      this.ctx.events.slabs_scanned += sc.nrScanned;
      totalScan -= sc.nrScanned;
      scanned += sc.nrScanned;
      if (sc.nrScanned <= 0 || ++iterations > MAX_SCAN_ITERATIONS) {
        throw new Error(
          `shrinker ${s.name}: scan loop does not advance (nr_scanned ${sc.nrScanned}, total_scan ${totalScan}); Linux would spin here`,
        );
      }
    }
    let nextDeferred = Math.max(nr + delta - scanned, 0);
    nextDeferred = Math.min(nextDeferred, 2 * freeable);
    s.nrDeferred += nextDeferred;
    s.totalScanned += scanned;
    s.totalFreed += freed;
    trace.scanned = scanned;
    trace.freed = freed;
    trace.nrDeferredOut = s.nrDeferred;
    this.lastTrace = trace;
    return freed;
  }

  /** shrink_slab(): every registered shrinker at one priority; returns objects freed. */
  shrinkSlab(gfpMask: number, priority: number): number {
    let freed = 0;
    for (const s of [...this.list]) {
      const sc: ShrinkControl = { gfpMask, nid: 0, nrToScan: 0, nrScanned: 0 };
      let ret = this.doShrinkSlab(sc, s, priority);
      if (ret === SHRINK_EMPTY) ret = 0;
      freed += ret;
    }
    return freed;
  }

  checkInvariants(): void {
    for (const s of this.list) {
      if (!Number.isInteger(s.nrDeferred) || s.nrDeferred < 0 || s.nrDeferred > 2 * s.lastFreeable) {
        throw new Error(
          `shrinker invariant violated: ${s.name} nr_deferred ${s.nrDeferred} not in [0, 2 * ${s.lastFreeable}]`,
        );
      }
    }
  }
}

/**
 * A reclaimable slab cache with a shrinker: objects of objSize bytes packed into order-0 slab
 * pages of kind SLAB_RECLAIMABLE. Slabs form a FIFO (oldest first); new objects fill the newest
 * slab, the shrinker frees the oldest objects, so slabs empty in order and their pages go back.
 */
export class SlabCache {
  readonly ctx: MmContext;
  readonly name: string;
  readonly objSize: number;
  readonly objsPerSlab: number;
  readonly shrinker: Shrinker;
  readonly registry: ShrinkerRegistry;
  /** Ring of slab pages (pfns) and their object counts. */
  private slabPfn = new Int32Array(16);
  private slabObjs = new Uint16Array(16);
  private head = 0;
  private count = 0;
  nrObjects = 0;
  /** Pages this cache gave back (all time). */
  pagesFreed = 0;

  constructor(ctx: MmContext, registry: ShrinkerRegistry, name: string, objSize: number, seeks = DEFAULT_SEEKS) {
    const pageBytes = ctx.pageBytes;
    if (!Number.isInteger(objSize) || objSize <= 0 || objSize > pageBytes)
      throw new RangeError(`slab cache ${name}: object size ${objSize} is not in [1, ${pageBytes}]`);
    this.ctx = ctx;
    this.registry = registry;
    this.name = name;
    this.objSize = objSize;
    this.objsPerSlab = Math.min(0xffff, Math.floor(pageBytes / objSize));
    this.shrinker = registry.register({
      name,
      seeks,
      countObjects: () => (this.nrObjects === 0 ? SHRINK_EMPTY : this.nrObjects),
      scanObjects: (sc) => this.freeObjects(sc.nrToScan, true),
    });
  }

  /** Slab pages held. */
  get nrSlabs(): number {
    return this.count;
  }

  private slot(k: number): number {
    return (this.head + k) % this.slabPfn.length;
  }

  private grow(): void {
    const n = this.slabPfn.length * 2;
    const p = new Int32Array(n);
    const o = new Uint16Array(n);
    for (let k = 0; k < this.count; k++) {
      p[k] = this.slabPfn[this.slot(k)]!;
      o[k] = this.slabObjs[this.slot(k)]!;
    }
    this.slabPfn = p;
    this.slabObjs = o;
    this.head = 0;
  }

  /** kmem_cache_alloc() n times: returns objects allocated (fewer if a slab page allocation failed). */
  allocObjects(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`slab cache ${this.name}: cannot allocate ${n} objects`);
    let done = 0;
    while (done < n) {
      if (this.count > 0) {
        const last = this.slot(this.count - 1);
        const room = this.objsPerSlab - this.slabObjs[last]!;
        if (room > 0) {
          const k = Math.min(room, n - done);
          this.slabObjs[last] = this.slabObjs[last]! + k;
          this.nrObjects += k;
          done += k;
          continue;
        }
      }
      const r = this.ctx.mm.allocPages(0, GFP_KERNEL | __GFP_RECLAIMABLE, PageKind.SLAB_RECLAIMABLE);
      if (typeof r !== 'number') break;
      if (this.count === this.slabPfn.length) this.grow();
      const s = this.slot(this.count);
      this.slabPfn[s] = r;
      this.slabObjs[s] = 0;
      this.count++;
    }
    return done;
  }

  /**
   * Free up to n objects, oldest first; empty slab pages go back to the buddy allocator. During
   * reclaim (`reclaim`), freed pages count in reclaim_state. Returns objects freed.
   */
  freeObjects(n: number, reclaim = false): number {
    let freed = 0;
    while (freed < n && this.count > 0) {
      const s = this.head;
      const k = Math.min(this.slabObjs[s]!, n - freed);
      this.slabObjs[s] = this.slabObjs[s]! - k;
      this.nrObjects -= k;
      freed += k;
      if (this.slabObjs[s] === 0) {
        this.ctx.mm.freePages(this.slabPfn[s]!, 0);
        this.pagesFreed++;
        if (reclaim) this.registry.reclaimedPages++;
        this.head = (this.head + 1) % this.slabPfn.length;
        this.count--;
      }
    }
    return freed;
  }

  /** The slab pages held (oldest first). */
  slabs(): number[] {
    return Array.from({ length: this.count }, (_, k) => this.slabPfn[this.slot(k)]!);
  }

  checkInvariants(): void {
    const mm = this.ctx.memmap;
    let objs = 0;
    for (let k = 0; k < this.count; k++) {
      const pfn = this.slabPfn[this.slot(k)]!;
      const o = this.slabObjs[this.slot(k)]!;
      const i = pfn - mm.startPfn;
      if (
        !mm.pfnValid(pfn) ||
        (mm.flags(i) & PG_HEAD) === 0 ||
        mm.order(i) !== 0 ||
        mm.kind(i) !== PageKind.SLAB_RECLAIMABLE
      ) {
        throw new Error(
          `slab cache ${this.name} invariant violated: slab ${k} at pfn ${hex(pfn, 1)} is not an allocated order-0 slab_reclaimable page`,
        );
      }
      if (o === 0 && k < this.count - 1)
        throw new Error(`slab cache ${this.name} invariant violated: empty slab ${k} at pfn ${hex(pfn, 1)} kept`);
      if (o > this.objsPerSlab)
        throw new Error(
          `slab cache ${this.name} invariant violated: slab at ${hex(pfn, 1)} holds ${o} > ${this.objsPerSlab} objects`,
        );
      objs += o;
    }
    if (objs !== this.nrObjects)
      throw new Error(`slab cache ${this.name} invariant violated: nrObjects ${this.nrObjects} but slabs hold ${objs}`);
  }
}
