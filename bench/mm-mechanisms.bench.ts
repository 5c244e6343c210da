/**
 * Benchmarks of the mm mechanisms: emulator speed of migration, contiguous-range
 * allocation, reclaim scanning, page touches, hotplug offline and compaction, plus the
 * simulated costs they charge. runMmMechanismsBench() returns figures (medians of RUNS runs); it
 * does no I/O and never fails on time.
 *
 *  mech.migrate.pagesPerSec         migrate_pages() of order-0 LRU pages in batches of 32, to
 *                                   targets from the buddy allocator (emulator speed)
 *  mech.contig.64MiB.ms             alloc_contig_range() of 64 MiB on a fragmented 2 GiB board
 *                                   (every other page of the range in use: anon and clean file)
 *  mech.contig.64MiB.simulatedMs    the simulated time it charged (CMA figures of performance.md)
 *  mech.reclaim.scanPagesPerSec     direct reclaim of clean page cache: pages scanned per second
 *  mech.touch.hit.opsPerSec         AddressSpace.touch() of resident pages
 *  mech.touch.first.opsPerSec       first touches (allocation + LRU add)
 *  mech.offline.128MiB.ms           offline_pages() of a 128 MiB block full of movable pages
 *  mech.offline.128MiB.simulatedMs  its simulated time (≈ 1.6 s cited)
 *  mech.compact.1GiB.ms             whole-zone compaction of a checkerboarded 1 GiB zone
 *  mech.compact.pagesPerSec         pages it migrated per second of emulator time
 *  mech.bytesPerPage                core memmap + the address space's per-frame ids (reverse
 *                                   map), on the 64 GiB layout of mm.bytesPerPage
 */
import { SimClock } from '../hal/clock.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_MEMALLOC } from '../firmware/mm/gfp.js';
import type { MemoryLayout } from '../firmware/mm/layout.js';
import { ZONE_MOVABLE, ZONE_NORMAL } from '../firmware/mm/layout.js';
import { MmMechanisms } from '../firmware/mm/mechanisms.js';
import { MemoryManager } from '../firmware/mm/memory-manager.js';
import { PageKind } from '../firmware/mm/page-flags.js';
import { benchLayout } from './mm.bench.js';

const RUNS = 5;
const GIB_PAGES = 262144;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** DRAM at 2 GiB; Normal then (optionally) a Movable zone at the top. */
function layout(gib: number, movableGib = 0): MemoryLayout {
  const startPfn = 0x80000;
  const nrPages = gib * GIB_PAGES;
  const end = startPfn + nrPages;
  const movStart = end - movableGib * GIB_PAGES;
  const zones: MemoryLayout['zones'] = [{ name: 'Normal', startPfn, endPfn: movStart }];
  if (movableGib > 0) zones.push({ name: 'Movable', startPfn: movStart, endPfn: end });
  return {
    pageShift: 12,
    startPfn,
    nrPages,
    zones,
    reserved: [{ name: 'kernel', startPfn, endPfn: startPfn + 9000 }],
    maxOrder: 10,
    pageblockOrder: 9,
    cma: [],
    swapPages: 0,
    nrCpus: 4,
  };
}

function bootMech(
  l: MemoryLayout,
  blockBytes = 128 * 1024 * 1024,
  addressSpacePages?: number,
): { mm: MemoryManager; mech: MmMechanisms } {
  const mm = new MemoryManager(l, new SimClock());
  const mech = new MmMechanisms(mm, {
    daemons: 'manual',
    memoryBlockBytes: blockBytes,
    ...(addressSpacePages ? { addressSpacePages } : {}),
  });
  return { mm, mech };
}

function allocAll(mm: MemoryManager, gfp: number, kind: number): number[] {
  const out: number[] = [];
  for (;;) {
    const p = mm.allocPages(0, gfp, kind);
    if (typeof p !== 'number') return out;
    out.push(p);
  }
}

function migratePagesPerSec(): number {
  const { mech } = bootMech(layout(1));
  const n = 100_000;
  for (let id = 0; id < n; id++) mech.ws.touch(id, 'anon');
  const pfns = Int32Array.from({ length: n }, (_, id) => mech.ws.pfnOfId(id));
  const batch: number[] = [];
  const t0 = performance.now();
  let moved = 0;
  for (let i = 0; i < n; i++) {
    batch.push(mech.ws.pfnOfId(i));
    if (batch.length === 32 || i === n - 1) {
      moved += mech.migrator.migratePages(batch, 'syscall').succeeded;
      batch.length = 0;
    }
  }
  const dt = performance.now() - t0;
  if (moved !== n || pfns[0] === mech.ws.pfnOfId(0)) throw new Error(`bench: migration moved ${moved} of ${n} pages`);
  return n / (dt / 1000);
}

/** A fragmented 2 GiB board: every other page of a 64 MiB Normal range in use (anon or clean file). */
function contigOnce(): [number, number] {
  const { mm, mech } = bootMech(layout(2));
  const all = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON);
  const start = 0x80000 + GIB_PAGES; // 1 GiB into DRAM, pageblock-aligned
  const end = start + 64 * 256;
  for (const p of all) {
    if (p >= start && p < end && p % 2 === 1) {
      if (p % 8 === 1) mm.pa.setPageKind(p, 1, PageKind.FILE_CLEAN);
    } else mm.freePages(p, 0);
  }
  mm.drainAllPages();
  const c0 = mm.clock.nowNs;
  const t0 = performance.now();
  const r = mech.contig.allocContigRange(start, end);
  const dt = performance.now() - t0;
  if (!r.ok) throw new Error(`bench: alloc_contig_range failed: ${r.reason} ${r.detail}`);
  return [dt, (mm.clock.nowNs - c0) / 1e6];
}

function reclaimScanPagesPerSec(): number {
  const { mm, mech } = bootMech(layout(1), 128 * 1024 * 1024, 2 * GIB_PAGES);
  const free = mm.nrFreePages();
  for (let id = 0; id < free - 20_000; id++) mech.ws.touch(id, 'file');
  const ev = mm.events;
  const s0 = ev.pgscan_direct;
  const t0 = performance.now();
  for (let k = 0; k < 3000; k++) mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
  const dt = performance.now() - t0;
  return (ev.pgscan_direct - s0) / (dt / 1000);
}

function touchOpsPerSec(): [number, number] {
  const { mech } = bootMech(layout(1));
  const n = 200_000;
  let t0 = performance.now();
  for (let id = 0; id < n; id++) mech.ws.touch(id, 'file');
  const first = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let r = 0; r < 5; r++) for (let id = 0; id < n; id++) mech.ws.touch(id, 'file');
  const hit = (5 * n) / ((performance.now() - t0) / 1000);
  return [hit, first];
}

function offlineOnce(): [number, number] {
  const { mm, mech } = bootMech(layout(1, 0.5));
  const hp = mech.hotplug;
  const top = hp.firstBlock + hp.nrBlocks - 1;
  const [s, e] = hp.blockRange(top);
  const all = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON);
  for (const p of all) if (p < s || p >= e) mm.freePages(p, 0);
  mm.drainAllPages();
  const c0 = mm.clock.nowNs;
  const t0 = performance.now();
  const r = hp.offlineBlock(top);
  const dt = performance.now() - t0;
  if (r.status !== 'ok') throw new Error(`bench: offline failed: ${r.status}`);
  if (mm.pa.zoneIdxOf(s) !== ZONE_MOVABLE) throw new Error('bench: block not in ZONE_MOVABLE');
  return [dt, (mm.clock.nowNs - c0) / 1e6];
}

function compactOnce(): [number, number] {
  const { mm, mech } = bootMech(layout(1));
  const all = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON);
  for (const p of all) if (p % 2 === 0) mm.freePages(p, 0);
  mm.drainAllPages();
  const t0 = performance.now();
  const r = mech.compaction.compactZone(mm.zones[ZONE_NORMAL]!, -1, { mode: 'sync', wholeZone: true });
  const dt = performance.now() - t0;
  return [dt, r.migrated / (dt / 1000)];
}

export function runMmMechanismsBench(): Record<string, number> {
  const out: Record<string, number> = {};
  migratePagesPerSec(); // warm-up
  out['mech.migrate.pagesPerSec'] = median(Array.from({ length: RUNS }, migratePagesPerSec));
  const contig = Array.from({ length: 3 }, contigOnce);
  out['mech.contig.64MiB.ms'] = median(contig.map((c) => c[0]));
  out['mech.contig.64MiB.simulatedMs'] = median(contig.map((c) => c[1]));
  out['mech.reclaim.scanPagesPerSec'] = median(Array.from({ length: 3 }, reclaimScanPagesPerSec));
  const touch = Array.from({ length: 3 }, touchOpsPerSec);
  out['mech.touch.hit.opsPerSec'] = median(touch.map((t) => t[0]));
  out['mech.touch.first.opsPerSec'] = median(touch.map((t) => t[1]));
  const off = Array.from({ length: 3 }, offlineOnce);
  out['mech.offline.128MiB.ms'] = median(off.map((o) => o[0]));
  out['mech.offline.128MiB.simulatedMs'] = median(off.map((o) => o[1]));
  const comp = Array.from({ length: 3 }, compactOnce);
  out['mech.compact.1GiB.ms'] = median(comp.map((c) => c[0]));
  out['mech.compact.pagesPerSec'] = median(comp.map((c) => c[1]));
  // Per-frame state on the 64 GiB layout of mm.bytesPerPage (fixed list heads amortised the
  // same way); the per-logical-page arrays are sized by the workload, not by DRAM.
  const { mech } = bootMech(benchLayout(64), undefined, 1024);
  mech.ws.touch(0, 'anon');
  out['mech.bytesPerPage'] = mech.bytesPerPage();
  return out;
}
