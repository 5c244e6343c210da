import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AddressBits, AddressMapConfig, AddressRegion } from '../../../hal/board/board-config.js';
import { AddressMap, type AddressMapDie } from '../../../hal/address-map/address-map.js';
import type { CoverShape, PfnRange } from '../../../hal/address-map/cover-result.js';
import { BIG, IMX6SL, IMX8MM, PANDA, SIX, mapOf, type Board } from './boards.js';

/** A random small address map: every coordinate gets a few bits, scattered over N address bits. */
interface RandomMap {
  readonly board: Board;
  readonly pageShift: number;
}

const COORDS = ['controller', 'channel', 'rank', 'bank', 'row', 'column', 'byte'] as const;

const randomMap: fc.Arbitrary<RandomMap> = fc
  .record({
    controller: fc.integer({ min: 0, max: 2 }),
    channel: fc.integer({ min: 0, max: 1 }),
    rank: fc.integer({ min: 0, max: 1 }),
    bank: fc.integer({ min: 1, max: 3 }),
    row: fc.integer({ min: 3, max: 5 }),
    column: fc.integer({ min: 1, max: 3 }),
    byte: fc.integer({ min: 0, max: 2 }),
    perChannel: fc.boolean(),
    rowsCut: fc.boolean(),
    twoRegions: fc.boolean(),
  })
  .chain((c) => {
    const n = COORDS.reduce((a, k) => a + c[k], 0);
    return fc.record({
      c: fc.constant(c),
      keys: fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }),
      pageShift: fc.integer({ min: 2, max: Math.max(2, n - 3) }),
      baseBlocks: fc.integer({ min: 0, max: 3 }),
    });
  })
  .map(({ c, keys, pageShift, baseBlocks }) => {
    const n = keys.length;
    const perm = keys
      .map((k, i) => [k, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => i);
    let at = 0;
    const bits = {} as Record<(typeof COORDS)[number], number[]>;
    for (const k of COORDS) {
      bits[k] = perm.slice(at, at + c[k]);
      at += c[k];
    }
    const controllers = Array.from({ length: 2 ** c.controller }, (_, i) => `c${i}`);
    const perChannel = c.perChannel && c.channel > 0;
    const channels = perChannel ? ['a', 'b'] : [];
    const twoRegions = c.twoRegions && c.rank === 0;
    const ranks = twoRegions ? 2 : 2 ** c.rank;
    const rows = c.rowsCut ? (2 ** c.row * 6) / 8 : undefined;
    const dies: AddressMapDie[] = [];
    for (const ctl of controllers) {
      for (let r = 0; r < ranks; r++) {
        for (const ch of perChannel ? channels : [undefined]) {
          dies.push({ id: `${ctl}.r${r}${ch ? `.ch${ch}` : ''}`, controller: ctl, rank: r, channel: ch, rows });
        }
      }
    }
    const regionSize = twoRegions ? (2 ** n * 3) / 4 : 2 ** n;
    const regions: AddressRegion[] = twoRegions
      ? [
          { offset: 0, size: regionSize, fixed: { rank: 0 } },
          { offset: regionSize, size: regionSize, fixed: { rank: 1 } },
        ]
      : [];
    const config: AddressMapConfig = { controllers, channels, bits: bits as AddressBits, regions, source: 'config' };
    const board: Board = {
      config,
      dramBase: baseBlocks * 2 ** n,
      dramSize: twoRegions ? 2 * regionSize : 2 ** n,
      dies,
    };
    return { board, pageShift: Math.min(pageShift, n - 2) };
  });

/** Byte-by-byte reference: which bytes of DRAM a predicate on (die, bank, segment) selects. */
function bruteForce(m: RandomMap, pred: (die: string, bank: number, seg: number) => boolean): Uint8Array {
  const { config, dramSize, dies } = m.board;
  const out = new Uint8Array(dramSize);
  const regions =
    config.regions.length > 0 ? config.regions : [{ offset: 0, size: dramSize, fixed: {} as AddressRegion['fixed'] }];
  const b = config.bits;
  const val = (a: number, list: readonly number[]): number => list.reduce((v, p, i) => v + (((a >>> p) & 1) << i), 0);
  const rowBits = b.row.length;
  for (const r of regions) {
    for (let a = 0; a < r.size; a++) {
      const ctl = config.controllers[(r.fixed.controller ?? 0) + val(a, b.controller)];
      const ch = config.channels.length > 0 ? config.channels[(r.fixed.channel ?? 0) + val(a, b.channel)] : undefined;
      const rank = (r.fixed.rank ?? 0) + val(a, b.rank);
      const die = dies.find((d) => d.controller === ctl && d.rank === rank && d.channel === ch)!;
      const row = val(a, b.row);
      if (row >= (die.rows ?? 2 ** rowBits)) continue;
      if (pred(die.id, val(a, b.bank), row >>> (rowBits - 3))) out[r.offset + a] = 1;
    }
  }
  return out;
}

function pagesOf(bytes: Uint8Array, m: RandomMap, mode: 'whole' | 'touched'): PfnRange[] {
  const page = 2 ** m.pageShift;
  const base = m.board.dramBase / page;
  const out: PfnRange[] = [];
  for (let p = 0; p * page < bytes.length; p++) {
    let n = 0;
    for (let i = 0; i < page; i++) n += bytes[p * page + i]!;
    const inSet = mode === 'whole' ? n === page : n > 0;
    if (!inSet) continue;
    const last = out[out.length - 1];
    if (last && last.endPfn === base + p) out[out.length - 1] = { startPfn: last.startPfn, endPfn: base + p + 1 };
    else out.push({ startPfn: base + p, endPfn: base + p + 1 });
  }
  return out;
}

function shapeOf(bytes: number, ranges: readonly PfnRange[]): CoverShape {
  if (bytes === 0) return 'empty';
  if (ranges.length === 0) return 'sub-page';
  if (ranges.length === 1) return 'contiguous';
  const run = ranges[0]!.endPfn - ranges[0]!.startPfn;
  const stride = ranges[1]!.startPfn - ranges[0]!.startPfn;
  const regular = ranges.every(
    (r, i) => r.endPfn - r.startPfn === run && (i === 0 || r.startPfn - ranges[i - 1]!.startPfn === stride),
  );
  return regular ? 'strided' : 'irregular';
}

describe('AddressMap.cover against a byte-by-byte reference on random maps', () => {
  it('gives the same page frames, bytes and shape for any dies, segment or bank, whole or touched', () => {
    fc.assert(
      fc.property(
        randomMap,
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('whole' as const, 'touched' as const),
        (m, pick, bySegment, which, mode) => {
          const map = mapOf(m.board, 2 ** m.pageShift);
          const ids = [...new Set(pick.map((i) => m.board.dies[i % m.board.dies.length]!.id))];
          const value = bySegment ? which % 8 : which % map.banks;
          const c = map.cover(ids, bySegment ? { segment: value } : { bank: value }, mode);
          c.checkInvariants();
          const ref = bruteForce(
            m,
            (die, bank, seg) => ids.includes(die) && (bySegment ? seg === value : bank === value),
          );
          const refBytes = ref.reduce((a, v) => a + v, 0);
          const refRanges = pagesOf(ref, m, mode);
          expect(c.bytes).toBe(refBytes);
          expect(c.ranges).toEqual(refRanges);
          expect(c.shape).toBe(shapeOf(refBytes, refRanges));
          if (m.board.config.regions.length === 0 && refBytes > 0) {
            // Granule: 2^(lowest address bit whose flip changes membership).
            let g = Math.log2(m.board.dramSize);
            for (let p = 0; p < g; p++) {
              if (ref.some((v, a) => v !== ref[a ^ (1 << p)])) g = p;
            }
            expect(c.granuleBytes).toBe(2 ** g);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('touches exactly the pages holding a byte of a masked bank or segment of one die', () => {
    fc.assert(
      fc.property(
        randomMap,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        (m, which, banks, segs) => {
          const map = mapOf(m.board, 2 ** m.pageShift);
          const die = m.board.dies[which % m.board.dies.length]!.id;
          const maskedBanks = banks % 2 ** map.banks;
          const got: PfnRange[] = [];
          const n = map.forEachTouchedRange(die, maskedBanks, segs, (startPfn, endPfn) =>
            got.push({ startPfn, endPfn }),
          );
          const ref = bruteForce(
            m,
            (d, bank, seg) => d === die && (((maskedBanks >>> bank) & 1) === 1 || ((segs >>> seg) & 1) === 1),
          );
          const refRanges = pagesOf(ref, m, 'touched');
          expect(got).toEqual(refRanges);
          expect(n).toBe(refRanges.reduce((a, r) => a + r.endPfn - r.startPfn, 0));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('AddressMap.decode and encode', () => {
  const boards: [string, Board][] = [
    ['pandaboard', PANDA],
    ['imx6sl', IMX6SL],
    ['imx8mm', IMX8MM],
    ['16 GiB', BIG],
    ['6 GiB', SIX],
  ];
  for (const [name, board] of boards) {
    it(`round-trips every address of the ${name} map (encode(decode(pa)) = pa)`, () => {
      const map = mapOf(board);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: board.dramSize - 1 }), (off) => {
          const pa = board.dramBase + off;
          const d = map.decode(pa);
          expect(map.encode(d)).toBe(pa);
          expect(map.dieOf(pa)).toBe(d.die);
        }),
        { numRuns: 500 },
      );
    });

    it(`round-trips coordinates of the ${name} map (decode(encode(c)) = c)`, () => {
      const map = mapOf(board);
      const b = board.config.bits;
      fc.assert(
        fc.property(
          fc.constantFrom(...board.dies),
          fc.integer({ min: 0, max: 2 ** b.bank.length - 1 }),
          fc.integer({ min: 0, max: 2 ** b.row.length - 1 }),
          fc.integer({ min: 0, max: 2 ** b.column.length - 1 }),
          fc.integer({ min: 0, max: 2 ** b.byte.length - 1 }),
          (die, bank, row0, column, byte) => {
            const row = row0 % (die.rows ?? 2 ** b.row.length);
            const c = { controller: die.controller, channel: die.channel, rank: die.rank, bank, row, column, byte };
            const d = map.decode(map.encode(c));
            expect({
              controller: d.controller,
              channel: d.channel,
              rank: d.rank,
              bank: d.bank,
              row: d.row,
              column: d.column,
              byte: d.byte,
            }).toEqual(c);
            expect(d.die).toBe(die.id);
            expect(d.segment).toBe(Math.floor(row / 2 ** (b.row.length - 3)));
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('round-trips random maps', () => {
    fc.assert(
      fc.property(
        randomMap.filter((m) => m.board.dies.every((d) => d.rows === undefined)),
        fc.nat(),
        (m, x) => {
          const map = mapOf(m.board, 2 ** m.pageShift);
          const pa = m.board.dramBase + (x % m.board.dramSize);
          expect(map.encode(map.decode(pa))).toBe(pa);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes PandaBoard addresses to the EMIF, chip select, bank, row and column of the TI rule', () => {
    const map = mapOf(PANDA);
    expect(map.decode(0x80000000)).toMatchObject({
      controller: 'emif1',
      rank: 0,
      bank: 0,
      row: 0,
      column: 0,
      byte: 0,
      die: 'emif1.cs0',
    });
    expect(map.decode(0x80000080).die).toBe('emif2.cs0');
    expect(map.decode(0x80008000).die).toBe('emif1.cs1');
    expect(map.decode(0x80003000).bank).toBe(3);
    expect(map.decode(0x80000104).column).toBe(0b100001);
    expect(map.decode(0xbfffffff)).toMatchObject({
      die: 'emif2.cs1',
      row: 2 ** 14 - 1,
      segment: 7,
      bank: 7,
      column: 511,
      byte: 3,
    });
  });

  it('decodes addresses above 4 GiB without 32-bit wrap-around', () => {
    const map = mapOf(BIG);
    const pa = 0x80000000 + 15 * 2 ** 30 + 0x1234a;
    const d = map.decode(pa);
    expect(d.rank).toBe(1);
    expect(d.segment).toBe(7);
    expect(map.encode(d)).toBe(pa);
  });

  it('rejects addresses outside DRAM and coordinates that do not exist, with the reason', () => {
    const map = mapOf(PANDA);
    expect(() => map.decode(0x7fffffff)).toThrow('address 0x7fffffff is outside DRAM 0x80000000-0xbfffffff');
    expect(() => map.decode(0xc0000000)).toThrow('address 0xc0000000 is outside DRAM 0x80000000-0xbfffffff');
    expect(() => map.decode(0x80000000 + 0.5)).toThrow('decode: 2147483648.5 is not an integer address');
    const ok = { controller: 'emif1', rank: 0, bank: 0, row: 0, column: 0, byte: 0 };
    expect(() => map.encode({ ...ok, controller: 'emif9' })).toThrow(
      "encode: unknown controller 'emif9' (controllers: emif1, emif2)",
    );
    expect(() => map.encode({ ...ok, rank: 2 })).toThrow('encode: no die on controller emif1, rank 2');
    expect(() => map.encode({ ...ok, row: 2 ** 14 })).toThrow('encode: row 16384 is beyond die emif1.cs0 (16384 rows)');
    expect(() => map.encode({ ...ok, bank: 8 })).toThrow('encode: bank 8 does not fit 3 bank bits');
    expect(() => map.encode({ ...ok, column: -1 })).toThrow('encode: column -1 is not a non-negative integer');
    const six = mapOf(SIX);
    expect(() =>
      six.encode({ controller: 'ddrc', channel: 'a', rank: 0, bank: 0, row: 98304, column: 0, byte: 0 }),
    ).toThrow('encode: row 98304 is beyond die ddrc.rank0.cha (98304 rows)');
    expect(() => mapOf(IMX8MM).encode({ ...ok, controller: 'ddrc' })).toThrow('encode: a channel (a, b) is required');
  });
});

describe('AddressMap construction', () => {
  it('refuses a map that fails the checker, listing the problems', () => {
    const bad = { ...PANDA, config: { ...PANDA.config, bits: { ...PANDA.config.bits, rank: [] } } };
    expect(() => mapOf(bad)).toThrow(/invalid address map:\n {2}addressMap.bits: bit 15 is used by no coordinate/);
  });
  it('refuses a page size that is not a power of two or a misaligned DRAM base', () => {
    expect(() => new AddressMap(PANDA.config, PANDA.dramBase, PANDA.dramSize, PANDA.dies, 3000)).toThrow(
      'page size 3000 is not a power of two',
    );
    expect(() => new AddressMap(PANDA.config, 0x80000800, PANDA.dramSize, PANDA.dies, 4096)).toThrow(
      'DRAM base 0x80000800 is not a multiple of the page size (4 KiB)',
    );
  });
  it('builds from a loaded board config', () => {
    const map = AddressMap.fromBoard({
      addressMap: IMX8MM.config,
      dramBase: IMX8MM.dramBase,
      dramSize: IMX8MM.dramSize,
      dies: IMX8MM.dies.map((d) => ({ ...d, part: undefined as never })),
      kernel: { pageSize: 4096 } as never,
    } as never);
    expect(map.dieIds).toEqual(['ddrc.rank0.cha', 'ddrc.rank0.chb']);
    expect(map.decode(0x40000002).die).toBe('ddrc.rank0.chb');
  });
});
