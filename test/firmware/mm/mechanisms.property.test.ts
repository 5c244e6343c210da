import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_MOVABLE, __GFP_RECLAIMABLE } from '../../../firmware/mm/gfp.js';
import { ZONE_MOVABLE, ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import { MIGRATE_MOVABLE } from '../../../firmware/mm/migratetype.js';
import { PageKind, isLruKind } from '../../../firmware/mm/page-flags.js';
import { boot } from './mechanisms-fixture.js';

const MIB = 1024 * 1024;

type Op =
  | { t: 'alloc'; order: number; kind: 'anon' | 'kernel' | 'reclaimable'; movableZone: boolean }
  | { t: 'free'; i: number }
  | { t: 'touch'; id: number; file: boolean; write: boolean }
  | { t: 'release'; id: number }
  | { t: 'migrate'; i: number }
  | { t: 'pin'; i: number }
  | { t: 'unpin'; i: number }
  | { t: 'isolate'; pb: number; n: number }
  | { t: 'contig'; pb: number; n: number }
  | { t: 'contigFree'; i: number }
  | { t: 'offline'; b: number }
  | { t: 'online'; b: number }
  | { t: 'reclaim'; kswapd: boolean }
  | { t: 'compact'; movable: boolean; order: number }
  | { t: 'cma'; n: number }
  | { t: 'cmaFree'; i: number }
  | { t: 'slab'; n: number }
  | { t: 'slabFree'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('alloc' as const),
      order: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('anon' as const, 'kernel' as const, 'reclaimable' as const),
      movableZone: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('free' as const), i: fc.nat() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('touch' as const),
      id: fc.nat({ max: 400 }),
      file: fc.boolean(),
      write: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), id: fc.nat({ max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('migrate' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pin' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unpin' as const), i: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('isolate' as const), pb: fc.nat(), n: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('contig' as const), pb: fc.nat(), n: fc.integer({ min: 1, max: 2 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('contigFree' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('offline' as const), b: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('online' as const), b: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('reclaim' as const), kswapd: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('compact' as const),
      movable: fc.boolean(),
      order: fc.integer({ min: -1, max: 9 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cma' as const), n: fc.integer({ min: 1, max: 256 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cmaFree' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('slab' as const), n: fc.integer({ min: 1, max: 500 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('slabFree' as const), n: fc.integer({ min: 1, max: 500 }) }) },
);

function run(
  ops: Op[],
  opts: { swapPages: number; pcp: boolean; checkEvery?: number },
  stats?: Map<string, number>,
): void {
  const { mm, mech } = boot({
    mib: 32,
    movableMib: 8,
    cmaMib: 2,
    swapPages: opts.swapPages,
    pcp: opts.pcp,
    mech: {
      daemons: 'manual',
      memoryBlockBytes: 2 * MIB,
      addressSpacePages: 12001,
      costs: { 'hotplug.maxRetryPasses': 3 },
    },
  });
  const pa = mm.pa;
  const mem = mm.memmap;
  // Blocks the test allocated directly (not through the address space): pfn -> order.
  const blocks = new Map<number, number>();
  mech.ctx.listeners.push({
    moved: (src, dst) => {
      if (blocks.has(src)) {
        blocks.set(dst, blocks.get(src)!);
        blocks.delete(src);
      }
    },
  });
  const contigs: [number, number][] = [];
  const cmas: [number, number][] = [];
  const slab = mech.createSlabCache('dentry', 192);
  const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  const nrPb = mem.nrPages / pa.pageblockNrPages;
  const hp = mech.hotplug;

  const note = (what: string): void => {
    stats?.set(what, (stats.get(what) ?? 0) + 1);
  };
  let step = 0;
  for (const op of ops) {
    switch (op.t) {
      case 'alloc': {
        const gfp =
          op.kind === 'anon'
            ? op.movableZone
              ? GFP_HIGHUSER_MOVABLE
              : GFP_KERNEL | __GFP_MOVABLE
            : op.kind === 'reclaimable'
              ? GFP_KERNEL | __GFP_RECLAIMABLE
              : GFP_KERNEL;
        const kind =
          op.kind === 'anon' ? PageKind.ANON : op.kind === 'reclaimable' ? PageKind.SLAB_RECLAIMABLE : PageKind.KERNEL;
        const r = mm.allocPages(op.order, gfp, kind);
        if (typeof r === 'number') blocks.set(r, op.order);
        else expect(['watermark', 'fragmentation']).toContain(r.reason);
        break;
      }
      case 'free': {
        const p = pick([...blocks.keys()], op.i);
        if (p === undefined) break;
        mech.freePages(p, blocks.get(p)!);
        blocks.delete(p);
        break;
      }
      case 'touch': {
        const st = mech.ws.state[op.id]!;
        const recorded = mech.ws.type[op.id]!;
        const type = st !== 0 && recorded !== 0 ? (recorded === 1 ? 'file' : 'anon') : op.file ? 'file' : 'anon';
        const r = mech.ws.touch(op.id, type, op.write);
        note(r.ok ? `touch:${r.event}` : `touch:${r.reason}`);
        break;
      }
      case 'release':
        mech.ws.release(op.id);
        break;
      case 'migrate': {
        const movable = [...blocks.keys()].filter((p) => mem.kind(p - mem.startPfn) === PageKind.ANON);
        const resident = mech.ws.pfnOfId(op.i % 12001);
        const p = op.i % 2 === 0 || resident < 0 ? pick(movable, op.i) : resident;
        if (p === undefined) break;
        const r = mech.migrator.migratePages([p], 'syscall');
        expect(r.succeeded > 0 || r.failed > 0 || r.gone > 0).toBe(true);
        note(r.succeeded ? 'migrate:ok' : `migrate:${r.failures[0]?.reason ?? 'gone'}`);
        break;
      }
      case 'pin':
      case 'unpin': {
        const resident = mech.ws.pfnOfId(op.i % 12001);
        const p = resident >= 0 ? resident : pick([...blocks.keys()], op.i);
        if (p === undefined) break;
        if (op.t === 'pin') mech.migrator.pin(p);
        else mech.migrator.unpin(p);
        break;
      }
      case 'isolate': {
        const s = mem.startPfn + (op.pb % nrPb) * pa.pageblockNrPages;
        const e = Math.min(mem.endPfn, s + op.n * pa.pageblockNrPages);
        const r = mech.isolation.startIsolatePageRange(s, e, MIGRATE_MOVABLE);
        note(`isolate:${r.ok ? 'ok' : r.reason}`);
        if (r.ok) mech.isolation.undoIsolatePageRange(s, e);
        break;
      }
      case 'contig': {
        const s = mem.startPfn + (op.pb % nrPb) * pa.pageblockNrPages;
        const e = Math.min(mem.endPfn, s + op.n * pa.pageblockNrPages);
        if (hp.blockState(hp.blockOf(s)) !== 'online' || hp.blockState(hp.blockOf(e - 1)) !== 'online') break;
        const r = mech.contig.allocContigRange(s, e);
        note(`contig:${r.ok ? 'ok' : r.reason}`);
        if (r.ok) contigs.push([s, e - s]);
        break;
      }
      case 'contigFree': {
        if (!contigs.length) break;
        const [c] = contigs.splice(op.i % contigs.length, 1);
        mech.contig.freeContigRange(c![0], c![1]);
        break;
      }
      case 'offline': {
        const b = hp.firstBlock + (op.b % hp.nrBlocks);
        note(`offline:${hp.offlineBlock(b).status}`);
        break;
      }
      case 'online': {
        const off = hp.blocksIn('offline');
        const b = pick(off, op.b);
        if (b !== undefined) expect(hp.onlineBlock(b).status).toBe('ok');
        break;
      }
      case 'reclaim':
        if (op.kswapd) {
          mech.reclaim.wakeupKswapd(ZONE_MOVABLE, 0, ZONE_MOVABLE);
          mech.runKswapd();
        } else {
          mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_MOVABLE);
        }
        break;
      case 'compact': {
        const zone = mm.zones[op.movable ? ZONE_MOVABLE : ZONE_NORMAL]!;
        mech.compaction.compactZone(zone, op.order, op.order < 0 ? { wholeZone: true } : {});
        break;
      }
      case 'cma': {
        const r = mech.cma.cmaAlloc(mech.cma.areas[0]!, op.n);
        note(`cma:${r.ok ? 'ok' : r.reason}`);
        if (r.ok) cmas.push([r.pfn, op.n]);
        break;
      }
      case 'cmaFree': {
        if (!cmas.length) break;
        const [c] = cmas.splice(op.i % cmas.length, 1);
        expect(mech.cma.cmaRelease(mech.cma.areas[0]!, c![0], c![1])).toBe(true);
        break;
      }
      case 'slab':
        slab.allocObjects(op.n);
        break;
      case 'slabFree':
        slab.freeObjects(op.n);
        break;
    }
    if (++step % (opts.checkEvery ?? 1) === 0) mech.checkInvariants();
  }

  // Give everything back: the buddy allocator must coalesce to its boot state.
  for (const [p, o] of blocks) mech.freePages(p, o);
  for (let id = 0; id < mech.ws.capacity; id++) mech.ws.release(id);
  for (const [p, n] of contigs) mech.contig.freeContigRange(p, n);
  for (const [p, n] of cmas) mech.cma.cmaRelease(mech.cma.areas[0]!, p, n);
  slab.freeObjects(slab.nrObjects);
  for (const b of hp.blocksIn('offline')) expect(hp.onlineBlock(b).status).toBe('ok');
  mm.drainAllPages();
  mech.checkInvariants();
  for (let i = 0; i < mem.nrPages; i++) {
    const k = mem.kind(i);
    if (k !== PageKind.FREE && k !== PageKind.RESERVED)
      throw new Error(`page ${i} still has kind ${k} (lru ${isLruKind(k)})`);
  }
  expect(Array.from(pa.nrFree)).toEqual(Array.from(mm.bootNrFree));
}

describe('mm mechanisms under random operation sequences', () => {
  it('keep every invariant after every step and coalesce back to the boot state (no swap, pcp)', () => {
    const stats = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), (ops) =>
        run(ops, { swapPages: 0, pcp: true }, stats),
      ),
      { numRuns: 40, seed: 20261125 },
    );
    // The sequences reach both the success and the failure paths.
    for (const k of [
      'offline:ok',
      'offline:busy',
      'contig:ok',
      'migrate:ok',
      'isolate:ok',
      'cma:ok',
      'touch:first',
      'touch:hit',
    ])
      expect(stats.get(k) ?? 0).toBeGreaterThan(0);
  });

  it('keep every invariant with swap and without pcp lists', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), (ops) =>
        run(ops, { swapPages: 2048, pcp: false }),
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it('survive memory pressure: thousands of touches with reclaim, compaction and hotplug in between', () => {
    const ops: Op[] = [];
    for (let k = 0; k < 8; k++) {
      for (let id = k * 1500; id < k * 1500 + 1500; id++)
        ops.push({ t: 'touch', id, file: id % 3 === 0, write: id % 5 === 0 });
      // Come back to older pages: once memory is full they were dropped or swapped out.
      if (k >= 3)
        for (let id = (k - 3) * 1500; id < (k - 3) * 1500 + 300; id++)
          ops.push({ t: 'touch', id, file: id % 3 === 0, write: false });
      ops.push(
        { t: 'offline', b: k * 3 + 1 },
        { t: 'compact', movable: k % 2 === 0, order: 4 },
        { t: 'alloc', order: 3, kind: 'anon', movableZone: true },
      );
      ops.push({ t: 'online', b: 0 }, { t: 'reclaim', kswapd: k % 2 === 1 });
    }
    for (let id = 0; id < 12000; id += 7) ops.push({ t: 'touch', id, file: id % 3 === 0, write: false });
    const stats = new Map<string, number>();
    run(ops, { swapPages: 1024, pcp: true, checkEvery: 97 }, stats);
    // Memory ran out: pages were dropped, refaulted and swapped back in.
    expect(stats.get('touch:refault') ?? 0).toBeGreaterThan(0);
    expect(stats.get('touch:swapin') ?? 0).toBeGreaterThan(0);
  });
});
