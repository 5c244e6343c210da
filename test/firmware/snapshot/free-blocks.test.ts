import { describe, expect, it } from 'vitest';
import { checkFreeBlocks, rebuildFreeBlocks, type ZoneSpan } from '../../../firmware/snapshot/free-blocks.js';
import { FrameKind } from '../../../firmware/snapshot/kpageflags.js';
import { analyzeMemory, checkMemoryReport } from '../../../firmware/snapshot/memory-report.js';
import { RamLayout } from '../../../firmware/snapshot/ram-layout.js';
import { BUSY, DROPPED, loadSnapshot, rawFlags, variantOf } from './snapshots.js';

const F = FrameKind.FREE;
const U = FrameKind.UNKNOWN;
const K = FrameKind.KERNEL;

/** 32 page frames of RAM in one zone; `free` and `heads` list pfns. */
function tiny(kinds: number[], buddyBlocks: number[]) {
  const layout = new RamLayout([{ start: 0, end: 32 * 4096, line: 1, name: 'System RAM' }], 4096);
  const zones: ZoneSpan[] = [{ node: 0, name: 'Normal', startPfn: 0, endPfn: 32, buddyBlocks }];
  const k = Uint8Array.from({ length: 32 }, (_, i) => kinds[i] ?? K);
  return { layout, zones, k };
}

describe('free blocks rebuilt from kpageflags', () => {
  it('cuts runs of buddy pages into the aligned blocks the kernel keeps (every page flagged)', () => {
    const kinds: number[] = [];
    for (let p = 8; p < 18; p++) kinds[p] = F; // an order-3 block at 8 and an order-1 block at 16
    kinds[20] = F;
    const { layout, zones, k } = tiny(kinds, [1, 1, 0, 1]);
    const fb = rebuildFreeBlocks(k, layout, zones, 4);
    expect(fb.marking).toBe('every-page');
    expect([...fb.starts]).toEqual([8, 16, 20]);
    expect([...fb.blockOrders]).toEqual([3, 1, 0]);
    expect(fb.zones[0]!.blocks).toEqual([1, 1, 0, 1]);
    checkFreeBlocks(fb, k, layout, zones);
  });

  it('rebuilds blocks from their heads with the orders buddyinfo counts (head only flagged)', () => {
    const kinds: number[] = Array(32).fill(K);
    kinds[0] = F; // head; 1-3 unflagged: an order-2 bound, but buddyinfo has no order-2 block left for it
    kinds[1] = kinds[2] = kinds[3] = U;
    kinds[8] = F; // head of an order-3 block: 9-15 unflagged
    for (let p = 9; p < 16; p++) kinds[p] = U;
    kinds[16] = F; // order-1 head: 17 unflagged, 18 flagged
    kinds[17] = U;
    const { layout, zones, k } = tiny(kinds, [0, 2, 0, 1]);
    const fb = rebuildFreeBlocks(k, layout, zones, 4);
    expect(fb.marking).toBe('head-only');
    expect([...fb.starts]).toEqual([0, 8, 16]);
    expect([...fb.blockOrders]).toEqual([1, 3, 1]);
    expect(fb.freePages).toBe(2 + 8 + 2);
    // Pages 2-3 after the order-1 block at 0 stay unknown: per-cpu free pages or unflagged kernel pages.
    expect([k[1], k[2], k[3]]).toEqual([F, U, U]);
    expect(fb.unmatchedHeads).toBe(0);
    checkFreeBlocks(fb, k, layout, zones);
  });

  it("on this machine's captures, matches buddyinfo to within what the free lists moved during the copy", async () => {
    for (const dir of [DROPPED, BUSY]) {
      const { data } = await loadSnapshot(dir);
      const m = analyzeMemory(data);
      checkMemoryReport(m, data);
      expect(m.marking).toBe('every-page');
      const drift = Math.abs(m.buddyinfoFreePagesAfter! - m.buddyinfoFreePages);
      const rebuilt = m.freeBlocks.rebuilt.reduce((s, n, o) => s + n * 2 ** o, 0);
      expect(rebuilt).toBe(m.classes.free);
      expect(Math.abs(rebuilt - m.buddyinfoFreePages)).toBeLessThanOrEqual(drift);
      // The large blocks the free lists hold are the large blocks the flags show.
      expect(m.freeBlocks.rebuilt[10]).toBeGreaterThan(0.98 * m.freeBlocks.buddyinfo[10]!);
    }
  });

  it('rebuilds the same memory from the heads alone, as a kernel before 4.7 reports it', async () => {
    const every = await loadSnapshot(DROPPED);
    const em = analyzeMemory(every.data);
    // The same capture with BUDDY cleared on every page of a free block but its first.
    const raw = Buffer.from(rawFlags(DROPPED));
    const heads = new Set<number>();
    const rebuilt = rebuildFreeBlocks(
      Uint8Array.from(every.data.kinds),
      every.data.layout,
      em.zones.map((z) => ({ ...z, buddyBlocks: null })),
      11,
    );
    for (const p of rebuilt.starts) heads.add(p);
    for (let pfn = 0; pfn < raw.length / 8; pfn++) {
      const lo = raw.readUInt32LE(pfn * 8);
      if (lo & 0x400 && !heads.has(pfn)) raw.writeUInt32LE(lo & ~0x400, pfn * 8);
    }
    const dir = variantOf(DROPPED, { 'kpageflags.gz': null, kpageflags: raw });
    const old = await loadSnapshot(dir);
    const om = analyzeMemory(old.data);
    checkMemoryReport(om, old.data);
    expect(om.marking).toBe('head-only');
    expect(om.freeBlocks.flaggedPages).toBe(heads.size);
    // Every head gets a block; the blocks add up to buddyinfo's free pages, to within the drift.
    const drift = Math.abs(em.buddyinfoFreePagesAfter! - em.buddyinfoFreePages);
    expect(Math.abs(om.classes.free - em.buddyinfoFreePages)).toBeLessThanOrEqual(drift + em.pcpPages);
    expect(Math.abs(om.classes.free - em.classes.free)).toBeLessThan(0.01 * em.classes.free);
  });
});
