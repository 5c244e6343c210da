import { describe, expect, it } from 'vitest';
import { BIG, BIG_CONTROLLERS, GIB, IMX6SL, IMX8MM, MIB, PAGE, PANDA, SIX, mapOf } from './boards.js';

const pfn = (pa: number): number => pa / PAGE;

describe('AddressMap.cover on the PandaBoard (2 EMIF x 2 CS, 128-byte interleave)', () => {
  const map = mapOf(PANDA);
  const all = ['emif1.cs0', 'emif1.cs1', 'emif2.cs0', 'emif2.cs1'];

  it('makes segment S on all four dies one contiguous 128 MiB range at 0x80000000 + S * 128 MiB', () => {
    for (let s = 0; s < 8; s++) {
      const c = map.cover(all, { segment: s });
      c.checkInvariants();
      const start = 0x80000000 + s * 128 * MIB;
      expect(c.shape).toBe('contiguous');
      expect(c.bytes).toBe(128 * MIB);
      expect(c.pfnCount).toBe((128 * MIB) / PAGE);
      expect(c.ranges).toEqual([{ startPfn: pfn(start), endPfn: pfn(start + 128 * MIB) }]);
      expect(c.granuleBytes).toBe(128 * MIB);
    }
  });

  it('finds no whole page in a segment of one EMIF alone (both its chip selects): sub-page, 64 MiB of array', () => {
    const c = map.cover(['emif1.cs0', 'emif1.cs1'], { segment: 3 });
    c.checkInvariants();
    expect(c.shape).toBe('sub-page');
    expect(c.bytes).toBe(64 * MIB);
    expect(c.pfnCount).toBe(0);
    expect(c.ranges).toEqual([]);
    expect(c.granuleBytes).toBe(128);
  });

  it('makes a segment of one chip select on both EMIFs 32 KiB-strided: 8 pages every 16', () => {
    const c = map.cover(['emif1.cs1', 'emif2.cs1'], { segment: 2 });
    c.checkInvariants();
    expect(c.shape).toBe('strided');
    expect(c.bytes).toBe(64 * MIB);
    expect(c.pfnCount).toBe((64 * MIB) / PAGE);
    expect(c.runPfns).toBe(8);
    expect(c.stridePfns).toBe(16);
    expect(c.granuleBytes).toBe(32 * 1024);
    const first = pfn(0x80000000 + 2 * 128 * MIB + 32 * 1024);
    expect(c.ranges[0]).toEqual({ startPfn: first, endPfn: first + 8 });
    expect(c.rangeCount).toBe(2048);
  });

  it('makes bank b on all dies every 8th 4 KiB page of the whole GiB', () => {
    const c = map.cover(all, { bank: 5 });
    c.checkInvariants();
    expect(c.shape).toBe('strided');
    expect(c.runPfns).toBe(1);
    expect(c.stridePfns).toBe(8);
    expect(c.rangeCount).toBe(GIB / PAGE / 8);
    expect(c.ranges[0]).toEqual({ startPfn: pfn(0x80000000) + 5, endPfn: pfn(0x80000000) + 6 });
    expect(c.bytes).toBe(GIB / 8);
  });

  it('touches 8 pages of every 16 when one die masks a segment (what gets poisoned)', () => {
    const c = map.cover(['emif2.cs0'], { segment: 7 }, 'touched');
    c.checkInvariants();
    expect(c.shape).toBe('strided');
    expect(c.bytes).toBe(32 * MIB);
    expect(c.pfnCount).toBe((64 * MIB) / PAGE);
    expect(c.runPfns).toBe(8);
    expect(c.stridePfns).toBe(16);
    expect(c.ranges[0]!.startPfn).toBe(pfn(0x80000000 + 7 * 128 * MIB));
  });

  it('reports a die segment as 32 MiB and a die bank as 64 MiB', () => {
    for (const id of all) {
      expect(map.segmentBytes(id)).toBe(32 * MIB);
      expect(map.bankBytes(id)).toBe(32 * MIB);
      expect(map.segmentsOf(id)).toBe(8);
    }
    map.checkInvariants();
  });

  it('answers membership of single page frames', () => {
    const c = map.cover(all, { bank: 3 });
    expect(c.has(pfn(0x80000000) + 3)).toBe(true);
    expect(c.has(pfn(0x80000000) + 4)).toBe(false);
    expect(c.has(pfn(0x80000000) + 8 * 1000 + 3)).toBe(true);
    expect(c.has(pfn(0x80000000) - 5)).toBe(false);
  });

  it('serializes to the JSON the map command prints', () => {
    const c = map.cover(all, { segment: 1 });
    expect(JSON.parse(JSON.stringify(c))).toEqual({
      shape: 'contiguous',
      bytes: 128 * MIB,
      pfnCount: 32768,
      granuleBytes: 128 * MIB,
      ranges: [{ startPfn: pfn(0x88000000), endPfn: pfn(0x90000000) }],
    });
  });

  it('rejects unknown dies, out-of-range segments and banks, and an empty die list', () => {
    expect(() => map.cover(['emif3.cs0'], { segment: 0 })).toThrow(
      "unknown die 'emif3.cs0' (dies: emif1.cs0, emif1.cs1, emif2.cs0, emif2.cs1)",
    );
    expect(() => map.cover(all, { segment: 8 })).toThrow('cover: segment 8 is not 0-7');
    expect(() => map.cover(all, { bank: 8 })).toThrow('cover: bank 8 is not 0-7');
    expect(() => map.cover(all, { bank: 1.5 })).toThrow('cover: bank 1.5 is not 0-7');
    expect(() => map.cover([], { bank: 1 })).toThrow('cover: no dies given');
  });
});

describe('AddressMap.cover on the i.MX6SL EVK (MMDC row-bank-column, CS bit 29)', () => {
  const map = mapOf(IMX6SL);
  it('makes a segment on one chip select a contiguous 64 MiB range', () => {
    for (const [id, cs] of [
      ['mmdc.cs0', 0],
      ['mmdc.cs1', 1],
    ] as const) {
      const c = map.cover([id], { segment: 5 });
      c.checkInvariants();
      const start = 0x80000000 + cs * 512 * MIB + 5 * 64 * MIB;
      expect(c.shape).toBe('contiguous');
      expect(c.bytes).toBe(64 * MIB);
      expect(c.ranges).toEqual([{ startPfn: pfn(start), endPfn: pfn(start + 64 * MIB) }]);
    }
  });
  it('makes a segment on both chip selects two 64 MiB ranges 512 MiB apart', () => {
    const c = map.cover(['mmdc.cs0', 'mmdc.cs1'], { segment: 0 });
    expect(c.shape).toBe('strided');
    expect(c.runPfns).toBe((64 * MIB) / PAGE);
    expect(c.stridePfns).toBe((512 * MIB) / PAGE);
  });
  it('makes bank b every 8th 4 KiB page within a chip select', () => {
    const c = map.cover(['mmdc.cs1'], { bank: 2 });
    expect(c.shape).toBe('strided');
    expect(c.stridePfns).toBe(8);
    expect(c.ranges[0]!.startPfn).toBe(pfn(0xa0000000) + 2);
    expect(c.pfnCount).toBe((512 * MIB) / PAGE / 8);
  });
});

describe('AddressMap.cover on the i.MX8MM EVK (LPDDR4, channel = byte-lane bit 1)', () => {
  const map = mapOf(IMX8MM);
  const both = ['ddrc.rank0.cha', 'ddrc.rank0.chb'];
  it('makes a segment on both channels a contiguous 256 MiB range', () => {
    const c = map.cover(both, { segment: 6 });
    const start = 0x40000000 + 6 * 256 * MIB;
    expect(c.shape).toBe('contiguous');
    expect(c.ranges).toEqual([{ startPfn: pfn(start), endPfn: pfn(start + 256 * MIB) }]);
  });
  it('finds no whole page in a segment of one channel alone', () => {
    const c = map.cover(['ddrc.rank0.chb'], { segment: 6 });
    expect(c.shape).toBe('sub-page');
    expect(c.bytes).toBe(128 * MIB);
    expect(c.granuleBytes).toBe(2);
    expect(map.segmentBytes('ddrc.rank0.chb')).toBe(128 * MIB);
  });
});

describe('AddressMap.cover on a 16 GiB board with 4 controllers, 2 channels and 2 ranks', () => {
  const map = mapOf(BIG);
  const all = BIG.dies.map((d) => d.id);
  const base = pfn(BIG.dramBase);

  it('makes a segment on all 16 dies two 1 GiB ranges, one per rank, 8 GiB apart', () => {
    const c = map.cover(all, { segment: 3 });
    c.checkInvariants();
    expect(c.shape).toBe('strided');
    expect(c.bytes).toBe(2 * GIB);
    expect(c.ranges).toEqual([
      { startPfn: base + pfn(3 * GIB), endPfn: base + pfn(4 * GIB) },
      { startPfn: base + pfn(11 * GIB), endPfn: base + pfn(12 * GIB) },
    ]);
  });

  it('makes a bank on all dies runs of 4 pages every 32 pages, 2 GiB in all', () => {
    const c = map.cover(all, { bank: 5 });
    c.checkInvariants();
    expect(c.shape).toBe('strided');
    expect(c.runPfns).toBe(4);
    expect(c.stridePfns).toBe(32);
    expect(c.pfnCount).toBe((2 * GIB) / PAGE);
    expect(c.rangeCount).toBe((16 * GIB) / PAGE / 32);
    expect(c.ranges[c.rangeCount - 1]).toEqual({
      startPfn: base + pfn(16 * GIB) - 12,
      endPfn: base + pfn(16 * GIB) - 8,
    });
  });

  it('finds a segment of one controller sub-page (controller bits 8-9 interleave inside a page)', () => {
    const one = all.filter((id) => id.startsWith('ddrc2.'));
    const c = map.cover(one, { segment: 0 });
    expect(c.shape).toBe('sub-page');
    expect(c.bytes).toBe(GIB / 2);
    expect(c.granuleBytes).toBe(256);
  });

  it('agrees with decode() byte by byte on sampled pages', () => {
    const rank1 = all.filter((id) => id.includes('rank1'));
    const c = map.cover(rank1, { bank: 6 });
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 40; i++) {
      const p = base + rnd(BIG.dramSize / PAGE);
      let whole = true;
      for (let off = 0; off < PAGE; off += 2) {
        const d = map.decode(p * PAGE + off);
        if (!(d.rank === 1 && d.bank === 6)) {
          whole = false;
          break;
        }
      }
      expect(c.has(p)).toBe(whole);
    }
    expect(c.shape).toBe('strided');
    expect(c.ranges[0]!.startPfn).toBe(base + pfn(8 * GIB) + 24);
  });

  it('poisons the touched pages of one die into a per-page array', () => {
    const pages = new Uint8Array(BIG.dramSize / PAGE);
    const n = map.fillTouched(pages, base, 'ddrc1.rank0.cha', 0b1, 0b1000_0000);
    // Bank 0 or segment 7 of one die: every page of rank 0 in bank 0 (1/8 of 8 GiB) plus the
    // segment-7 GiB, minus their overlap (1/8 of that GiB).
    const expected = (GIB + GIB - GIB / 8) / PAGE;
    expect(n).toBe(expected);
    expect(pages.reduce((a, v) => a + v, 0)).toBe(expected);
    expect(pages[pfn(7 * GIB) + 4]).toBe(1);
    expect(pages[pfn(8 * GIB)]).toBe(0);
  });

  it('lists controllers in bit order', () => {
    expect(map.decode(BIG.dramBase + 3 * 256).controller).toBe(BIG_CONTROLLERS[3]);
  });
});

describe('AddressMap on a 6 GiB board with 12 Gb-per-channel dies (rows not a power of two)', () => {
  const map = mapOf(SIX);
  const all = SIX.dies.map((d) => d.id);
  it('has six segments per die, of 2^14 rows', () => {
    expect(map.segmentsOf('ddrc.rank0.cha')).toBe(6);
    expect(map.segmentBytes('ddrc.rank0.cha')).toBe(256 * MIB);
    expect(map.dieBytes('ddrc.rank1.chb')).toBe(1.5 * GIB);
    map.checkInvariants();
  });
  it('makes segments 6 and 7 empty', () => {
    expect(map.cover(all, { segment: 6 }).shape).toBe('empty');
    expect(map.cover(all, { segment: 7 }).bytes).toBe(0);
    expect(map.cover(['ddrc.rank1.cha'], { segment: 7 }, 'touched').pfnCount).toBe(0);
  });
  it('makes segment 5 of both channels of rank 1 one 512 MiB range in the second region', () => {
    const c = map.cover(['ddrc.rank1.cha', 'ddrc.rank1.chb'], { segment: 5 });
    const start = 0x40000000 + 3 * GIB + 5 * 512 * MIB;
    expect(c.ranges).toEqual([{ startPfn: pfn(start), endPfn: pfn(start + 512 * MIB) }]);
  });
  it('merges ranges across the region boundary', () => {
    const c = map.cover(all, { bank: 0 }, 'whole');
    expect(c.shape).toBe('strided');
    expect(c.pfnCount).toBe((6 * GIB) / PAGE / 8);
  });
});
