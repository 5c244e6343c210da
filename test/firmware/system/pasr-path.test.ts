import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { bootBoard } from '../../../firmware/boot/boot.js';
import { programMasks, selfRefreshCycle } from '../../../firmware/pasr/self-refresh.js';
import { checkSelfRefreshEntry } from '../../../firmware/pasr/safety.js';
import { unitMasks } from '../../../firmware/pasr/pasr-map.js';
import { GFP_HIGHUSER_MOVABLE } from '../../../firmware/mm/gfp.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { isAllocFailure } from '../../../firmware/mm/page-alloc.js';
import { shippedBoard } from '../boot/boards.js';

const SECOND = 1e9;

function booted(name: string) {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const r = bootBoard(shippedBoard(name), clock, trace);
  if (!r.kernel) throw new Error(r.bootloader.errors.join('\n'));
  return { ...r, kernel: r.kernel, trace, clock, drivers: r.bootloader.drivers };
}

function allocAnon(mm: ReturnType<typeof booted>['kernel']['mm'], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (isAllocFailure(p)) break;
    out.push(p);
  }
  return out;
}

describe('the PASR path', () => {
  it('loses a page only when it was live at entry and unrefreshed in that cycle: data written after a refresh survives', () => {
    const { board, kernel, drivers } = booted('pandaboard-es');
    const unit = kernel.pasr.units[7]!;
    programMasks(board, drivers, unitMasks(unit));
    const first = selfRefreshCycle(board, drivers, kernel.mm.memmap, SECOND);
    expect([first.violations.length, first.lostPages, first.poisonedPages]).toEqual([0, 0, 32768]);
    programMasks(
      board,
      drivers,
      unitMasks(unit).map((m) => ({ ...m, segmentMask: 0 })),
    );
    // New data lands in the frames unit 7 lost: it was refreshed (awake) before being written.
    const pages = allocAnon(kernel.mm, 60000);
    const inUnit = pages.filter((p) => p >= unit.ranges[0]!.startPfn && p < unit.ranges[0]!.endPfn).length;
    expect(inUnit).toBeGreaterThan(20000);
    const second = selfRefreshCycle(board, drivers, kernel.mm.memmap, SECOND);
    expect([second.violations.length, second.lostPages, second.poisonedPages]).toEqual([0, 0, 0]);
  });

  it('checks the masks a PRCMU mailbox will latch at entry, not the dies’ current MR17', () => {
    const { board, kernel, drivers } = booted('snowball');
    const pages = allocAnon(kernel.mm, 20000);
    const unit = kernel.pasr.units.find((u) =>
      pages.some((p) => u.ranges.some((r) => p >= r.startPfn && p < r.endPfn)),
    )!;
    expect(programMasks(board, drivers, unitMasks(unit))).toEqual([]);
    // The mailbox holds the masks; the dies still hold MR17 = 0 until they enter self-refresh.
    expect(board.dies.map((d) => d.mr17)).toEqual([0, 0]);
    const atEntry = checkSelfRefreshEntry(board, kernel.mm.memmap);
    expect(atEntry.length).toBeGreaterThan(0);
    expect(atEntry.every((v) => v.segmentMask === 2 ** unit.bit)).toBe(true);
    const r = selfRefreshCycle(board, drivers, kernel.mm.memmap, SECOND);
    expect(r.violations.length).toBe(atEntry.length);
    expect(r.lostPages).toBeGreaterThan(0);
    expect(r.lostPages).toBe(atEntry.reduce((n, v) => n + v.livePages, 0));
  });

  it('freezes kswapd and kcompactd for suspend: no reclaim runs while the dies are in self-refresh', () => {
    const { board, kernel, drivers } = booted('imx6sl-evk');
    const { mm, mech } = kernel;
    // The freezer runs first (suspend), then memory falls below the low watermark: kswapd is
    // woken but frozen, so its work waits.
    mech.freeze();
    for (let id = 0; id < mech.ws.capacity && !mech.reclaim.kswapdPending; id++) {
      if (!mech.ws.touch(id, 'file').ok) break;
    }
    expect(mech.reclaim.kswapdPending).toBe(true);
    const scanned = mm.events.pgscan_kswapd;
    const r = selfRefreshCycle(board, drivers, mm.memmap, SECOND);
    expect(r.errors).toEqual([]);
    expect(mm.events.pgscan_kswapd).toBe(scanned);
    expect(mech.reclaim.kswapdPending).toBe(true);
    mech.thaw();
    board.clock.advance(1);
    expect(mm.events.pgscan_kswapd).toBeGreaterThan(scanned);
  });

  it('never nests alarms: one that falls due while another charges its cost fires after it returns', () => {
    const clock = new SimClock();
    const order: string[] = [];
    clock.schedule(10, () => {
      order.push(`a start ${clock.nowNs}`);
      clock.advance(100); // a mechanism charging 100 ns
      order.push(`a end ${clock.nowNs}`);
    });
    clock.schedule(50, () => order.push(`b ${clock.nowNs}`));
    clock.advance(20);
    expect(order).toEqual(['a start 10', 'a end 110', 'b 110']);
    expect(clock.nowNs).toBe(110);
  });

  it('holds balloon pages: no scanner moves them and their frames are never handed out', () => {
    const { kernel } = booted('imx8mm-evk');
    const { mm, mech } = kernel;
    // A movable block of ZONE_MOVABLE (not the top one, which holds the OP-TEE carve-out).
    const blocks = mech.hotplug.blocksIn('online');
    const block = blocks[blocks.length - 2]!;
    const [start, end] = mech.hotplug.blockRange(block);
    const got = mech.contig.allocContigRange(start, start + 512, { kind: PageKind.BALLOON });
    expect(got.ok).toBe(true);
    // Fill the rest of the block's neighbourhood with movable pages, then try every scanner.
    allocAnon(mm, 2000);
    const compactBefore = mm.events.pgmigrate_success;
    mech.compaction.compactNode();
    for (let p = start; p < start + 512; p++) expect(mm.memmap.kind(p - mm.memmap.startPfn)).toBe(PageKind.BALLOON);
    expect(mm.events.pgmigrate_success - compactBefore).toBeGreaterThanOrEqual(0);
    const contig = mech.contig.allocContigRange(start, start + 1024);
    expect(contig.ok).toBe(false);
    const off = mech.hotplug.offlineBlock(block);
    expect(off.status).toBe('busy');
    for (let p = start; p < start + 512; p++) expect(mm.memmap.kind(p - mm.memmap.startPfn)).toBe(PageKind.BALLOON);
    // Allocating everything else never returns a held frame.
    const all = allocAnon(mm, mm.memmap.nrPages);
    expect(all.some((p) => p >= start && p < start + 512)).toBe(false);
    expect(end).toBeGreaterThan(start);
    mech.checkInvariants();
  });
});
