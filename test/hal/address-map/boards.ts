import type { AddressBits, AddressMapConfig } from '../../../hal/board/board-config.js';
import { AddressMap, type AddressMapDie } from '../../../hal/address-map/address-map.js';

/** Address maps of the shipped boards, as explicit bit lists (reference/lpddr.md §4). */

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;
export const PAGE = 4096;

export interface Board {
  readonly config: AddressMapConfig;
  readonly dramBase: number;
  readonly dramSize: number;
  readonly dies: readonly AddressMapDie[];
}

export function mapOf(b: Board, pageSize = PAGE): AddressMap {
  return new AddressMap(b.config, b.dramBase, b.dramSize, b.dies, pageSize);
}

function cfg(controllers: string[], channels: string[], bits: AddressBits): AddressMapConfig {
  return { controllers, channels, bits, regions: [], source: 'config' };
}

/** PandaBoard: 2 EMIF x 2 CS x 2 Gb x32 LPDDR2-S4, DMM 128-byte interleave, 1 GiB at 0x80000000. */
export const PANDA_BITS: AddressBits = {
  controller: [7],
  channel: [],
  rank: [15],
  bank: [12, 13, 14],
  row: range(16, 29),
  column: [2, 3, 4, 5, 6, 8, 9, 10, 11],
  byte: [0, 1],
};
export const PANDA: Board = {
  config: cfg(['emif1', 'emif2'], [], PANDA_BITS),
  dramBase: 0x80000000,
  dramSize: GIB,
  dies: [
    { id: 'emif1.cs0', controller: 'emif1', rank: 0 },
    { id: 'emif1.cs1', controller: 'emif1', rank: 1 },
    { id: 'emif2.cs0', controller: 'emif2', rank: 0 },
    { id: 'emif2.cs1', controller: 'emif2', rank: 1 },
  ],
};

/** i.MX6SL EVK: MMDC, BI_ON = 1, 2 CS x 4 Gb x32 LPDDR2, 1 GiB at 0x80000000. */
export const IMX6SL_BITS: AddressBits = {
  controller: [],
  channel: [],
  rank: [29],
  bank: [12, 13, 14],
  row: range(15, 28),
  column: range(2, 11),
  byte: [0, 1],
};
export const IMX6SL: Board = {
  config: cfg(['mmdc'], [], IMX6SL_BITS),
  dramBase: 0x80000000,
  dramSize: GIB,
  dies: [
    { id: 'mmdc.cs0', controller: 'mmdc', rank: 0 },
    { id: 'mmdc.cs1', controller: 'mmdc', rank: 1 },
  ],
};

/** i.MX8MM EVK: uMCTL2, LPDDR4 x32 = two x16 channels (byte-lane bit 1), one rank, 2 GiB at 0x40000000. */
export const IMX8MM_BITS: AddressBits = {
  controller: [],
  channel: [1],
  rank: [],
  bank: [12, 13, 14],
  row: range(15, 30),
  column: range(2, 11),
  byte: [0],
};
export const IMX8MM: Board = {
  config: cfg(['ddrc'], ['a', 'b'], IMX8MM_BITS),
  dramBase: 0x40000000,
  dramSize: 2 * GIB,
  dies: [
    { id: 'ddrc.rank0.cha', controller: 'ddrc', rank: 0, channel: 'a' },
    { id: 'ddrc.rank0.chb', controller: 'ddrc', rank: 0, channel: 'b' },
  ],
};

/**
 * A 16 GiB test board: 4 LPDDR4X controllers interleaved every 256 bytes (bits 8-9), each an x32
 * bus of two x16 channels (bit 1), 8 Gb per channel, 2 ranks (bit 33). 16 dies of 1 GiB, DRAM at
 * 0x80000000 (ends above 4 GiB).
 */
export const BIG_BITS: AddressBits = {
  controller: [8, 9],
  channel: [1],
  rank: [33],
  bank: [14, 15, 16],
  row: range(17, 32),
  column: [...range(2, 7), ...range(10, 13)],
  byte: [0],
};
export const BIG_CONTROLLERS = ['ddrc0', 'ddrc1', 'ddrc2', 'ddrc3'];
export const BIG: Board = {
  config: cfg(BIG_CONTROLLERS, ['a', 'b'], BIG_BITS),
  dramBase: 0x80000000,
  dramSize: 16 * GIB,
  dies: BIG_CONTROLLERS.flatMap((c) =>
    [0, 1].flatMap((rank) =>
      ['a', 'b'].map((ch) => ({ id: `${c}.rank${rank}.ch${ch}`, controller: c, rank, channel: ch })),
    ),
  ),
};

/**
 * A 6 GiB board with 12 Gb-per-channel LPDDR4 (rows = 3/4 of 2^17): two 3 GiB regions, rank fixed
 * per region, channel = bit 1. Segments 6 and 7 do not exist.
 */
export const SIX_BITS: AddressBits = {
  controller: [],
  channel: [1],
  rank: [],
  bank: [12, 13, 14],
  row: range(15, 31),
  column: range(2, 11),
  byte: [0],
};
export const SIX: Board = {
  config: {
    controllers: ['ddrc'],
    channels: ['a', 'b'],
    bits: SIX_BITS,
    regions: [
      { offset: 0, size: 3 * GIB, fixed: { rank: 0 } },
      { offset: 3 * GIB, size: 3 * GIB, fixed: { rank: 1 } },
    ],
    source: 'config',
  },
  dramBase: 0x40000000,
  dramSize: 6 * GIB,
  dies: [0, 1].flatMap((rank) =>
    ['a', 'b'].map((ch) => ({ id: `ddrc.rank${rank}.ch${ch}`, controller: 'ddrc', rank, channel: ch, rows: 98304 })),
  ),
};
