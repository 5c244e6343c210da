import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Board } from '../../../hal/board/board.js';
import { SimClock } from '../../../hal/clock.js';
import { arrayShareAt } from '../../../hal/lpddr/array-share.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { buildPasrMap } from '../../../firmware/pasr/pasr-map.js';
import { analyzeMemory, checkMemoryReport, type MemoryReport } from '../../../firmware/snapshot/memory-report.js';
import {
  arrayPowerModel,
  boardPowerModel,
  boardSpecs,
  checkPasrEstimate,
  estimatePasr,
  segmentSpecs,
} from '../../../firmware/snapshot/pasr-estimate.js';
import { boardToMachine } from '../../../firmware/snapshot/ram-layout.js';
import type { LoadedSnapshot } from '../../../cli/snapshot/read-snapshot.js';
import { shippedBoard } from '../boot/boards.js';
import { BUSY, DROPPED, loadSnapshot } from './snapshots.js';

const GIB = 2 ** 30;
let busy: LoadedSnapshot;
let busyMemory: MemoryReport;
let dropped: LoadedSnapshot;
let droppedMemory: MemoryReport;
beforeAll(async () => {
  busy = await loadSnapshot(BUSY);
  busyMemory = analyzeMemory(busy.data);
  dropped = await loadSnapshot(DROPPED);
  droppedMemory = analyzeMemory(dropped.data);
});

function bySegments(s: LoadedSnapshot, bytes: number) {
  const specs = segmentSpecs(s.data.layout, bytes);
  return estimatePasr(s.data.kinds, s.data.layout, specs, 'segments', arrayPowerModel(specs, 45), 45);
}

function onBoard(s: LoadedSnapshot, name: string) {
  const config = shippedBoard(name);
  const clock = new SimClock();
  const board = new Board(config, clock, new TraceBus(clock, false));
  const map = buildPasrMap(config, board.addressMap);
  const e = estimatePasr(
    s.data.kinds,
    s.data.layout,
    boardSpecs(board, map, s.data.layout),
    name,
    boardPowerModel(board, map, undefined),
    config.temperatureC,
  );
  return { e, board, map };
}

describe('what PASR could save on a real machine', () => {
  it('cuts the RAM laid end to end into segments that hold every page once', () => {
    for (const [s, m] of [
      [busy, busyMemory],
      [dropped, droppedMemory],
    ] as const) {
      checkMemoryReport(m, s.data);
      for (const bytes of [GIB, 512 * 2 ** 20, 3 * GIB]) {
        const e = bySegments(s, bytes);
        checkPasrEstimate(e, m);
        expect(e.segments.length).toBe(Math.ceil((m.ramPages * 4096) / bytes));
      }
    }
  });

  it('leaves unrefreshed a segment full of clean page cache for the oracle, dropping it and moving nothing', () => {
    const e = bySegments(busy, GIB);
    // The 5 GiB file read into the page cache fills segments 9 and 10 with clean page cache only.
    for (const i of [9, 10]) {
      const s = e.segments[i]!;
      expect(s.fileCleanPages).toBe(s.pages);
      expect(s.state).toBe('movable');
      expect(e.saving.masked.oracle).toContain(i);
      expect(e.saving.masked.afterMigration).toContain(i);
    }
    expect(e.saving.masked.now).toEqual([1]);
    expect(e.saving.pagesMoved.oracle).toBe(0);
    expect(e.saving.cleanDropped).toBe(e.segments[9]!.pages + e.segments[10]!.pages);
    expect(e.saving.pagesMoved.afterMigration).toBe(e.saving.cleanDropped);
  });

  it('lets the pages with no flag pin their segment, and says what they would allow if they held no data', () => {
    const e = bySegments(dropped, GIB);
    // Above 9.25 GiB (pfn 0x250000) this kernel has not brought its RAM up yet: no flag at all.
    const lazy = e.segments.filter((s) => s.unknownPages === s.pages);
    expect(lazy.length).toBeGreaterThanOrEqual(14);
    for (const s of lazy) {
      expect(s.state).toBe('unknown');
      expect(e.saving.masked.oracle).not.toContain(s.index);
      expect(e.ifUnknownEmpty.masked.now).toContain(s.index);
    }
    expect(e.ifUnknownEmpty.savingPercent.oracle).toBeGreaterThan(e.saving.savingPercent.oracle);
  });

  it('states the saving of a plain array as the unrefreshed share times arrayShare, with its band', () => {
    const e = bySegments(busy, GIB);
    const share = arrayShareAt(45);
    const unrefreshed = e.saving.arrayUnrefreshedPercent.oracle;
    expect(unrefreshed).toBeCloseTo((100 * 3 * GIB) / (busyMemory.ramPages * 4096), 6);
    expect(e.saving.savingPercent.oracle).toBeCloseTo(unrefreshed * share.mid, 9);
    expect(e.saving.savingBand.oracle.low).toBeCloseTo(unrefreshed * share.low, 9);
    expect(e.saving.savingBand.oracle.high).toBeCloseTo(unrefreshed * share.high, 9);
  });

  it("stretches the machine's RAM onto a board's DRAM: each PASR unit holds its share of the RAM", () => {
    const { e, map } = onBoard(busy, 'pandaboard-es');
    checkPasrEstimate(e, busyMemory);
    expect(e.segments.length).toBe(map.units.length);
    const pages = e.segments.map((s) => s.pages);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(busyMemory.ramPages);
    for (const p of pages) expect(Math.abs(p - busyMemory.ramPages / 8)).toBeLessThanOrEqual(1);
  });

  it('saves what `pasr power` says one masked unit saves on pandaboard-es, per unit masked', () => {
    const { board, map } = onBoard(busy, 'pandaboard-es');
    const power = boardPowerModel(board, map, undefined);
    const one = new Uint8Array(8);
    one[7] = 1;
    // pasr power: 10.560 mW in self-refresh, one unit masked saves 0.393 mW (0.239-0.528).
    expect(power(one).mid).toBeCloseTo((100 * 0.393) / 10.56, 1);
    expect(power(one).low).toBeCloseTo((100 * 0.239) / 10.56, 1);
    const three = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(power(three).mid).toBeCloseTo(3 * power(one).mid, 9);
  });

  it('maps board frames onto machine pages as a partition, in order, for any sizes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 26 }),
        fc.integer({ min: 1, max: 2 ** 26 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (boardPages, machinePages, cuts) => {
          const points = [0, ...cuts.map((c) => Math.floor(c * boardPages)).sort((a, b) => a - b), boardPages];
          let next = 0;
          for (let i = 1; i < points.length; i++) {
            const m = boardToMachine(points[i - 1]!, points[i]!, boardPages, machinePages);
            expect(m.from).toBe(next);
            expect(m.to).toBeGreaterThanOrEqual(m.from);
            next = m.to;
          }
          expect(next).toBe(machinePages);
        },
      ),
    );
  });
});
