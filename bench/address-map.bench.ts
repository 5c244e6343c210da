import type { AddressBits, AddressMapConfig } from '../hal/board/board-config.js';
import { AddressMap, type AddressMapDie } from '../hal/address-map/address-map.js';

/**
 * Address-map figures: cover() of a bank and of a segment on a 16 GiB, 4-controller board (and a
 * 64 GiB one for scale), touched-page fill of one die, decode and encode rates. Medians of
 * repeats; prints nothing and never fails on time (the runner prints the record).
 */

const GIB = 2 ** 30;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** 4 controllers interleaved at 256 B, 2 x16 channels per x32 bus, 2 ranks; rowBits rows per die. */
function bigBoard(rowBits: number): { map: AddressMap; dies: string[]; size: number; base: number } {
  const top = 17 + rowBits;
  const bits: AddressBits = {
    controller: [8, 9],
    channel: [1],
    rank: [top],
    bank: [14, 15, 16],
    row: range(17, top - 1),
    column: [...range(2, 7), ...range(10, 13)],
    byte: [0],
  };
  const controllers = ['ddrc0', 'ddrc1', 'ddrc2', 'ddrc3'];
  const config: AddressMapConfig = { controllers, channels: ['a', 'b'], bits, regions: [], source: 'config' };
  const dies: AddressMapDie[] = controllers.flatMap((c) =>
    [0, 1].flatMap((rank) =>
      ['a', 'b'].map((ch) => ({ id: `${c}.rank${rank}.ch${ch}`, controller: c, rank, channel: ch })),
    ),
  );
  const size = 2 ** (top + 1);
  const base = 0x80000000;
  return { map: new AddressMap(config, base, size, dies, 4096), dies: dies.map((d) => d.id), size, base };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeMs(repeats: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function runAddressMapBench(): Record<string, number> {
  const out: Record<string, number> = {};
  const b16 = bigBoard(16);
  let ranges = 0;
  out['map.coverBank.16GiB.ms'] = timeMs(7, () => {
    ranges = b16.map.cover(b16.dies, { bank: 5 }).rangeCount;
  });
  out['map.coverBank.16GiB.ranges'] = ranges;
  out['map.coverBank.16GiB.materializeMs'] = timeMs(5, () => {
    ranges = b16.map.cover(b16.dies, { bank: 5 }).ranges.length;
  });
  out['map.coverSegment.16GiB.ms'] = timeMs(7, () => {
    b16.map.cover(b16.dies, { segment: 3 });
  });
  const pages = new Uint8Array(b16.size / 4096);
  out['map.fillTouched.oneDie.16GiB.ms'] = timeMs(7, () => {
    pages.fill(0);
    b16.map.fillTouched(pages, b16.base / 4096, 'ddrc1.rank0.cha', 0b1, 0b1000_0000);
  });
  const b64 = bigBoard(18);
  out['map.coverBank.64GiB.ms'] = timeMs(5, () => {
    ranges = b64.map.cover(b64.dies, { bank: 2 }).rangeCount;
  });
  out['map.coverBank.64GiB.ranges'] = ranges;

  const n = 200_000;
  const addrs = new Float64Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    addrs[i] = b16.base + Math.floor((seed / 2 ** 31) * b16.size);
  }
  let sink = 0;
  const decodeMs = timeMs(5, () => {
    for (let i = 0; i < n; i++) sink += b16.map.decode(addrs[i]!).row;
  });
  out['map.decode.addressesPerSec'] = Math.round((n / decodeMs) * 1000);
  const coords = Array.from({ length: 20_000 }, (_, i) => b16.map.decode(addrs[i]!));
  const encodeMs = timeMs(5, () => {
    for (const c of coords) sink += b16.map.encode(c);
  });
  out['map.encode.addressesPerSec'] = Math.round((coords.length / encodeMs) * 1000);
  if (sink === -1) out['never'] = GIB;
  return out;
}
