import type { AddressBits, AddressMapConfig, AddressRegion } from '../board/board-config.js';
import { hex } from '../bits.js';

/**
 * Consistency checks of an address map (bit lists, regions, dies), as problems with JSON paths.
 *
 * The rules:
 *  (a) every bit list entry is an integer position 0-63; no position is used twice, within a
 *      list or across coordinates (the message names both users);
 *  (b) every address bit below the largest region's size is used by exactly one coordinate, and
 *      no bit is beyond it;
 *  (c) regions lie inside DRAM, do not overlap and leave no part of DRAM unmapped;
 *  (d) the controller/channel/rank bits reach every listed controller and channel and every die's
 *      rank, reach no controller or channel index that is not listed, and every reachable
 *      (controller, channel, rank) belongs to a die;
 *  (e) die geometry agrees with the bit counts (row, bank, column, byte) and a die's row count,
 *      when it is not a power of two, is a whole number of segments (row bits >= 3).
 */

export interface MapProblem {
  /** JSON path in the board config, e.g. `addressMap.bits.bank[1]`. */
  readonly path: string;
  readonly message: string;
}

/** What the checker needs to know of a die; geometry fields are checked when given. */
export interface DieGeometry {
  readonly id: string;
  readonly controller: string;
  readonly rank: number;
  readonly channel?: string | undefined;
  /** Row-address bits of the die (from the standard's density table). */
  readonly rowBits?: number | undefined;
  readonly bankBits?: number | undefined;
  readonly columnBits?: number | undefined;
  /** log2 of the bytes one column address holds on this die (x32: 2, x16: 1). */
  readonly byteBits?: number | undefined;
  /** Rows that exist when not a power of two (3/6/12/24 Gb parts). */
  readonly rows?: number | undefined;
}

export const COORDINATES = ['controller', 'channel', 'rank', 'bank', 'row', 'column', 'byte'] as const;
export type Coordinate = (typeof COORDINATES)[number];

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const KIB = 2 ** 10;

export function formatBytes(n: number): string {
  if (n >= GIB && n % GIB === 0) return `${n / GIB} GiB`;
  if (n >= MIB && n % MIB === 0) return `${n / MIB} MiB`;
  if (n >= KIB && n % KIB === 0) return `${n / KIB} KiB`;
  return `${n} B`;
}

/** Number of address bits a region of `size` bytes spans: ceil(log2(size)). */
export function bitsFor(size: number): number {
  let n = 0;
  while (2 ** n < size) n++;
  return n;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function spans(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The regions of a map, defaulting to one region over all of DRAM. */
export function regionsOf(map: AddressMapConfig, dramSize: number): readonly AddressRegion[] {
  return map.regions.length > 0 ? map.regions : [{ offset: 0, size: dramSize, fixed: {} }];
}

function validBit(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 63;
}

/** Values a die-select coordinate reaches in one region: fixed + every value of its bits below the region size. */
function reachable(bits: readonly number[], regionBits: number, fixed: number): number[] {
  const usable = bits.filter((p) => validBit(p) && p < regionBits).length;
  const out: number[] = [];
  for (let v = 0; v < 2 ** Math.min(usable, 16); v++) out.push(fixed + v);
  return out;
}

export function checkAddressBits(
  map: AddressMapConfig,
  dramSize: number,
  dies: readonly DieGeometry[],
  prefix = 'addressMap',
): MapProblem[] {
  const problems: MapProblem[] = [];
  const bitsPath = `${prefix}.bits`;
  const bits: AddressBits = map.bits;

  // (a) entries and overlaps.
  const owner = new Map<number, string>();
  for (const c of COORDINATES) {
    const list = bits[c];
    if (!Array.isArray(list)) {
      problems.push({ path: `${bitsPath}.${c}`, message: 'must be a list of bit positions' });
      continue;
    }
    list.forEach((p, i) => {
      const path = `${bitsPath}.${c}[${i}]`;
      if (!validBit(p)) {
        problems.push({ path, message: `must be a bit position 0-63, got ${String(p)}` });
        return;
      }
      const prev = owner.get(p);
      if (prev !== undefined) problems.push({ path, message: `bit ${p} is used by both ${prev} and ${c}[${i}]` });
      else owner.set(p, `${c}[${i}]`);
    });
  }
  if (Array.isArray(bits.row) && bits.row.length < 3) {
    problems.push({
      path: `${bitsPath}.row`,
      message: `needs at least 3 bits (a segment is the top 3 row bits), got ${bits.row.length}`,
    });
  }

  // (c) regions.
  const regions = regionsOf(map, dramSize);
  const regionsPath = `${prefix}.regions`;
  const good: { i: number; offset: number; size: number }[] = [];
  regions.forEach((r, i) => {
    const path = `${regionsPath}[${i}]`;
    if (!Number.isInteger(r.offset) || r.offset < 0)
      problems.push({ path: `${path}.offset`, message: `must be a non-negative integer, got ${String(r.offset)}` });
    else if (!Number.isInteger(r.size) || r.size <= 0)
      problems.push({ path: `${path}.size`, message: `must be a positive integer, got ${String(r.size)}` });
    else if (r.offset + r.size > dramSize) {
      problems.push({
        path,
        message: `region ${hex(r.offset)}-${hex(r.offset + r.size - 1)} ends beyond DRAM (${formatBytes(dramSize)})`,
      });
    } else {
      for (const g of good) {
        if (r.offset < g.offset + g.size && g.offset < r.offset + r.size) {
          problems.push({ path, message: `overlaps region ${g.i} (offset ${hex(g.offset)}, ${formatBytes(g.size)})` });
        }
      }
      good.push({ i, offset: r.offset, size: r.size });
    }
    for (const k of ['controller', 'channel', 'rank'] as const) {
      const v = r.fixed?.[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 0))
        problems.push({ path: `${path}.fixed.${k}`, message: `must be a non-negative integer, got ${String(v)}` });
    }
  });
  if (good.length === regions.length) {
    const sorted = [...good].sort((a, b) => a.offset - b.offset);
    let at = 0;
    for (const g of sorted) {
      if (g.offset > at)
        problems.push({ path: regionsPath, message: `DRAM offsets ${hex(at)}-${hex(g.offset - 1)} are in no region` });
      at = Math.max(at, g.offset + g.size);
    }
    if (at < dramSize)
      problems.push({ path: regionsPath, message: `DRAM offsets ${hex(at)}-${hex(dramSize - 1)} are in no region` });
  }

  // (b) coverage against the largest region.
  const sizes = good.map((g) => g.size);
  const maxSize = sizes.length > 0 ? Math.max(...sizes) : dramSize;
  const nBits = bitsFor(maxSize);
  const missing: number[] = [];
  for (let p = 0; p < nBits; p++) if (!owner.has(p)) missing.push(p);
  if (missing.length > 0) {
    const what = missing.length === 1 ? `bit ${missing[0]} is` : `bits ${spans(missing)} are`;
    problems.push({
      path: bitsPath,
      message: `${what} used by no coordinate (a ${formatBytes(maxSize)} region needs each of bits 0-${nBits - 1} once)`,
    });
  }
  for (const c of COORDINATES) {
    const list = bits[c];
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      if (validBit(p) && p >= nBits) {
        problems.push({
          path: `${bitsPath}.${c}[${i}]`,
          message: `bit ${p} is beyond the largest region (${formatBytes(maxSize)}: bits 0-${nBits - 1})`,
        });
      }
    });
  }

  // (d) die-select reach.
  const regionBits = regions.map((r) => bitsFor(Number.isInteger(r.size) && r.size > 0 ? r.size : 1));
  const ctrlBits = Array.isArray(bits.controller) ? bits.controller : [];
  const chBits = Array.isArray(bits.channel) ? bits.channel : [];
  const rankBits = Array.isArray(bits.rank) ? bits.rank : [];
  const hasChannels = map.channels.length > 0;
  const reach = (c: 'controller' | 'channel' | 'rank', list: readonly number[]): number[][] =>
    regions.map((r, i) => reachable(list, regionBits[i]!, r.fixed?.[c] ?? 0));
  const ctrlReach = reach('controller', ctrlBits);
  const chReach = reach('channel', chBits);
  const rankReach = reach('rank', rankBits);

  const allCtrl = ctrlReach.flat();
  const tooMany = (c: string, list: readonly number[], reached: number[], listed: number, listPath: string): void => {
    const over = reached.filter((v) => v >= listed);
    if (over.length > 0) {
      problems.push({
        path: `${bitsPath}.${c}`,
        message: `${plural(list.length, `${c} bit`)} ${list.length === 1 ? 'reaches' : 'reach'} ${c} index ${spans(over)}, but ${listPath} lists ${listed}`,
      });
    }
  };
  tooMany('controller', ctrlBits, allCtrl, map.controllers.length, `${prefix}.controllers`);
  if (hasChannels) tooMany('channel', chBits, chReach.flat(), map.channels.length, `${prefix}.channels`);

  const tooFew = (c: string, list: readonly number[], reached: number[], dieId: string, value: string): void => {
    problems.push({
      path: `${bitsPath}.${c}`,
      message: `too few ${c} bits: ${plural(list.length, `${c} bit`)} ${list.length === 1 ? 'reaches' : 'reach'} only ${c} ${spans(reached)}, but die ${dieId} is ${value}`,
    });
  };
  map.controllers.forEach((id, i) => {
    if (!allCtrl.includes(i))
      tooFew(
        'controller',
        ctrlBits,
        allCtrl,
        dies.find((d) => d.controller === id)?.id ?? '?',
        `on ${id} (index ${i})`,
      );
  });

  const seenIds = new Set<string>();
  const seenKeys = new Map<string, string>();
  const keyOf = (ctrl: number, ch: number, rank: number): string => `${ctrl}|${hasChannels ? ch : -1}|${rank}`;
  for (const d of dies) {
    if (seenIds.has(d.id)) {
      problems.push({ path: prefix, message: `die id ${d.id} is used twice` });
      continue;
    }
    seenIds.add(d.id);
    const ci = map.controllers.indexOf(d.controller);
    if (ci < 0) {
      problems.push({
        path: `${prefix}.controllers`,
        message: `die ${d.id} is on controller ${d.controller}, which ${prefix}.controllers does not list`,
      });
      continue;
    }
    let chi = -1;
    if (hasChannels) {
      if (d.channel === undefined) {
        problems.push({
          path: `${prefix}.channels`,
          message: `die ${d.id} names no channel, but ${prefix}.channels lists ${map.channels.join(', ')}`,
        });
        continue;
      }
      chi = map.channels.indexOf(d.channel);
      if (chi < 0) {
        problems.push({
          path: `${prefix}.channels`,
          message: `die ${d.id} is on channel ${d.channel}, which ${prefix}.channels does not list`,
        });
        continue;
      }
    } else if (d.channel !== undefined) {
      problems.push({
        path: `${prefix}.channels`,
        message: `die ${d.id} is on channel ${d.channel}, but ${prefix}.channels is empty (channels share mode registers)`,
      });
      continue;
    }
    const key = keyOf(ci, chi, d.rank);
    const other = seenKeys.get(key);
    if (other !== undefined)
      problems.push({ path: prefix, message: `dies ${other} and ${d.id} have the same controller, channel and rank` });
    seenKeys.set(key, d.id);
    const okRegion = regions.some(
      (_, r) =>
        ctrlReach[r]!.includes(ci) && (!hasChannels || chReach[r]!.includes(chi)) && rankReach[r]!.includes(d.rank),
    );
    if (okRegion) continue;
    if (hasChannels && !regions.some((_, r) => ctrlReach[r]!.includes(ci) && chReach[r]!.includes(chi))) {
      tooFew('channel', chBits, chReach.flat(), d.id, `on channel ${d.channel} (index ${chi})`);
    } else if (allCtrl.includes(ci)) {
      tooFew('rank', rankBits, rankReach.flat(), d.id, `rank ${d.rank}`);
    }
  }

  // Every reachable combination must belong to a die.
  const reported = new Set<string>();
  regions.forEach((_, r) => {
    for (const ci of ctrlReach[r]!) {
      if (ci >= map.controllers.length) continue;
      for (const chi of hasChannels ? chReach[r]! : [-1]) {
        if (hasChannels && chi >= map.channels.length) continue;
        for (const rank of rankReach[r]!) {
          const key = keyOf(ci, chi, rank);
          if (seenKeys.has(key) || reported.has(key)) continue;
          reported.add(key);
          const where = [
            `controller ${map.controllers[ci]}`,
            ...(hasChannels ? [`channel ${map.channels[chi]}`] : []),
            `rank ${rank}`,
          ].join(', ');
          problems.push({ path: bitsPath, message: `addresses that decode to ${where} belong to no die` });
        }
      }
    }
  });

  // (e) geometry.
  const rowLen = Array.isArray(bits.row) ? bits.row.length : 0;
  const geometry: {
    field: 'rowBits' | 'bankBits' | 'columnBits' | 'byteBits';
    coord: Coordinate;
    text: (n: number) => string;
  }[] = [
    { field: 'rowBits', coord: 'row', text: (n) => `${plural(n, 'row bit')}` },
    { field: 'bankBits', coord: 'bank', text: (n) => `${2 ** n} banks (${plural(n, 'bank bit')})` },
    { field: 'columnBits', coord: 'column', text: (n) => `${plural(n, 'column bit')}` },
    { field: 'byteBits', coord: 'byte', text: (n) => `${2 ** n} bytes per column (${plural(n, 'byte bit')})` },
  ];
  for (const g of geometry) {
    const list = bits[g.coord];
    if (!Array.isArray(list)) continue;
    const bad = dies.filter((d) => d[g.field] !== undefined && d[g.field] !== list.length);
    if (bad.length === 0) continue;
    const d = bad[0]!;
    const more = bad.length > 1 ? ` (and ${plural(bad.length - 1, 'other die')})` : '';
    problems.push({
      path: `${bitsPath}.${g.coord}`,
      message: `die ${d.id} has ${g.text(d[g.field]!)} but ${bitsPath}.${g.coord} lists ${list.length}${more}`,
    });
  }
  if (rowLen >= 3) {
    const segRows = 2 ** (rowLen - 3);
    for (const d of dies) {
      if (d.rows === undefined) continue;
      if (!Number.isInteger(d.rows) || d.rows <= 0 || d.rows > 2 ** rowLen) {
        problems.push({
          path: `${bitsPath}.row`,
          message: `die ${d.id}: ${String(d.rows)} rows do not fit ${plural(rowLen, 'row bit')}`,
        });
      } else if (d.rows % segRows !== 0) {
        problems.push({
          path: `${bitsPath}.row`,
          message: `die ${d.id}: ${d.rows} rows is not a whole number of segments (${segRows} rows each)`,
        });
      }
    }
  }
  return problems;
}
