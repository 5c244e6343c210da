import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { bootBoard } from '../../../firmware/boot/boot.js';
import { programMasks, selfRefreshCycle } from '../../../firmware/pasr/self-refresh.js';
import { checkMasks, formatViolation } from '../../../firmware/pasr/safety.js';
import { unitMasks, checkPasrMapInvariants } from '../../../firmware/pasr/pasr-map.js';
import { GFP_HIGHUSER_MOVABLE } from '../../../firmware/mm/gfp.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { isAllocFailure } from '../../../firmware/mm/page-alloc.js';
import { SHIPPED, shippedBoard } from '../boot/boards.js';
import { hex } from '../../../hal/bits.js';

function booted(name: string) {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const r = bootBoard(shippedBoard(name), clock, trace);
  if (!r.kernel) throw new Error(r.bootloader.errors.join('\n'));
  return { ...r, kernel: r.kernel, trace, clock };
}

const SECOND = 1e9;

describe('PASR map', () => {
  it('pandaboard-es: eight 128 MiB units, each one MR17 bit on all four interleaved dies', () => {
    const { kernel } = booted('pandaboard-es');
    const { pasr } = kernel;
    expect(pasr.groups).toEqual([['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1']]);
    expect(pasr.units.map((u) => [u.bit, u.shape, u.bytes / 2 ** 20, u.ranges[0]!.startPfn * 4096])).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((s) => [s, 'contiguous', 128, 0x8000_0000 + s * 0x0800_0000]),
    );
    expect(pasr.bootParams).toEqual(['ddr_die=1G@0x80000000']);
  });

  it('keeps its invariants on every shipped board', () => {
    for (const name of SHIPPED) {
      const { kernel, board } = booted(name);
      expect(() => checkPasrMapInvariants(board.config, kernel.pasr)).not.toThrow();
      expect(kernel.pasr.units.every((u) => u.usable)).toBe(true);
    }
  });
});

describe('suspend with PASR masks', () => {
  it('masks a free unit, loses its contents in self-refresh, loses no live page, and saves energy', () => {
    const { board, kernel, bootloader, trace } = booted('pandaboard-es');
    const unit = kernel.pasr.units[7]!; // 0xb8000000-0xbfffffff: ZONE_MOVABLE, free after boot
    expect(checkMasks(board, kernel.mm.memmap, unitMasks(unit))).toEqual([]);
    expect(programMasks(board, bootloader.drivers, unitMasks(unit))).toEqual([]);
    expect(board.dies.map((d) => d.mr17)).toEqual([0x80, 0x80, 0x80, 0x80]);

    const rep = selfRefreshCycle(board, bootloader.drivers, kernel.mm.memmap, 10 * SECOND);
    expect(rep.errors).toEqual([]);
    expect(rep.violations).toEqual([]);
    expect(rep.lostPages).toBe(0);
    expect(rep.poisonedPages).toBe(32768); // the unit's 128 MiB, each page counted once
    expect(board.poisonedIn(unit.ranges[0]!.startPfn, unit.ranges[0]!.endPfn)).toBe(32768);
    expect(board.poisonedIn(board.firstPfn, unit.ranges[0]!.startPfn)).toBe(0);
    expect(Object.values(rep.refreshed)).toEqual([7 / 8, 7 / 8, 7 / 8, 7 / 8]);
    expect(rep.energyJ).toBeLessThan(rep.fullArrayEnergyJ);
    // Self-refresh reached the dies through EMIF PWR_MGMT_CTRL, with MR17 latched at entry.
    const enters = trace.ofKind('dram.sr.enter');
    expect(enters.map((e) => [e.die, e.segmentMask, e.refreshedFraction])).toEqual(
      board.dies.map((d) => [d.id, 0x80, 7 / 8]),
    );
  });

  it('reports a live page in a masked segment loudly, and counts it as lost after resume', () => {
    const { board, kernel, bootloader } = booted('pandaboard-es');
    // A movable allocation lands in ZONE_MOVABLE (0xb0000000 up): units 6 and 7.
    const pfn = kernel.mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (isAllocFailure(pfn)) throw new Error('allocation failed');
    const unit = kernel.pasr.units.find((u) => u.ranges.some((r) => pfn >= r.startPfn && pfn < r.endPfn))!;
    expect(unit.index).toBeGreaterThanOrEqual(6);
    const mask = hex(1 << unit.bit, 1);
    programMasks(board, bootloader.drivers, unitMasks(unit));
    const rep = selfRefreshCycle(board, bootloader.drivers, kernel.mm.memmap, SECOND);
    // One 4 KiB page spans both EMIFs (128-byte interleave) but a single chip select (bit 15).
    const cs = (pfn * 4096 - 0x8000_0000) & 0x8000 ? 'cs1' : 'cs0';
    expect(rep.violations.map((v) => [v.die, v.livePages, v.firstPfn])).toEqual([
      [`emif1.${cs}`, 1, pfn],
      [`emif2.${cs}`, 1, pfn],
    ]);
    expect(formatViolation(rep.violations[0]!)).toBe(
      `PASR SAFETY VIOLATION: die emif1.${cs} would enter self-refresh with bank mask 0x0 segment mask ${mask} over 1 live pages (1 anon), first at pfn ${hex(pfn, 1)}`,
    );
    expect(rep.lostPages).toBe(1);
  });

  it('refuses nothing and poisons nothing when no mask is set', () => {
    const { board, kernel, bootloader } = booted('imx8mm-evk');
    const rep = selfRefreshCycle(board, bootloader.drivers, kernel.mm.memmap, SECOND);
    expect(rep).toMatchObject({ violations: [], poisonedPages: 0, lostPages: 0, errors: [] });
    expect(rep.energyJ).toBeCloseTo(rep.fullArrayEnergyJ, 12);
  });

  it('on the PRCMU mailbox the masks only reach the dies at the next self-refresh', () => {
    const { board, kernel, bootloader } = booted('snowball');
    const unit = kernel.pasr.units[7]!;
    expect(programMasks(board, bootloader.drivers, unitMasks(unit))).toEqual([]);
    expect(board.dies.map((d) => d.mr17)).toEqual([0, 0]);
    const rep = selfRefreshCycle(board, bootloader.drivers, kernel.mm.memmap, SECOND);
    expect(rep.errors).toEqual([]);
    expect(board.dies.map((d) => d.mr17)).toEqual([0x80, 0x80]);
    expect(rep.poisonedPages).toBe(unit.pfnCount);
    expect(rep.lostPages).toBe(0);
  });
});
