import { describe, expect, it } from 'vitest';
import type { AddressBits, AddressMapConfig } from '../../../hal/board/board-config.js';
import { checkAddressBits, type DieGeometry } from '../../../hal/address-map/check.js';
import { BIG, GIB, IMX6SL, IMX8MM, MIB, PANDA, SIX, range, type Board } from './boards.js';

const panda = (bits: Partial<AddressBits>, over: Partial<AddressMapConfig> = {}): AddressMapConfig => ({
  ...PANDA.config,
  ...over,
  bits: { ...PANDA.config.bits, ...bits },
});
/** PandaBoard dies with the geometry of a 2 Gb x32 LPDDR2-S4 part (14 rows, 8 banks, 9 columns). */
const PANDA_DIES: DieGeometry[] = PANDA.dies.map((d) => ({
  ...d,
  rowBits: 14,
  bankBits: 3,
  columnBits: 9,
  byteBits: 2,
}));

describe('checkAddressBits', () => {
  it('accepts the shipped boards', () => {
    for (const b of [PANDA, IMX6SL, IMX8MM, BIG, SIX] as Board[])
      expect(checkAddressBits(b.config, b.dramSize, b.dies)).toEqual([]);
    expect(checkAddressBits(PANDA.config, GIB, PANDA_DIES)).toEqual([]);
  });

  it('names both coordinates of an overlapping bit, and the bit left unused', () => {
    expect(checkAddressBits(panda({ bank: [12, 13, 15] }), GIB, PANDA.dies)).toEqual([
      { path: 'addressMap.bits.bank[2]', message: 'bit 15 is used by both rank[0] and bank[2]' },
      {
        path: 'addressMap.bits',
        message: 'bit 14 is used by no coordinate (a 1 GiB region needs each of bits 0-29 once)',
      },
    ]);
    expect(checkAddressBits(panda({ column: [2, 3, 4, 5, 6, 8, 9, 10, 8] }), GIB, PANDA.dies)[0]).toEqual({
      path: 'addressMap.bits.column[8]',
      message: 'bit 8 is used by both column[5] and column[8]',
    });
  });

  it('reports missing bits as spans and bits beyond the region', () => {
    expect(checkAddressBits(panda({ row: range(16, 26) }), GIB, PANDA.dies)).toEqual([
      {
        path: 'addressMap.bits',
        message: 'bits 27-29 are used by no coordinate (a 1 GiB region needs each of bits 0-29 once)',
      },
    ]);
    expect(checkAddressBits(panda({ row: range(16, 30) }), GIB, PANDA_DIES)).toEqual([
      { path: 'addressMap.bits.row[14]', message: 'bit 30 is beyond the largest region (1 GiB: bits 0-29)' },
      {
        path: 'addressMap.bits.row',
        message: 'die emif1.cs0 has 14 row bits but addressMap.bits.row lists 15 (and 3 other dies)',
      },
    ]);
  });

  it('reports too few rank bits for the dies it must reach', () => {
    const bits = { ...IMX6SL.config.bits, rank: [] };
    expect(checkAddressBits({ ...IMX6SL.config, bits }, 512 * MIB, IMX6SL.dies)).toEqual([
      {
        path: 'addressMap.bits.rank',
        message: 'too few rank bits: 0 rank bits reach only rank 0, but die mmdc.cs1 is rank 1',
      },
    ]);
  });

  it('reports controller and channel bits that reach more than is listed, and combinations with no die', () => {
    expect(checkAddressBits(panda({}, { controllers: ['emif1'] }), GIB, PANDA.dies.slice(0, 2))).toEqual([
      {
        path: 'addressMap.bits.controller',
        message: '1 controller bit reaches controller index 1, but addressMap.controllers lists 1',
      },
    ]);
    expect(checkAddressBits(PANDA.config, GIB, PANDA.dies.slice(0, 3))).toEqual([
      { path: 'addressMap.bits', message: 'addresses that decode to controller emif2, rank 1 belong to no die' },
    ]);
    expect(checkAddressBits(IMX8MM.config, 2 * GIB, IMX8MM.dies.slice(1))).toEqual([
      {
        path: 'addressMap.bits',
        message: 'addresses that decode to controller ddrc, channel a, rank 0 belong to no die',
      },
    ]);
  });

  it('reports dies on controllers or channels the map does not list', () => {
    const dies = [...PANDA.dies, { id: 'emif3.cs0', controller: 'emif3', rank: 0 }];
    expect(checkAddressBits(PANDA.config, GIB, dies)).toEqual([
      {
        path: 'addressMap.controllers',
        message: 'die emif3.cs0 is on controller emif3, which addressMap.controllers does not list',
      },
    ]);
    const ch = IMX8MM.dies.map((d, i) => (i === 1 ? { ...d, channel: 'c' } : d));
    expect(checkAddressBits(IMX8MM.config, 2 * GIB, ch)).toEqual([
      {
        path: 'addressMap.channels',
        message: 'die ddrc.rank0.chb is on channel c, which addressMap.channels does not list',
      },
      {
        path: 'addressMap.bits',
        message: 'addresses that decode to controller ddrc, channel b, rank 0 belong to no die',
      },
    ]);
    expect(checkAddressBits({ ...IMX8MM.config, channels: [] }, 2 * GIB, IMX8MM.dies.slice(0, 1))).toEqual([
      {
        path: 'addressMap.channels',
        message: 'die ddrc.rank0.cha is on channel a, but addressMap.channels is empty (channels share mode registers)',
      },
      { path: 'addressMap.bits', message: 'addresses that decode to controller ddrc, rank 0 belong to no die' },
    ]);
    expect(
      checkAddressBits(PANDA.config, GIB, [...PANDA.dies, { ...PANDA.dies[0]!, id: 'x' }, PANDA.dies[1]!]),
    ).toEqual([
      { path: 'addressMap', message: 'dies emif1.cs0 and x have the same controller, channel and rank' },
      { path: 'addressMap', message: 'die id emif1.cs1 is used twice' },
    ]);
  });

  it('checks die geometry against the bit counts', () => {
    const dies = PANDA_DIES.map((d, i) => (i === 2 ? { ...d, bankBits: 2, columnBits: 10, byteBits: 1 } : d));
    expect(checkAddressBits(PANDA.config, GIB, dies)).toEqual([
      {
        path: 'addressMap.bits.bank',
        message: 'die emif2.cs0 has 4 banks (2 bank bits) but addressMap.bits.bank lists 3',
      },
      {
        path: 'addressMap.bits.column',
        message: 'die emif2.cs0 has 10 column bits but addressMap.bits.column lists 9',
      },
      {
        path: 'addressMap.bits.byte',
        message: 'die emif2.cs0 has 2 bytes per column (1 byte bit) but addressMap.bits.byte lists 2',
      },
    ]);
    expect(
      checkAddressBits(SIX.config, SIX.dramSize, [{ ...SIX.dies[0]!, rows: 90000 }, ...SIX.dies.slice(1)]),
    ).toEqual([
      {
        path: 'addressMap.bits.row',
        message: 'die ddrc.rank0.cha: 90000 rows is not a whole number of segments (16384 rows each)',
      },
    ]);
    expect(
      checkAddressBits(SIX.config, SIX.dramSize, [{ ...SIX.dies[0]!, rows: 2 ** 18 }, ...SIX.dies.slice(1)]),
    ).toEqual([{ path: 'addressMap.bits.row', message: 'die ddrc.rank0.cha: 262144 rows do not fit 17 row bits' }]);
  });

  it('checks regions: inside DRAM, not overlapping, no hole, integer fixed values', () => {
    const regions = (r: AddressMapConfig['regions']): AddressMapConfig => ({ ...SIX.config, regions: r });
    expect(
      checkAddressBits(
        regions([
          { offset: 0, size: 3 * GIB, fixed: { rank: 0 } },
          { offset: 2 * GIB, size: 4 * GIB, fixed: { rank: 1 } },
        ]),
        6 * GIB,
        SIX.dies,
      ),
    ).toEqual([{ path: 'addressMap.regions[1]', message: 'overlaps region 0 (offset 0x00000000, 3 GiB)' }]);
    expect(
      checkAddressBits(
        regions([
          { offset: 0, size: 3 * GIB, fixed: { rank: 0 } },
          { offset: 4 * GIB, size: 3 * GIB, fixed: { rank: 1 } },
        ]),
        6 * GIB,
        SIX.dies,
      ),
    ).toEqual([{ path: 'addressMap.regions[1]', message: 'region 0x100000000-0x1bfffffff ends beyond DRAM (6 GiB)' }]);
    expect(
      checkAddressBits(
        regions([
          { offset: 0, size: 3 * GIB, fixed: { rank: 0 } },
          { offset: 3.5 * GIB, size: 2.5 * GIB, fixed: { rank: 1 } },
        ]),
        6 * GIB,
        SIX.dies,
      ),
    ).toEqual([{ path: 'addressMap.regions', message: 'DRAM offsets 0xc0000000-0xdfffffff are in no region' }]);
    expect(
      checkAddressBits(
        regions([
          { offset: 0, size: 3 * GIB, fixed: { rank: -1 } },
          { offset: 3 * GIB, size: 3 * GIB, fixed: { rank: 1 } },
        ]),
        6 * GIB,
        SIX.dies,
      )[0],
    ).toEqual({
      path: 'addressMap.regions[0].fixed.rank',
      message: 'must be a non-negative integer, got -1',
    });
  });

  it('rejects entries that are not bit positions and a row list too short for segments', () => {
    expect(checkAddressBits(panda({ byte: [0, 1.5] }), GIB, PANDA.dies)).toEqual([
      { path: 'addressMap.bits.byte[1]', message: 'must be a bit position 0-63, got 1.5' },
      {
        path: 'addressMap.bits',
        message: 'bit 1 is used by no coordinate (a 1 GiB region needs each of bits 0-29 once)',
      },
    ]);
    const short = { ...PANDA.config.bits, row: [16, 17], column: [...PANDA.config.bits.column, ...range(18, 29)] };
    expect(checkAddressBits({ ...PANDA.config, bits: short }, GIB, PANDA.dies)).toEqual([
      { path: 'addressMap.bits.row', message: 'needs at least 3 bits (a segment is the top 3 row bits), got 2' },
    ]);
  });
});
