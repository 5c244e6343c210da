import type { AddressBits, AddressMapConfig, BoardConfig, DieConfig } from '../board/board-config.js';
import { hex, isPowerOfTwo, log2Exact } from '../bits.js';
import { countSelected, isEmpty, pagePattern, simplify, type CoverMode, type Selection } from './bit-pattern.js';
import { bitsFor, checkAddressBits, formatBytes, regionsOf, type MapProblem } from './check.js';
import { CoverResult, forEachPfnRange, type RegionPages } from './cover-result.js';

/**
 * The address map: physical address <-> (controller, channel, rank, bank, row, column, byte),
 * and (dies, bank | segment) -> the page frames it covers.
 *
 * Bits in `AddressBits` are physical-address bit positions relative to a region's start (region =
 * DRAM base + region.offset; default one region = all of DRAM), LSB first: `row[i]` carries row
 * bit i. Within a region, coordinate value = region.fixed[coordinate] (0 if absent) + the value of
 * its bits. A die is (controller, channel, rank); when `channels` is empty the channel bits (if
 * any) do not identify dies (channels share mode registers). A die's segment is the top 3 bits of
 * its row address (the MR17 / MR23 unit); parts whose row count is not a power of two (3/6/12/24
 * Gb) pass `rows`, and the segments above it do not exist.
 *
 * Invariants (constructor checks, `checkInvariants`):
 *  (a) the bit lists pass checkAddressBits (check.ts): every address bit of the largest region is
 *      used once, every reachable (controller, channel, rank) is a die, regions tile DRAM;
 *  (b) page size is a power of two; DRAM base, region offsets and sizes are whole pages;
 *  (c) decode(encode(c)) = c and encode(decode(pa)) = pa for every address in DRAM;
 *  (d) for each die, bankBytes * banks = segmentBytes * (segments that exist) = the die's bytes.
 *
 * cover() never iterates bytes or pages: membership depends on a few select bits (die-select
 * plus bank or segment bits), handled by bit-pattern.ts, which turns them into a periodic page
 * pattern per region.
 */

export interface AddressMapDie {
  readonly id: string;
  readonly controller: string;
  readonly rank: number;
  /** Channel letter where channels have their own mode registers. */
  readonly channel?: string | undefined;
  /** Rows that exist, when not 2^(row bits) (3/6/12/24 Gb parts); a whole number of segments. */
  readonly rows?: number | undefined;
}

export interface DramCoordinates {
  /** Controller id (from `addressMap.controllers`). */
  readonly controller: string;
  /** Channel letter, when `addressMap.channels` is not empty. */
  readonly channel?: string | undefined;
  /** Value of the channel bits; used by encode() when `addressMap.channels` is empty. */
  readonly channelIndex?: number | undefined;
  readonly rank: number;
  readonly bank: number;
  readonly row: number;
  readonly column: number;
  /** Byte within the column (the `byte` bits). */
  readonly byte: number;
}

export interface DecodedAddress extends DramCoordinates {
  readonly channelIndex: number;
  /** Die id. */
  readonly die: string;
  /** Top 3 row bits. */
  readonly segment: number;
  /** Index of the address-map region. */
  readonly region: number;
}

export type CoverSelector = { readonly segment: number } | { readonly bank: number };

export class AddressMapError extends Error {
  readonly problems: readonly MapProblem[];
  constructor(problems: readonly MapProblem[]) {
    super(`invalid address map:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

interface Region {
  readonly offset: number;
  readonly size: number;
  readonly nBits: number;
  readonly fixedController: number;
  readonly fixedChannel: number;
  readonly fixedRank: number;
  readonly basePfn: number;
  /** Select positions (ascending) and, per coordinate bit, its index in them or -1 (bit beyond the region: always 0). */
  readonly positions: readonly number[];
  readonly ctrlIdx: readonly number[];
  readonly chIdx: readonly number[];
  readonly rankIdx: readonly number[];
  readonly bankIdx: readonly number[];
  readonly segIdx: readonly number[];
}

interface Die {
  readonly id: string;
  readonly ctrl: number;
  readonly ch: number;
  readonly rank: number;
  readonly rows: number;
  /** Segments that exist (8 unless `rows` cuts them). */
  readonly segments: number;
}

const TWO32 = 4294967296;
/** POW2[n] = 2^n for bit positions 0-64 (coordinate values stay below 2^31: `>>>` is safe on them). */
const POW2: readonly number[] = Array.from({ length: 65 }, (_, n) => 2 ** n);

/** Value of the bits at `positions` (LSB first) of the address lo + hi * 2^32. */
function gather(positions: readonly number[], lo: number, hi: number): number {
  let v = 0;
  let weight = 1;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if ((p < 32 ? (lo >>> p) & 1 : (hi >>> (p - 32)) & 1) === 1) v += weight;
    weight *= 2;
  }
  return v;
}

export class AddressMap {
  readonly config: AddressMapConfig;
  readonly dramBase: number;
  readonly dramSize: number;
  readonly pageSize: number;
  readonly pageShift: number;
  /** Row bits of every die (bits.row.length). */
  readonly rowBits: number;
  /** Banks per die (2^bits.bank.length). */
  readonly banks: number;
  readonly dieIds: readonly string[];
  /** Rows per segment (2^(rowBits - 3)). */
  readonly segmentRows: number;
  private readonly bits: AddressBits;
  private readonly hasChannels: boolean;
  private readonly regions: readonly Region[];
  private readonly dies: readonly Die[];
  private readonly dieByKey = new Map<number, number>();
  private readonly dieById = new Map<string, number>();

  constructor(
    config: AddressMapConfig,
    dramBase: number,
    dramSize: number,
    dies: readonly AddressMapDie[],
    pageSize: number,
  ) {
    if (!isPowerOfTwo(pageSize)) throw new RangeError(`page size ${pageSize} is not a power of two`);
    if (!Number.isInteger(dramBase) || dramBase < 0 || dramBase % pageSize !== 0) {
      throw new RangeError(`DRAM base ${hex(dramBase)} is not a multiple of the page size (${formatBytes(pageSize)})`);
    }
    if (!Number.isInteger(dramSize) || dramSize <= 0)
      throw new RangeError(`DRAM size ${dramSize} is not a positive integer`);
    const problems = checkAddressBits(config, dramSize, dies);
    if (problems.length > 0) throw new AddressMapError(problems);
    this.config = config;
    this.bits = config.bits;
    this.dramBase = dramBase;
    this.dramSize = dramSize;
    this.pageSize = pageSize;
    this.pageShift = log2Exact(pageSize);
    this.rowBits = config.bits.row.length;
    this.banks = 2 ** config.bits.bank.length;
    this.hasChannels = config.channels.length > 0;
    const segRows = 2 ** (this.rowBits - 3);
    this.segmentRows = segRows;

    this.dies = dies.map((d, i) => {
      const ctrl = config.controllers.indexOf(d.controller);
      const ch = this.hasChannels ? config.channels.indexOf(d.channel!) : -1;
      const rows = d.rows ?? 2 ** this.rowBits;
      this.dieByKey.set(this.key(ctrl, ch, d.rank), i);
      this.dieById.set(d.id, i);
      return { id: d.id, ctrl, ch, rank: d.rank, rows, segments: rows / segRows };
    });
    this.dieIds = dies.map((d) => d.id);

    const b = this.bits;
    const seg = b.row.slice(this.rowBits - 3);
    this.regions = [...regionsOf(config, dramSize)]
      .sort((x, y) => x.offset - y.offset)
      .map((r) => {
        if (r.offset % pageSize !== 0 || r.size % pageSize !== 0) {
          throw new RangeError(
            `address-map region at offset ${hex(r.offset)} (${formatBytes(r.size)}) is not made of whole ${formatBytes(pageSize)} pages`,
          );
        }
        const nBits = bitsFor(r.size);
        const select = [...b.controller, ...(this.hasChannels ? b.channel : []), ...b.rank, ...b.bank, ...seg];
        const positions = [...new Set(select.filter((p) => p < nBits))].sort((x, y) => x - y);
        const idx = (list: readonly number[]): number[] => list.map((p) => positions.indexOf(p));
        return {
          offset: r.offset,
          size: r.size,
          nBits,
          fixedController: r.fixed.controller ?? 0,
          fixedChannel: r.fixed.channel ?? 0,
          fixedRank: r.fixed.rank ?? 0,
          basePfn: (dramBase + r.offset) / pageSize,
          positions,
          ctrlIdx: idx(b.controller),
          chIdx: this.hasChannels ? idx(b.channel) : [],
          rankIdx: idx(b.rank),
          bankIdx: idx(b.bank),
          segIdx: idx(seg),
        };
      });
  }

  /** The map of a loaded board; `rowsOf` gives a die's row count when it is not a power of two. */
  static fromBoard(board: BoardConfig, rowsOf?: (die: DieConfig) => number | undefined): AddressMap {
    const dies = board.dies.map((d) => ({
      id: d.id,
      controller: d.controller,
      rank: d.rank,
      channel: d.channel,
      rows: rowsOf?.(d),
    }));
    return new AddressMap(board.addressMap, board.dramBase, board.dramSize, dies, board.kernel.pageSize);
  }

  /** Die lookup key of (controller, channel, rank); the channel counts only when channels own dies. */
  private key(ctrl: number, ch: number, rank: number): number {
    return (ctrl * 1024 + (this.hasChannels ? ch + 1 : 0)) * 1024 + rank;
  }

  private dieIndex(id: string): number {
    const i = this.dieById.get(id);
    if (i === undefined) throw new RangeError(`unknown die '${id}' (dies: ${this.dieIds.join(', ')})`);
    return i;
  }

  // ---------------------------------------------------------------- decode / encode

  decode(pa: number): DecodedAddress {
    if (typeof pa !== 'number' || !Number.isInteger(pa))
      throw new RangeError(`decode: ${String(pa)} is not an integer address`);
    const end = this.dramBase + this.dramSize;
    if (pa < this.dramBase || pa >= end) {
      throw new RangeError(`address ${hex(pa)} is outside DRAM ${hex(this.dramBase)}-${hex(end - 1)}`);
    }
    const off = pa - this.dramBase;
    let ri = this.regions.length - 1;
    while (ri > 0 && this.regions[ri]!.offset > off) ri--;
    const r = this.regions[ri]!;
    const rel = off - r.offset;
    const lo = rel % TWO32;
    const hi = (rel - lo) / TWO32;
    const b = this.bits;
    const ctrl = r.fixedController + gather(b.controller, lo, hi);
    const channelIndex = r.fixedChannel + gather(b.channel, lo, hi);
    const rank = r.fixedRank + gather(b.rank, lo, hi);
    const row = gather(b.row, lo, hi);
    const di = this.dieByKey.get(this.key(ctrl, channelIndex, rank));
    if (di === undefined)
      throw new RangeError(
        `address ${hex(pa)} decodes to controller index ${ctrl}, channel ${channelIndex}, rank ${rank}: no die`,
      );
    const die = this.dies[di]!;
    if (row >= die.rows)
      throw new RangeError(`address ${hex(pa)} decodes to row ${row} of die ${die.id}, which has ${die.rows} rows`);
    const out: DecodedAddress = {
      controller: this.config.controllers[ctrl]!,
      channelIndex,
      rank,
      bank: gather(b.bank, lo, hi),
      row,
      column: gather(b.column, lo, hi),
      byte: gather(b.byte, lo, hi),
      die: die.id,
      segment: Math.floor(row / this.segmentRows),
      region: ri,
    };
    if (this.hasChannels) (out as { channel?: string }).channel = this.config.channels[channelIndex];
    return out;
  }

  dieOf(pa: number): string {
    return this.decode(pa).die;
  }

  encode(c: DramCoordinates): number {
    const ctrl = this.config.controllers.indexOf(c.controller);
    if (ctrl < 0)
      throw new RangeError(
        `encode: unknown controller '${c.controller}' (controllers: ${this.config.controllers.join(', ')})`,
      );
    let ch: number;
    if (this.hasChannels) {
      if (c.channel === undefined)
        throw new RangeError(`encode: a channel (${this.config.channels.join(', ')}) is required`);
      ch = this.config.channels.indexOf(c.channel);
      if (ch < 0)
        throw new RangeError(`encode: unknown channel '${c.channel}' (channels: ${this.config.channels.join(', ')})`);
    } else ch = c.channelIndex ?? 0;
    for (const [name, v] of [
      ['rank', c.rank],
      ['bank', c.bank],
      ['row', c.row],
      ['column', c.column],
      ['byte', c.byte],
      ['channelIndex', ch],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`encode: ${name} ${String(v)} is not a non-negative integer`);
    }
    const di = this.dieByKey.get(this.key(ctrl, ch, c.rank));
    if (di === undefined)
      throw new RangeError(
        `encode: no die on controller ${c.controller}${this.hasChannels ? `, channel ${c.channel}` : ''}, rank ${c.rank}`,
      );
    const die = this.dies[di]!;
    if (c.row >= die.rows) throw new RangeError(`encode: row ${c.row} is beyond die ${die.id} (${die.rows} rows)`);
    const b = this.bits;
    let firstReason = '';
    for (const r of this.regions) {
      let rel = 0;
      let reason = '';
      const put = (name: string, list: readonly number[], v: number): void => {
        if (reason !== '') return;
        if (v < 0 || v >= POW2[list.length]!) {
          reason = `${name} ${v} does not fit ${list.length} ${name} bit${list.length === 1 ? '' : 's'}`;
          return;
        }
        for (let i = 0; i < list.length; i++) {
          if (((v >>> i) & 1) === 0) continue;
          if (list[i]! >= r.nBits) {
            reason = `${name} ${v} needs bit ${list[i]}, beyond the ${formatBytes(r.size)} region at ${hex(r.offset)}`;
            return;
          }
          rel += POW2[list[i]!]!;
        }
      };
      put('controller', b.controller, ctrl - r.fixedController);
      put('channel', b.channel, ch - r.fixedChannel);
      put('rank', b.rank, c.rank - r.fixedRank);
      put('bank', b.bank, c.bank);
      put('row', b.row, c.row);
      put('column', b.column, c.column);
      put('byte', b.byte, c.byte);
      if (reason === '' && rel >= r.size)
        reason = `the address lies beyond the ${formatBytes(r.size)} region at ${hex(r.offset)}`;
      if (reason === '') return this.dramBase + r.offset + rel;
      if (firstReason === '') firstReason = reason;
    }
    throw new RangeError(`encode: ${firstReason}`);
  }

  // ---------------------------------------------------------------- geometry

  /** Segments that exist on a die (8, fewer when `rows` is not a power of two). */
  segmentsOf(dieId: string): number {
    return this.dies[this.dieIndex(dieId)]!.segments;
  }

  /** Bytes of one die's own array per segment. */
  segmentBytes(dieId: string): number {
    const d = this.dieIndex(dieId);
    return this.bytesOf((die, _bank, seg) => die === d && seg === 0);
  }

  /** Bytes of one die's own array per bank. */
  bankBytes(dieId: string): number {
    const d = this.dieIndex(dieId);
    return this.bytesOf((die, bank) => die === d && bank === 0);
  }

  /** All bytes of one die. */
  dieBytes(dieId: string): number {
    const d = this.dieIndex(dieId);
    return this.bytesOf((die) => die === d);
  }

  // ---------------------------------------------------------------- cover

  /**
   * Page frames of the given dies' segment or bank: `whole` = frames wholly inside it (what
   * `pasr map` prints), `touched` = frames with at least one byte in it (what masking it
   * poisons).
   */
  cover(dieIds: readonly string[], selector: CoverSelector, mode: CoverMode = 'whole'): CoverResult {
    if (dieIds.length === 0) throw new RangeError('cover: no dies given');
    const set = new Set(dieIds.map((id) => this.dieIndex(id)));
    let pred: (die: number, bank: number, seg: number) => boolean;
    if ('segment' in selector) {
      const s = selector.segment;
      if (!Number.isInteger(s) || s < 0 || s > 7) throw new RangeError(`cover: segment ${String(s)} is not 0-7`);
      pred = (die, _bank, seg) => seg === s && set.has(die);
    } else {
      const k = selector.bank;
      if (!Number.isInteger(k) || k < 0 || k >= this.banks)
        throw new RangeError(`cover: bank ${String(k)} is not 0-${this.banks - 1}`);
      pred = (die, bank) => bank === k && set.has(die);
    }
    return this.coverOf(pred, mode);
  }

  /**
   * Calls cb(startPfn, endPfn) (end exclusive, sorted, merged) for every page frame with at least
   * one byte in a masked bank or masked segment of one die (bit n of a mask = bank / segment n).
   * Returns the number of page frames.
   */
  forEachTouchedRange(
    dieId: string,
    maskedBanks: number,
    maskedSegments: number,
    cb: (startPfn: number, endPfn: number) => void,
  ): number {
    const d = this.dieIndex(dieId);
    if (maskedBanks === 0 && maskedSegments === 0) return 0;
    const parts = this.parts(
      (die, bank, seg) =>
        die === d && ((Math.floor(maskedBanks / 2 ** bank) & 1) === 1 || ((maskedSegments >>> seg) & 1) === 1),
      'touched',
    ).parts;
    let pages = 0;
    forEachPfnRange(parts, (s, e) => {
      pages += e - s;
      cb(s, e);
    });
    return pages;
  }

  /**
   * Sets pages[pfn - firstPfn] = value for every touched page frame of `forEachTouchedRange`
   * that falls inside the array. Returns the number of page frames touched (inside or not).
   */
  fillTouched(
    pages: Uint8Array,
    firstPfn: number,
    dieId: string,
    maskedBanks: number,
    maskedSegments: number,
    value = 1,
  ): number {
    return this.forEachTouchedRange(dieId, maskedBanks, maskedSegments, (s, e) => {
      const a = Math.max(0, s - firstPfn);
      const z = Math.min(pages.length, e - firstPfn);
      if (a < z) pages.fill(value, a, z);
    });
  }

  // ---------------------------------------------------------------- internals

  /** The select-bit table of one region for a predicate on (die index, bank, segment). */
  private selection(r: Region, pred: (die: number, bank: number, seg: number) => boolean): Selection {
    const n = r.positions.length;
    const sel = new Uint8Array(2 ** n);
    const val = (idx: readonly number[], x: number): number => {
      let v = 0;
      for (let i = 0; i < idx.length; i++) if (idx[i]! >= 0) v |= ((x >>> idx[i]!) & 1) << i;
      return v;
    };
    for (let x = 0; x < sel.length; x++) {
      const ctrl = r.fixedController + val(r.ctrlIdx, x);
      const ch = this.hasChannels ? r.fixedChannel + val(r.chIdx, x) : -1;
      const rank = r.fixedRank + val(r.rankIdx, x);
      const di = this.dieByKey.get(this.key(ctrl, ch, rank));
      if (di === undefined) continue;
      const seg = val(r.segIdx, x);
      if (seg >= this.dies[di]!.segments) continue;
      if (pred(di, val(r.bankIdx, x), seg)) sel[x] = 1;
    }
    return { positions: r.positions, sel };
  }

  private bytesOf(pred: (die: number, bank: number, seg: number) => boolean): number {
    let total = 0;
    for (const r of this.regions) total += countSelected(simplify(this.selection(r, pred)), r.size, r.nBits);
    return total;
  }

  private parts(
    pred: (die: number, bank: number, seg: number) => boolean,
    mode: CoverMode,
  ): { parts: RegionPages[]; bytes: number; granuleBits: number } {
    const parts: RegionPages[] = [];
    let bytes = 0;
    let granuleBits = Infinity;
    for (const r of this.regions) {
      const s = simplify(this.selection(r, pred));
      if (isEmpty(s)) continue;
      const n = countSelected(s, r.size, r.nBits);
      if (n === 0) continue;
      bytes += n;
      granuleBits = Math.min(granuleBits, s.positions.length > 0 ? s.positions[0]! : r.nBits);
      parts.push({
        basePfn: r.basePfn,
        limitPfns: r.size / this.pageSize,
        pattern: pagePattern(s, this.pageShift, r.nBits, mode),
      });
    }
    return { parts, bytes, granuleBits };
  }

  private coverOf(pred: (die: number, bank: number, seg: number) => boolean, mode: CoverMode): CoverResult {
    const { parts, bytes, granuleBits } = this.parts(pred, mode);
    return new CoverResult(parts, bytes, bytes === 0 ? 0 : 2 ** granuleBits, mode, this.pageSize);
  }

  checkInvariants(): void {
    let at = 0;
    for (const r of this.regions) {
      if (r.offset !== at)
        throw new Error(`address map: region at ${hex(r.offset)} does not follow the previous one (ends ${hex(at)})`);
      if (r.offset % this.pageSize !== 0 || r.size % this.pageSize !== 0)
        throw new Error(`address map: region at ${hex(r.offset)} is not page aligned`);
      at = r.offset + r.size;
      for (const off of [r.offset, r.offset + r.size - 1]) {
        const pa = this.dramBase + off;
        const back = this.encode(this.decode(pa));
        if (back !== pa) throw new Error(`address map: encode(decode(${hex(pa)})) = ${hex(back)}`);
      }
    }
    if (at !== this.dramSize)
      throw new Error(`address map: regions end at ${hex(at)}, DRAM size is ${hex(this.dramSize)}`);
    for (const id of this.dieIds) {
      const total = this.dieBytes(id);
      const segs = this.segmentsOf(id);
      if (this.bankBytes(id) * this.banks !== total)
        throw new Error(`address map: die ${id}: bankBytes * banks != die bytes`);
      if (this.segmentBytes(id) * segs !== total)
        throw new Error(`address map: die ${id}: segmentBytes * segments != die bytes`);
    }
  }
}
