import type { AddressBits, ControllerConfig } from '../board/board-config.js';
import { extract, hex } from '../bits.js';
import { COORDINATES, formatBytes, type MapProblem } from './check.js';

/**
 * Address bits derived from memory-controller register images, per controller kind.
 *
 * Each derivation returns the bit lists (relative to the DRAM base) or problems naming the
 * register (JSON path) and what is wrong. Layouts not modelled are problems, never guesses.
 *
 * TI OMAP4/5 (DMM + EMIF), sources u-boot arch/arm/include/asm/emif.h (field positions),
 * arch/arm/mach-omap2/emif-common.c (omap_sdram_size: SYS_SIZE = 16 MiB << n, ADDRSPC 2 =
 * trap section), TI AM57x/AM335x TRM EMIF address mapping:
 *   DMM LISA_MAP_n: SYS_ADDR 31:24, SYS_SIZE 22:20, SDRC_INTL 19:18 (1/2/3 = 128/256/512 B),
 *   SDRC_ADDRSPC 17:16, SDRC_MAP 9:8 (1 EMIF1, 2 EMIF2, 3 both), SDRC_ADDR 7:0.
 *   EMIF SDRAM_CONFIG: IBANK_POS 28:27, NARROW_MODE 15:14 (0 x32, 1 x16), ROWSIZE 9:7 (rows =
 *   9 + n bits), IBANK 6:4 (2^n banks), EBANK 3 (CS1 used), PAGESIZE 2:0 (cols = 8 + n bits,
 *   4 = 7 bits not supported). SDRAM_CONFIG_2: EBANK_POS 27.
 *   With IBANK_POS = EBANK_POS = 0 the EMIF-local address is row | CS | bank | column | byte.
 *   When both EMIFs interleave every 2^i bytes, system bit i selects the EMIF (0 = EMIF1 ✖ not
 *   read in a TRM; kept as the controller order) and local bit k >= i is system bit k + 1.
 *
 * NXP i.MX6 MMDC (MCUX SDK MMDC_* macros, u-boot mx6slevk):
 *   MDCTL: SDE_0 31, SDE_1 30, ROW 26:24 (11 + n bits), COL 22:20 (0 = 9, 1 = 10, 2 = 11,
 *   3 = 8, 4 = 12 bits), DSIZ 17:16 (0 x16, 1 x32, 2 x64). MDMISC: DDR_4_BANK 5, BI_ON 12
 *   (1 = row|bank|col, 0 = bank|row|col). MDASP: CS0_END 6:0, CS0 ends at (CS0_END + 1) * 32 MiB
 *   (absolute address), CS1 follows.
 *
 * Synopsys uMCTL2 (databook field names; layout as decoded by Linux drivers/edac/synopsys_edac.c
 * snps_get_hif_*_map and Horizon X2A u-boot address_map_config):
 *   ADDRMAP0  addrmap_cs_bit0 4:0 (+6), addrmap_cs_bit1 12:8 (+7)             31 = unused
 *   ADDRMAP1  addrmap_bank_b0 4:0 (+2), _b1 12:8 (+3), _b2 20:16 (+4)          31 = unused (b2)
 *   ADDRMAP2  addrmap_col_b2 3:0 (+2), _b3 11:8 (+3), _b4 19:16 (+4), _b5 27:24 (+5)
 *   ADDRMAP3  addrmap_col_b6 3:0 (+6), _b7 11:8, _b8 19:16, _b9 27:24 (+7, +8, +9)
 *   ADDRMAP4  addrmap_col_b10 3:0 (+10), addrmap_col_b11 11:8 (+11)           15 = unused (col b4+)
 *   ADDRMAP5  addrmap_row_b0 3:0 (+6), _b1 11:8 (+7), addrmap_row_b2_10 19:16 (bit i at +i+6;
 *             15 = use ADDRMAP9-11), addrmap_row_b11 27:24 (+17)            15 = unused (b11+)
 *   ADDRMAP6  addrmap_row_b12..b15 3:0, 11:8, 19:16, 27:24 (+18..+21),
 *             lpddr4_3gb_6gb_12gb_mode 30:29 (1/2/3: top two row bits never both 1), lpddr3_6gb_12gb 31
 *   ADDRMAP7  addrmap_row_b16 3:0 (+22), addrmap_row_b17 11:8 (+23)
 *   ADDRMAP9  addrmap_row_b2..b5, ADDRMAP10 _b6..b9, ADDRMAP11 _b10 (+8..+16, 4-bit fields)
 *   col_b0/b1 are HIF bits 0/1. MSTR: lpddr4 5, data_bus_width 13:12 (0 = full), active_ranks
 *   27:24. System address = HIF << log2(bus bytes) (x32: << 2); an LPDDR4 x32 bus is two x16
 *   channels, so byte-lane bit 1 is the channel.
 *
 * PRCMU (Ux500): the firmware owns the controller; no derivation (explicit bits only).
 */

export interface DerivedAddressMap {
  readonly bits: AddressBits;
  /** Controller ids in the order the controller bits number them. */
  readonly controllers: readonly string[];
  /** Channel letters in the order the channel bits number them, [] when none. */
  readonly channels: readonly string[];
  /** Bytes the registers describe. */
  readonly capacityBytes: number;
  /** Rows per die when the row count is not a power of two (uMCTL2 3/6/12 Gb mode). */
  readonly rowsPerDie?: number;
}

/**
 * A failed derivation either found the register images wrong or unsupported (they must be fixed,
 * whether or not the board gives explicit bits), or found that registers cannot say (`elsewhere`:
 * the map is set outside the controllers, so the board must give the bits).
 */
export type DeriveResult =
  | { readonly ok: true; readonly map: DerivedAddressMap }
  | { readonly ok: false; readonly problems: readonly MapProblem[]; readonly elsewhere?: true };

/** Names the JSON path of a register image (default `<controller>.<REGISTER>`). */
export type RegisterPath = (controller: string, register: string) => string;

const defaultPath: RegisterPath = (c, r) => `${c}.${r}`;

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function fail(problems: MapProblem[]): DeriveResult {
  return { ok: false, problems };
}

/** The registers cannot say: the map is set outside the controllers. */
function elsewhere(problem: MapProblem): DeriveResult {
  return { ok: false, problems: [problem], elsewhere: true };
}

// ------------------------------------------------------------------------------ TI DMM + EMIF

export interface TiEmifImage {
  readonly id: string;
  readonly sdramConfig: number;
  readonly sdramConfig2?: number | undefined;
}

export interface TiDeriveInput {
  readonly dramBase: number;
  readonly dramSize: number;
  /** DMM LISA_MAP_0..3. */
  readonly lisaMaps: readonly number[];
  /** Which LISA_MAP_n the image gives (the others read 0); default all. */
  readonly lisaGiven?: readonly boolean[];
  /** EMIF1, EMIF2 (in SDRC_MAP order). */
  readonly emifs: readonly TiEmifImage[];
  readonly dmmId?: string;
  readonly path?: RegisterPath;
}

export function deriveTiEmif(input: TiDeriveInput): DeriveResult {
  const path = input.path ?? defaultPath;
  const dmm = input.dmmId ?? 'dmm';
  const problems: MapProblem[] = [];
  const dramEnd = input.dramBase + input.dramSize;
  const sections: { i: number; sys: number; size: number; intl: number; map: number }[] = [];
  input.lisaMaps.forEach((v, i) => {
    const map = extract(v, 8, 2);
    const addrspc = extract(v, 16, 2);
    if (map === 0 || addrspc === 2) return; // unmapped, or the trap section
    const sys = extract(v, 24, 8) * 2 ** 24;
    const size = 2 ** (24 + extract(v, 20, 3));
    if (sys >= dramEnd || sys + size <= input.dramBase) return;
    if (addrspc !== 0) {
      problems.push({
        path: path(dmm, `LISA_MAP_${i}`),
        message: `SDRC_ADDRSPC=${addrspc} (not SDRAM) in a section over DRAM`,
      });
      return;
    }
    sections.push({ i, sys, size, intl: extract(v, 18, 2), map });
  });
  if (problems.length > 0) return fail(problems);
  if (sections.length === 0) {
    // At the first LISA_MAP the image gives (the one to fix), else LISA_MAP_0.
    const first = Math.max(
      0,
      input.lisaMaps.findIndex((_, i) => input.lisaGiven?.[i] ?? true),
    );
    return fail([
      {
        path: path(dmm, `LISA_MAP_${first}`),
        message: `no DMM LISA section maps DRAM at ${hex(input.dramBase)}`,
      },
    ]);
  }
  if (sections.length > 1) {
    return fail([
      {
        path: path(dmm, `LISA_MAP_${sections[1]!.i}`),
        message: `LISA_MAP_${sections[0]!.i} and LISA_MAP_${sections[1]!.i} both map DRAM; only one SDRAM section is modelled`,
      },
    ]);
  }
  const sec = sections[0]!;
  const secPath = path(dmm, `LISA_MAP_${sec.i}`);
  if (sec.sys !== input.dramBase || sec.size !== input.dramSize) {
    problems.push({
      path: secPath,
      message: `maps ${hex(sec.sys)} + ${formatBytes(sec.size)}, but DRAM is ${hex(input.dramBase)} + ${formatBytes(input.dramSize)}`,
    });
  }
  const used = sec.map === 3 ? [0, 1] : [sec.map - 1];
  for (const e of used) {
    if (input.emifs[e] === undefined) {
      return fail([
        ...problems,
        {
          path: secPath,
          message: `SDRC_MAP=${sec.map} uses EMIF${e + 1}, but no EMIF${e + 1} register image is given`,
        },
      ]);
    }
  }
  if (sec.map === 3 && sec.intl === 0)
    problems.push({ path: secPath, message: 'SDRC_MAP=3 (both EMIFs) needs SDRC_INTL 1-3 (128/256/512 B), got 0' });

  interface Geo {
    byteBits: number;
    colBits: number;
    bankBits: number;
    csBits: number;
    rowBits: number;
  }
  const geos: Geo[] = [];
  const beforeEmifs = problems.length;
  for (const e of used) {
    const emif = input.emifs[e]!;
    const p = path(emif.id, 'SDRAM_CONFIG');
    const c = emif.sdramConfig;
    const ibankPos = extract(c, 27, 2);
    const narrow = extract(c, 14, 2);
    const rowsize = extract(c, 7, 3);
    const ibank = extract(c, 4, 3);
    const pagesize = extract(c, 0, 3);
    const before = problems.length;
    if (ibankPos !== 0)
      problems.push({ path: p, message: `IBANK_POS=${ibankPos} is not modelled (only 0: row|CS|bank|column)` });
    if (emif.sdramConfig2 !== undefined && extract(emif.sdramConfig2, 27, 1) !== 0) {
      problems.push({
        path: path(emif.id, 'SDRAM_CONFIG_2'),
        message: 'EBANK_POS=1 is not modelled (only 0: CS below the row bits)',
      });
    }
    if (narrow > 1) problems.push({ path: p, message: `NARROW_MODE=${narrow} is reserved (0 = 32-bit, 1 = 16-bit)` });
    if (ibank > 3) problems.push({ path: p, message: `IBANK=${ibank} is reserved (0-3 = 1/2/4/8 banks)` });
    if (pagesize > 3)
      problems.push({ path: p, message: `PAGESIZE=${pagesize} is not supported (0-3 = 8-11 column bits)` });
    if (problems.length > before) continue;
    geos.push({
      byteBits: narrow === 0 ? 2 : 1,
      colBits: 8 + pagesize,
      bankBits: ibank,
      csBits: extract(c, 3, 1),
      rowBits: 9 + rowsize,
    });
  }
  if (problems.length > beforeEmifs) return fail(problems);
  if (geos.length === 2) {
    const [a, b] = geos as [Geo, Geo];
    const fields: [keyof Geo, string][] = [
      ['byteBits', 'NARROW_MODE'],
      ['colBits', 'PAGESIZE'],
      ['bankBits', 'IBANK'],
      ['csBits', 'EBANK'],
      ['rowBits', 'ROWSIZE'],
    ];
    const differ = fields.filter(([k]) => a[k] !== b[k]).map(([, name]) => name);
    if (differ.length > 0) {
      return fail([
        {
          path: path(input.emifs[1]!.id, 'SDRAM_CONFIG'),
          message: `geometry differs from ${input.emifs[0]!.id} in ${differ.join(', ')}; interleaved EMIFs must match`,
        },
      ]);
    }
  }
  const g = geos[0]!;
  // EMIF-local layout, LSB first: byte | column | bank | CS | row.
  let k = 0;
  const take = (n: number): number[] => {
    const out = range(k, n);
    k += n;
    return out;
  };
  const local = {
    byte: take(g.byteBits),
    column: take(g.colBits),
    bank: take(g.bankBits),
    rank: take(g.csBits),
    row: take(g.rowBits),
  };
  const emifBytes = 2 ** k;
  const interleaved = sec.map === 3;
  const ib = 6 + sec.intl;
  const sys = (l: number[]): number[] => (interleaved ? l.map((b) => (b >= ib ? b + 1 : b)) : l);
  const capacity = emifBytes * used.length;
  if (capacity !== sec.size) {
    problems.push({
      path: secPath,
      message: `SDRAM_CONFIG geometry gives ${used.length} x ${formatBytes(emifBytes)} = ${formatBytes(capacity)}, but the section maps ${formatBytes(sec.size)}`,
    });
  }
  if (problems.length > 0) return fail(problems);
  return {
    ok: true,
    map: {
      bits: {
        controller: interleaved ? [ib] : [],
        channel: [],
        rank: sys(local.rank),
        bank: sys(local.bank),
        row: sys(local.row),
        column: sys(local.column),
        byte: sys(local.byte),
      },
      controllers: used.map((e) => input.emifs[e]!.id),
      channels: [],
      capacityBytes: capacity,
    },
  };
}

// ------------------------------------------------------------------------------ NXP MMDC

export interface MmdcDeriveInput {
  readonly controller: string;
  readonly dramBase: number;
  readonly dramSize: number;
  readonly mdctl: number;
  readonly mdmisc: number;
  readonly mdasp: number;
  readonly path?: RegisterPath;
}

/** MDCTL.COL code -> column bits (not linear; MCUX SDK MMDC_MDCTL_COL). */
const MMDC_COL_BITS: readonly (number | undefined)[] = [9, 10, 11, 8, 12];

export function deriveMmdc(input: MmdcDeriveInput): DeriveResult {
  const path = input.path ?? defaultPath;
  const id = input.controller;
  const problems: MapProblem[] = [];
  const ctl = input.mdctl;
  const pCtl = path(id, 'MDCTL');
  if (extract(ctl, 31, 1) === 0) problems.push({ path: pCtl, message: 'SDE_0=0: chip select 0 is disabled' });
  const rowCode = extract(ctl, 24, 3);
  const colCode = extract(ctl, 20, 3);
  const dsiz = extract(ctl, 16, 2);
  if (rowCode > 5) problems.push({ path: pCtl, message: `ROW=${rowCode} is reserved (0-5 = 11-16 row bits)` });
  const colBits = MMDC_COL_BITS[colCode];
  if (colBits === undefined)
    problems.push({ path: pCtl, message: `COL=${colCode} is reserved (0-4 = 9, 10, 11, 8, 12 column bits)` });
  if (dsiz > 2) problems.push({ path: pCtl, message: `DSIZ=${dsiz} is reserved (0-2 = 16/32/64-bit)` });
  if (problems.length > 0) return fail(problems);
  const byteBits = dsiz + 1;
  const bankBits = extract(input.mdmisc, 5, 1) === 1 ? 2 : 3;
  const rowBits = 11 + rowCode;
  const biOn = extract(input.mdmisc, 12, 1) === 1;
  let k = 0;
  const take = (n: number): number[] => {
    const out = range(k, n);
    k += n;
    return out;
  };
  const byte = take(byteBits);
  const column = take(colBits!);
  let bank: number[];
  let row: number[];
  if (biOn) {
    bank = take(bankBits);
    row = take(rowBits);
  } else {
    row = take(rowBits);
    bank = take(bankBits);
  }
  const csBytes = 2 ** k;
  const cs1 = extract(ctl, 30, 1) === 1;
  const cs0End = (extract(input.mdasp, 0, 7) + 1) * 32 * 2 ** 20;
  const cs0Bytes = cs0End - input.dramBase;
  const pAsp = path(id, 'MDASP');
  if (cs1 && cs0Bytes !== csBytes) {
    problems.push({
      path: pAsp,
      message: `CS0_END=${hex(extract(input.mdasp, 0, 7), 2)} ends CS0 at ${hex(cs0End)} (${formatBytes(Math.max(0, cs0Bytes))}), but one chip select holds ${formatBytes(csBytes)} (MDCTL)`,
    });
  }
  const capacity = csBytes * (cs1 ? 2 : 1);
  if (capacity !== input.dramSize) {
    problems.push({
      path: pCtl,
      message: `geometry gives ${cs1 ? 2 : 1} x ${formatBytes(csBytes)} = ${formatBytes(capacity)}, but DRAM is ${formatBytes(input.dramSize)}`,
    });
  }
  if (problems.length > 0) return fail(problems);
  return {
    ok: true,
    map: {
      bits: { controller: [], channel: [], rank: cs1 ? [k] : [], bank, row, column, byte },
      controllers: [id],
      channels: [],
      capacityBytes: capacity,
    },
  };
}

// ------------------------------------------------------------------------------ Synopsys uMCTL2

export interface Umctl2DeriveInput {
  readonly controller: string;
  readonly dramBase: number;
  readonly dramSize: number;
  readonly mstr: number;
  /** ADDRMAP0..ADDRMAP11; undefined = not written by the boot loader (reset value used where known). */
  readonly addrmap: readonly (number | undefined)[];
  /** Full DQ bus width in bytes (not in any register; i.MX8M: 4). */
  readonly busBytes?: number;
  /** LPDDR4 on an x32 bus: give each x16 channel its own die (channel = byte-lane bit 1). Default true. */
  readonly splitChannels?: boolean;
  readonly path?: RegisterPath;
}

/**
 * Register values assumed when the boot loader did not write an ADDRMAP register.
 * ✖ unverified reset values (the databook was not read): 0 for ADDRMAP2 (i.MX8MM EVK leaves it
 * unwritten with columns 2-5 at HIF 2-5), 0x0F0F for ADDRMAP7 (row_b16/b17 unused; 0 would
 * collide with row_b9/b10). Other registers must be given.
 */
export const UMCTL2_ASSUMED_RESET: Readonly<Record<number, number>> = { 2: 0x00000000, 7: 0x00000f0f };

export function deriveUmctl2(input: Umctl2DeriveInput): DeriveResult {
  const path = input.path ?? defaultPath;
  const id = input.controller;
  const problems: MapProblem[] = [];
  const pMstr = path(id, 'MSTR');
  const lpddr4 = extract(input.mstr, 5, 1) === 1;
  const busWidth = extract(input.mstr, 12, 2);
  if (busWidth !== 0)
    problems.push({ path: pMstr, message: `data_bus_width=${busWidth} (half/quarter bus) is not modelled` });
  const ranks = [0, 1, 2, 3].filter((r) => extract(input.mstr, 24 + r, 1) === 1).length;
  const busBytes = input.busBytes ?? 4;
  if (![2, 4, 8].includes(busBytes))
    problems.push({ path: pMstr, message: `bus width ${busBytes} bytes is not 2, 4 or 8` });
  const reg = (n: number): number | undefined => {
    const v = input.addrmap[n] ?? UMCTL2_ASSUMED_RESET[n];
    if (v === undefined)
      problems.push({ path: path(id, `ADDRMAP${n}`), message: 'is required to derive the address map' });
    return v;
  };
  const a0 = reg(0);
  const a1 = reg(1);
  const a2 = reg(2);
  const a3 = reg(3);
  const a4 = reg(4);
  const a5 = reg(5);
  const a6 = reg(6);
  const a7 = reg(7);
  if (problems.length > 0) return fail(problems);

  // HIF bit of each SDRAM address bit; fields by databook name.
  const hif = new Map<number, string>();
  const taken = (h: number, name: string, reg: string): void => {
    const prev = hif.get(h);
    if (prev !== undefined)
      problems.push({ path: path(id, reg), message: `${name} maps to HIF bit ${h}, already used by ${prev}` });
    else hif.set(h, name);
  };
  const field = (v: number, shift: number, width: number): number => extract(v, shift, width);
  const col: number[] = [0, 1];
  taken(0, 'col_b0', 'ADDRMAP2');
  taken(1, 'col_b1', 'ADDRMAP2');
  const colFields: [number, number, number, string][] = [
    [a2!, 0, 2, 'ADDRMAP2'],
    [a2!, 8, 3, 'ADDRMAP2'],
    [a2!, 16, 4, 'ADDRMAP2'],
    [a2!, 24, 5, 'ADDRMAP2'],
    [a3!, 0, 6, 'ADDRMAP3'],
    [a3!, 8, 7, 'ADDRMAP3'],
    [a3!, 16, 8, 'ADDRMAP3'],
    [a3!, 24, 9, 'ADDRMAP3'],
    [a4!, 0, 10, 'ADDRMAP4'],
    [a4!, 8, 11, 'ADDRMAP4'],
  ];
  for (const [v, shift, n, r] of colFields) {
    const f = field(v, shift, 4);
    if (f === 15 && n >= 4) break; // unused: no higher column bits either
    const h = f + n;
    col.push(h);
    taken(h, `addrmap_col_b${n}`, r);
  }
  const bank: number[] = [];
  const bankFields: [number, number][] = [
    [0, 2],
    [8, 3],
    [16, 4],
  ];
  for (const [shift, base] of bankFields) {
    const f = field(a1!, shift, 5);
    if (f === 31) break;
    const h = f + base;
    bank.push(h);
    taken(h, `addrmap_bank_b${base - 2}`, 'ADDRMAP1');
  }
  const row: number[] = [];
  const pushRow = (h: number, n: number, r: string): void => {
    row.push(h);
    taken(h, `addrmap_row_b${n}`, r);
  };
  pushRow(field(a5!, 0, 4) + 6, 0, 'ADDRMAP5');
  pushRow(field(a5!, 8, 4) + 7, 1, 'ADDRMAP5');
  const b2to10 = field(a5!, 16, 4);
  if (b2to10 !== 15) {
    for (let n = 2; n <= 10; n++) pushRow(b2to10 + n + 6, n, 'ADDRMAP5');
  } else {
    const a9 = reg(9);
    const a10 = reg(10);
    const a11 = reg(11);
    if (problems.length > 0) return fail(problems);
    const individual: [number, number, string][] = [
      [a9!, 0, 'ADDRMAP9'],
      [a9!, 8, 'ADDRMAP9'],
      [a9!, 16, 'ADDRMAP9'],
      [a9!, 24, 'ADDRMAP9'],
      [a10!, 0, 'ADDRMAP10'],
      [a10!, 8, 'ADDRMAP10'],
      [a10!, 16, 'ADDRMAP10'],
      [a10!, 24, 'ADDRMAP10'],
      [a11!, 0, 'ADDRMAP11'],
    ];
    for (const [i, [v, shift, r]] of individual.entries()) pushRow(field(v, shift, 4) + 8 + i, 2 + i, r);
  }
  const highRows: [number, number, number, string][] = [
    [a5!, 24, 11, 'ADDRMAP5'],
    [a6!, 0, 12, 'ADDRMAP6'],
    [a6!, 8, 13, 'ADDRMAP6'],
    [a6!, 16, 14, 'ADDRMAP6'],
    [a6!, 24, 15, 'ADDRMAP6'],
    [a7!, 0, 16, 'ADDRMAP7'],
    [a7!, 8, 17, 'ADDRMAP7'],
  ];
  for (const [v, shift, n, r] of highRows) {
    const f = field(v, shift, 4);
    if (f === 15) break;
    if (n >= 16 && !lpddr4) break; // row_b16/b17 exist for DDR4/LPDDR4 only
    pushRow(f + n + 6, n, r);
  }
  const rank: number[] = [];
  const cs0 = field(a0!, 0, 5);
  const cs1 = field(a0!, 8, 5);
  if (ranks >= 2) {
    if (cs0 === 31)
      problems.push({
        path: path(id, 'ADDRMAP0'),
        message: `MSTR.active_ranks enables ${ranks} ranks but addrmap_cs_bit0 is 31 (unused)`,
      });
    else {
      rank.push(cs0 + 6);
      taken(cs0 + 6, 'addrmap_cs_bit0', 'ADDRMAP0');
    }
  }
  if (ranks >= 4 && cs1 !== 31) {
    rank.push(cs1 + 7);
    taken(cs1 + 7, 'addrmap_cs_bit1', 'ADDRMAP0');
  }
  if (problems.length > 0) return fail(problems);
  const hifBits = Math.max(...hif.keys()) + 1;
  for (let h = 0; h < hifBits; h++) {
    if (!hif.has(h)) {
      problems.push({
        path: path(id, 'ADDRMAP0'),
        message: `HIF bit ${h} is mapped to no SDRAM address bit (HIF bits 0-${hifBits - 1} must all be used)`,
      });
      return fail(problems);
    }
  }
  const mode = extract(a6!, 29, 2);
  const shift = Math.log2(busBytes);
  const sys = (l: number[]): number[] => l.map((h) => h + shift);
  let capacity = 2 ** (hifBits + shift);
  let rowsPerDie: number | undefined;
  if (lpddr4 && mode !== 0) {
    capacity = (capacity * 3) / 4;
    rowsPerDie = (2 ** row.length * 3) / 4;
  }
  if (capacity !== input.dramSize) {
    problems.push({
      path: path(id, 'ADDRMAP5'),
      message: `the ADDRMAP registers address ${formatBytes(capacity)}, but DRAM is ${formatBytes(input.dramSize)}`,
    });
    return fail(problems);
  }
  const split = lpddr4 && busBytes === 4 && (input.splitChannels ?? true);
  const laneBits = range(0, shift);
  return {
    ok: true,
    map: {
      bits: {
        controller: [],
        channel: split ? [shift - 1] : [],
        rank: sys(rank),
        bank: sys(bank),
        row: sys(row),
        column: sys(col),
        byte: split ? laneBits.slice(0, -1) : laneBits,
      },
      controllers: [id],
      channels: split ? ['a', 'b'] : [],
      capacityBytes: capacity,
      ...(rowsPerDie !== undefined ? { rowsPerDie } : {}),
    },
  };
}

// ------------------------------------------------------------------------------ from a board

function lookup(
  regs: Readonly<Record<string, number>>,
  names: readonly string[],
): { name: string; value: number } | undefined {
  for (const want of names) {
    for (const [k, v] of Object.entries(regs)) if (k.toUpperCase() === want) return { name: k, value: v };
  }
  return undefined;
}

export interface DeriveOptions {
  /** uMCTL2 DQ bus width in bytes (default 4). */
  readonly umctl2BusBytes?: number;
  /** uMCTL2 LPDDR4 x32: one die per x16 channel (default true). */
  readonly splitLpddr4Channels?: boolean;
}

/**
 * Derives the bits from a board's controller register images. Paths name
 * `controllers[i].registers.NAME` and `controllers[i].blocks.dmm.registers.LISA_MAP_n`.
 */
export function deriveAddressBits(
  controllers: readonly ControllerConfig[],
  dramBase: number,
  dramSize: number,
  options: DeriveOptions = {},
): DeriveResult {
  if (controllers.length === 0)
    return fail([{ path: 'controllers', message: 'no controllers to derive the address map from' }]);
  const kinds = [...new Set(controllers.map((c) => c.kind))];
  if (kinds.length > 1)
    return elsewhere({
      path: 'controllers',
      message: `controllers of different kinds (${kinds.join(', ')}) cannot be derived together`,
    });
  const kind = kinds[0]!;
  const indexOf = new Map(controllers.map((c, i) => [c.id, i]));
  const regPath =
    (blockOf: (controller: string) => string | undefined) =>
    (controller: string, register: string): string => {
      const i = indexOf.get(controller);
      const block = blockOf(controller);
      if (i === undefined) return `${controller}.${register}`;
      return block === undefined
        ? `controllers[${i}].registers.${register}`
        : `controllers[${i}].blocks.${block}.registers.${register}`;
    };
  // A register the image leaves out cannot say anything (the model's own checks say whether it
  // needs it): explicit addressMap.bits stand in for it.
  const missing = (i: number, name: string): DeriveResult =>
    elsewhere({ path: `controllers[${i}].registers.${name}`, message: 'is required to derive the address map' });

  if (kind === 'ste-prcmu') {
    return elsewhere({
      path: 'controllers[0]',
      message:
        'the PRCMU firmware owns the DDR controller: no address-map registers to derive from; give addressMap.bits explicitly',
    });
  }
  if (kind === 'ti-emif') {
    let dmmOwner = -1;
    let dmmKey = '';
    controllers.forEach((c, i) => {
      if (dmmOwner >= 0) return;
      const key = Object.keys(c.blocks).find((k) => k.toLowerCase() === 'dmm');
      if (key !== undefined) {
        dmmOwner = i;
        dmmKey = key;
      }
    });
    // Without the DMM's LISA_MAP registers the EMIF images cannot say where their sections sit.
    if (dmmOwner < 0)
      return elsewhere({
        path: 'controllers[0].blocks',
        message: 'no dmm block (DMM LISA_MAP registers) on any ti-emif controller; give addressMap.bits explicitly',
      });
    const dmmRegs = controllers[dmmOwner]!.blocks[dmmKey]!.registers;
    const lisaNames: string[] = [];
    const lisaGiven: boolean[] = [];
    const lisaMaps = [0, 1, 2, 3].map((n) => {
      const r = lookup(dmmRegs, [`LISA_MAP_${n}`, `DMM_LISA_MAP_${n}`]);
      lisaNames.push(r?.name ?? `LISA_MAP_${n}`);
      lisaGiven.push(r !== undefined);
      return r?.value ?? 0;
    });
    const emifs: TiEmifImage[] = [];
    for (const [i, c] of controllers.entries()) {
      const cfg = lookup(c.registers, ['SDRAM_CONFIG', 'EMIF_SDRAM_CONFIG']);
      if (cfg === undefined) return missing(i, 'SDRAM_CONFIG');
      const cfg2 = lookup(c.registers, ['SDRAM_CONFIG_2', 'EMIF_SDRAM_CONFIG_2']);
      emifs.push({ id: c.id, sdramConfig: cfg.value, sdramConfig2: cfg2?.value });
    }
    const dmmId = '#dmm'; // not a controller id: marks DMM registers for the path callback
    const base = regPath(() => undefined);
    return deriveTiEmif({
      dramBase,
      dramSize,
      lisaMaps,
      lisaGiven,
      emifs,
      dmmId,
      path: (controller, register) => {
        if (controller !== dmmId) return base(controller, register);
        const n = Number(register.slice('LISA_MAP_'.length));
        return `controllers[${dmmOwner}].blocks.${dmmKey}.registers.${lisaNames[n] ?? register}`;
      },
    });
  }
  if (controllers.length > 1) {
    return elsewhere({
      path: 'controllers',
      message: `${controllers.length} ${kind} controllers: interleaving between controllers is set outside them (SoC interconnect); give addressMap.bits explicitly`,
    });
  }
  const c = controllers[0]!;
  const path = regPath(() => undefined);
  if (kind === 'fsl-mmdc') {
    const need = (name: string): number | undefined => lookup(c.registers, [name])?.value;
    const mdctl = need('MDCTL');
    const mdmisc = need('MDMISC');
    const mdasp = need('MDASP');
    if (mdctl === undefined) return missing(0, 'MDCTL');
    if (mdmisc === undefined) return missing(0, 'MDMISC');
    if (mdasp === undefined) return missing(0, 'MDASP');
    return deriveMmdc({ controller: c.id, dramBase, dramSize, mdctl, mdmisc, mdasp, path });
  }
  // snps-umctl2
  const mstr = lookup(c.registers, ['MSTR'])?.value;
  if (mstr === undefined) return missing(0, 'MSTR');
  const addrmap = range(0, 12).map((n) => lookup(c.registers, [`ADDRMAP${n}`])?.value);
  return deriveUmctl2({
    controller: c.id,
    dramBase,
    dramSize,
    mstr,
    addrmap,
    path,
    ...(options.umctl2BusBytes !== undefined ? { busBytes: options.umctl2BusBytes } : {}),
    ...(options.splitLpddr4Channels !== undefined ? { splitChannels: options.splitLpddr4Channels } : {}),
  });
}

// ------------------------------------------------------------------------------ compare

/**
 * Problems where explicit bits (board config) and derived bits (registers) disagree: one per
 * coordinate, naming its first differing bit.
 */
export function compareBits(explicit: AddressBits, derived: AddressBits, prefix = 'addressMap.bits'): MapProblem[] {
  const problems: MapProblem[] = [];
  for (const c of COORDINATES) {
    const a = explicit[c];
    const b = derived[c];
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i]) continue;
      if (i < a.length && i < b.length) {
        problems.push({
          path: `${prefix}.${c}[${i}]`,
          message: `config says bit ${a[i]}, the controller registers give bit ${b[i]}`,
        });
      } else {
        const list = (l: readonly number[]): string => `[${l.join(', ')}]`;
        problems.push({
          path: `${prefix}.${c}`,
          message: `config lists ${a.length} ${c} bit${a.length === 1 ? '' : 's'} ${list(a)}, the controller registers give ${b.length} ${list(b)}`,
        });
      }
      break;
    }
  }
  return problems;
}
