import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { assertValidLayout, validateLayout, type MemoryLayout } from '../../../firmware/mm/layout.js';
import { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { layout } from './helpers.js';

const twoZones = (over: Partial<MemoryLayout> = {}): MemoryLayout =>
  layout({
    startPfn: 0x80000,
    nrPages: 0x2000,
    maxOrder: 10,
    pageblockOrder: 9,
    zones: [
      { name: 'DMA32', startPfn: 0x80000, endPfn: 0x81000 },
      { name: 'Normal', startPfn: 0x81000, endPfn: 0x82000 },
    ],
    ...over,
  });

describe('memory layout validation', () => {
  it('accepts a well-formed layout', () => {
    expect(
      validateLayout(
        twoZones({
          reserved: [{ name: 'kernel', startPfn: 0x80000, endPfn: 0x80100 }],
          cma: [{ name: 'cma', startPfn: 0x81000, endPfn: 0x81400 }],
        }),
      ),
    ).toEqual([]);
  });

  it('reports a gap between zones, an overlap, and memory left outside every zone', () => {
    const gap = validateLayout(
      twoZones({
        zones: [
          { name: 'DMA32', startPfn: 0x80000, endPfn: 0x80f00 },
          { name: 'Normal', startPfn: 0x81000, endPfn: 0x82000 },
        ],
      }),
    );
    expect(gap).toEqual([
      'zones[1] (Normal): gap of 256 pages before it (previous zone or DRAM start ends at 0x80f00, this zone starts at 0x81000)',
    ]);
    const overlap = validateLayout(
      twoZones({
        zones: [
          { name: 'DMA32', startPfn: 0x80000, endPfn: 0x81100 },
          { name: 'Normal', startPfn: 0x81000, endPfn: 0x82000 },
        ],
      }),
    );
    expect(overlap[0]).toMatch(/zones\[1\] \(Normal\): overlaps the previous zone by 256 pages/);
    const short = validateLayout(twoZones({ zones: [{ name: 'DMA32', startPfn: 0x80000, endPfn: 0x81000 }] }));
    expect(short).toEqual([
      'zones: the last zone ends at 0x81000 but DRAM [0x80000, 0x82000) continues: 4096 pages belong to no zone',
    ]);
  });

  it('reports zones out of order, unknown names and ranges outside DRAM', () => {
    const errs = validateLayout(
      twoZones({
        zones: [
          { name: 'Normal', startPfn: 0x80000, endPfn: 0x81000 },
          { name: 'DMA32', startPfn: 0x81000, endPfn: 0x83000 },
        ],
      }),
    );
    expect(
      errs.some((e) => /zones\[1\] \(DMA32\): zones must be in the order DMA < DMA32 < Normal < Movable/.test(e)),
    ).toBe(true);
    expect(
      errs.some((e) => /zones\[1\] \(DMA32\): range \[0x81000, 0x83000\) is outside DRAM \[0x80000, 0x82000\)/.test(e)),
    ).toBe(true);
    const bad = validateLayout(twoZones({ zones: [{ name: 'HighMem' as never, startPfn: 0x80000, endPfn: 0x82000 }] }));
    expect(bad[0]).toMatch(/zones\[0\] \(HighMem\): name must be one of DMA, DMA32, Normal, Movable/);
  });

  it('reports overlapping reserved ranges, CMA over a reservation, misaligned CMA and CMA across zones', () => {
    const errs = validateLayout(
      twoZones({
        reserved: [
          { name: 'fw', startPfn: 0x80000, endPfn: 0x80010 },
          { name: 'kernel', startPfn: 0x80008, endPfn: 0x80100 },
        ],
        cma: [
          { name: 'cma0', startPfn: 0x80080, endPfn: 0x80280 },
          { name: 'cma1', startPfn: 0x80e00, endPfn: 0x81200 },
        ],
      }),
    );
    expect(errs).toContain(
      'reserved[1] (kernel): range [0x80008, 0x80100) overlaps reserved[0] (fw) [0x80000, 0x80010)',
    );
    expect(errs).toContain(
      'cma[0] (cma0): range [0x80080, 0x80280) is not aligned to pageblocks of 512 pages (CMA_MIN_ALIGNMENT_PAGES)',
    );
    expect(errs).toContain('cma[0] (cma0): range [0x80080, 0x80280) overlaps reserved[1] (kernel) [0x80008, 0x80100)');
    expect(errs).toContain(
      'cma[1] (cma1): range [0x80e00, 0x81200) spans zones DMA32 and Normal; a CMA area must lie in one zone',
    );
  });

  it('reports bad scalar fields, including pfns beyond 31 bits and pageblock order above MAX_PAGE_ORDER', () => {
    const errs = validateLayout(
      twoZones({
        pageShift: 13.5,
        maxOrder: 4,
        pageblockOrder: 9,
        nrCpus: 0,
        swapPages: -1,
        watermarkScaleFactor: 5000,
      }),
    );
    expect(errs).toEqual([
      'pageShift: 13.5 is not an integer in [10, 16] (12 = 4 KiB pages)',
      'pageblockOrder: 9 is not an integer in [0, maxOrder=4]',
      'swapPages: -1 is not a non-negative integer',
      'nrCpus: 0 is not an integer in [1, 1024]',
      "watermarkScaleFactor: 5000 is not an integer in [1, 3000] (the sysctl's range)",
    ]);
    expect(validateLayout(layout({ startPfn: 0x7fffff00, nrPages: 0x200 }))[0]).toMatch(/exceeds 0x7fffffff/);
  });

  it('survives hostile input without throwing', () => {
    expect(validateLayout(null as never)).toEqual(['layout: expected an object']);
    const junk = validateLayout({ zones: 'x', reserved: [null], cma: [{}] } as never);
    expect(junk.length).toBeGreaterThan(3);
    expect(
      validateLayout(twoZones({ reserved: [null as never], cma: [{ name: 'c', startPfn: 'a' } as never] })),
    ).toEqual([
      'reserved[0] (undefined): expected an object with startPfn and endPfn',
      'cma[0] (c): startPfn/endPfn must be integers (got a, undefined)',
    ]);
  });

  it('makes the memory manager refuse an invalid layout with every problem listed and the origin named', () => {
    const bad = twoZones({ nrCpus: 0, reserved: [{ name: 'k', startPfn: 0x90000, endPfn: 0x90001 }] });
    expect(() => assertValidLayout(bad, 'board-configs/x.jsonc')).toThrow(
      /^board-configs\/x\.jsonc: invalid memory layout:\n {2}- nrCpus: 0/,
    );
    expect(() => new MemoryManager(bad, new SimClock())).toThrow(
      /reserved\[0\] \(k\): range \[0x90000, 0x90001\) is outside DRAM/,
    );
  });
});
