import type { DramStandard } from '../board/board-config.js';
import { popcount32, hex } from '../bits.js';
import type { RegisterDecl } from '../regs/register.js';
import { MODE_REGISTERS } from './mode-registers.js';

/**
 * Per-standard LPDDR tables: geometry by density, PASR mask registers, MR8/MR4/MR10/MR5 encodings and
 * timings. Data, not code: the functions at the end only look things up.
 *
 * Source keys are those of reference/lpddr.md §0. Confidence: ✔ read in the source, ◐ derived by
 * arithmetic from cited values, ✖ unverified (general knowledge of JESD209-x, or a placeholder) —
 * every ✖ value is a named field of a table so it can be overridden once checked against the JEDEC PDF.
 *
 * Segments: a segment is one eighth of every bank, selected by the 3 most-significant row address
 * bits (◐ reference §1.2, MTKPASR eighth-of-rank rule). A part whose row count is 3/4 of a power of two
 * (3/6/12/24 Gb) has row-eighths 0..5 only: segments 6 and 7 do not exist.
 */

export type IoWidth = 8 | 16 | 32;
export type MrAccess = 'ro' | 'wo' | 'rw';

/** One line of a geometry table: what one die (one channel of one die on LPDDR4/5) holds. */
export interface GeometryRow {
  readonly densityMbit: number;
  readonly ioWidth: IoWidth;
  readonly banks: number;
  /** Row count; not a power of two for 3/6/12/24 Gb parts. */
  readonly rows: number;
  readonly columnBits: number;
  /** Average refresh interval at nominal temperature (MR4 = 3). */
  readonly tREFIns: number;
  readonly tRFCabNs: number;
  /** Source keys and confidence. */
  readonly src: string;
}

/** Geometry of one die of a standard, with everything derived from its table row. */
export interface Geometry extends GeometryRow {
  readonly standard: DramStandard;
  /** ceil(log2(rows)). */
  readonly rowBits: number;
  /** Bytes in one row of one bank (the page): 2^columnBits * ioWidth / 8. */
  readonly rowBytes: number;
  /** Bytes in the whole array of this die (per channel on LPDDR4/5). */
  readonly bytes: number;
  /** Row-eighths that exist (8, or 6 when rows are 3/4 of a power of two). Defined for every part. */
  readonly segments: number;
  /** Row address bits that select the segment, LSB first (e.g. [11, 12, 13] for R13:R11). */
  readonly segmentRowBits: readonly number[];
  readonly rowsPerSegment: number;
  /** Bytes of this die's own array in one segment (all banks). */
  readonly segmentBytes: number;
  /** MR carrying the bank mask (MR16), or null (LPDDR5). */
  readonly bankMaskMr: 16 | null;
  /** `bitmask`: bit n masks bank n; `s2-code`: MR16 OP[1:0] is the LPDDR2-S2 PASR fraction code. */
  readonly bankMaskKind: 'bitmask' | 's2-code' | 'none';
  /** MR carrying the segment mask (MR17, MR23 on LPDDR5), or null when this part has none. */
  readonly segmentMaskMr: 17 | 23 | null;
}

/** A timing as a formula over tCK: max(ns + (plusTrfc ? tRFCab : 0), nck * tCK). */
export interface TimingFormula {
  readonly ns?: number;
  readonly nck?: number;
  readonly plusTrfc?: boolean;
  readonly src: string;
}

/** Timings in ns, evaluated for one tCK (and one density for tREFI/tRFCab/tXSR). */
export interface Timings {
  readonly tCK: number;
  /** MRW to MRW. */
  readonly tMRW: number;
  /** MRW to any other command. */
  readonly tMRD: number;
  /** MRR to next command. */
  readonly tMRR: number;
  readonly tREFI: number;
  readonly tRFCab: number;
  /** Self-refresh exit to next valid command. */
  readonly tXSR: number;
  /** Minimum self-refresh residency (tCKESR on LPDDR2/3, tSR on LPDDR4/5). */
  readonly tSR: number;
  readonly tZQINIT: number;
  readonly tZQCL: number;
  readonly tZQCS: number;
  /** Device auto-initialisation after power-up/reset while MR0.DAI = 1 (0 when the standard has no DAI). */
  readonly tDAI: number;
}

export type TimingName = Exclude<keyof Timings, 'tCK' | 'tREFI' | 'tRFCab'>;
export const TIMING_NAMES: readonly (keyof Timings)[] = [
  'tCK',
  'tMRW',
  'tMRD',
  'tMRR',
  'tREFI',
  'tRFCab',
  'tXSR',
  'tSR',
  'tZQINIT',
  'tZQCL',
  'tZQCS',
  'tDAI',
];

export interface Mr8Codec {
  /** OP[1:0] code -> type name. */
  readonly typeCodes: Readonly<Record<number, string>>;
  /** The type a part of this standard reports. */
  readonly expectedType: string;
  /** OP[5:2] code -> density in Mbit as a DieConfig carries it (per channel on LPDDR4/5). */
  readonly densityCodes: Readonly<Record<number, number>>;
  /** OP[7:6] code -> I/O width. */
  readonly widthCodes: Readonly<Record<number, IoWidth>>;
  /** Channels per device: the device (die) density is densityMbit * this. */
  readonly channelsPerDevice: number;
}

export interface Mr4Code {
  readonly code: number;
  readonly meaning: string;
  /** tREFI multiplier in force (4 = refresh 4x less often), null when not a refresh rate. */
  readonly refreshMultiplier: number | null;
}

/** MR4 code reported for temperatures up to and including maxC (first match wins). */
export interface Mr4Band {
  readonly maxC: number;
  readonly code: number;
}

export type PasrCombine = 'either' | 'both';

export interface PasrSpec {
  readonly bankMaskMr: 16 | null;
  readonly bankMaskKind: 'bitmask' | 's2-code' | 'none';
  readonly segmentMaskMr: 17 | 23 | null;
  /** Densities (Mbit, inclusive) whose parts have the segment-mask MR. */
  readonly segmentMaskDensities: readonly [number, number] | null;
  /** `set-masks`: bit = 1 means not refreshed. */
  readonly maskPolarity: 'set-masks' | 'set-refreshes';
  /**
   * How bank and segment masks combine. `either`: a row is refreshed only if neither its bank nor its
   * segment is masked (✖ reference §1.2 "Combined"). `both`: a row is lost only if both are masked.
   */
  readonly combine: PasrCombine;
  /** S2 only: refreshed fraction per MR16 OP[1:0] code. */
  readonly s2Fractions?: readonly number[];
  /** LPDDR5: MR25 bit that extends the MR23 mask to REFab/REFpb (PARC). */
  readonly parc?: { readonly mr: number; readonly bit: number };
}

/** Auto-refresh rate the controller uses above a die temperature (multiple of the nominal 1/tREFI). */
export interface RefreshDerating {
  readonly aboveC: number;
  readonly rateMultiplier: number;
}

export interface StandardSpec {
  readonly standard: DramStandard;
  readonly jedec: string;
  readonly geometry: readonly GeometryRow[];
  readonly pasr: PasrSpec;
  /** Auto-refresh rate above the nominal range (awake refresh power), first match from the hottest. */
  readonly refreshDerating: readonly RefreshDerating[];
  readonly mr8: Mr8Codec;
  readonly mr4Codes: readonly Mr4Code[];
  readonly mr4Bands: readonly Mr4Band[];
  /** MR10 codes, or null where MR10 is not the LPDDR2 ZQ command register. */
  readonly zqCodes: Readonly<Record<number, string>> | null;
  /** MR whose MRW resets the MR file (MR63), or null. */
  readonly resetMr: number | null;
  /** Value an MRR of a write-only or unknown MR returns. ✖ (JESD209 says "undefined"). */
  readonly mrrUndefinedValue: number;
  readonly tckNs: number;
  readonly timings: Readonly<Record<TimingName, TimingFormula>>;
  /** Why an MR is absent or unusable on some parts, added to guest-error messages. */
  readonly mrNotes: Readonly<Record<number, string>>;
  /** Names of the ✖ parameters of this entry, for reports. */
  readonly unverified: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Geometry tables
// ---------------------------------------------------------------------------------------------

type Row = [
  densityMbit: number,
  ioWidth: IoWidth,
  banks: number,
  rows: number,
  columnBits: number,
  tREFIns: number,
  tRFCabNs: number,
  src: string,
];

function rows(list: readonly Row[]): GeometryRow[] {
  return list.map(([densityMbit, ioWidth, banks, rows, columnBits, tREFIns, tRFCabNs, src]) => ({
    densityMbit,
    ioWidth,
    banks,
    rows,
    columnBits,
    tREFIns,
    tRFCabNs,
    src,
  }));
}

const JD = '✔ UB-EMIFC rows/cols, LX-JDATA banks/tREFI/tRFCab';

// LPDDR2-S4: reference §1.2 table. No x8 rows: UB-EMIFC has none (addressing_table_index rejects x8).
const LPDDR2_S4_GEOMETRY = rows([
  // Mbit  width banks rows   cols tREFI  tRFCab
  [64, 32, 4, 4096, 7, 15600, 90, JD],
  [64, 16, 4, 4096, 8, 15600, 90, JD],
  [128, 32, 4, 4096, 8, 15600, 90, JD],
  [128, 16, 4, 4096, 9, 15600, 90, JD],
  [256, 32, 4, 8192, 8, 7800, 90, JD],
  [256, 16, 4, 8192, 9, 7800, 90, JD],
  [512, 32, 4, 8192, 9, 7800, 90, JD],
  [512, 16, 4, 8192, 10, 7800, 90, JD],
  [1024, 32, 8, 8192, 9, 7800, 130, JD],
  [1024, 16, 8, 8192, 10, 7800, 130, JD],
  [2048, 32, 8, 16384, 9, 3900, 130, JD],
  [2048, 16, 8, 16384, 10, 3900, 130, JD],
  [4096, 32, 8, 16384, 10, 3900, 130, JD],
  [4096, 16, 8, 16384, 11, 3900, 130, JD],
  [8192, 32, 8, 32768, 10, 3900, 210, JD],
  [8192, 16, 8, 32768, 11, 3900, 210, JD],
]);

// LPDDR2-S2: below 1 Gb the addressing table is shared with S4 (UB-EMIFC indexes it by density for
// both types); 1 Gb and 2 Gb S2 have their own 4-bank rows.
const LPDDR2_S2_GEOMETRY: GeometryRow[] = [
  ...LPDDR2_S4_GEOMETRY.filter((g) => g.densityMbit < 1024),
  ...rows([
    [1024, 32, 4, 16384, 9, 7800, 130, JD],
    [1024, 16, 4, 16384, 10, 7800, 130, JD],
    [2048, 32, 4, 32768, 9, 3900, 130, JD],
    [2048, 16, 4, 32768, 10, 3900, 130, JD],
  ]),
];

// LPDDR3: 8 banks for all densities (✔ DSYS-LP3, TFA-RK). Only 4 Gb x32 is read (✔ DSYS-LP3: 16384 rows,
// 1024 cols, tREFI 3120 nCK and tRFC 104 nCK at tCK 1.25 ns). x16 = one more column bit ◐ (LPDDR2
// pattern). Other densities: rows, columns, tRFCab ✖ (LPDDR3_GEOMETRY_UNVERIFIED).
const L3X = '✖ LPDDR3_GEOMETRY_UNVERIFIED (rows double per density step, 4 KiB x32 page kept)';
const LPDDR3_GEOMETRY = rows([
  [4096, 32, 8, 16384, 10, 3900, 130, '✔ DSYS-LP3'],
  [4096, 16, 8, 16384, 11, 3900, 130, '◐ DSYS-LP3 + LPDDR2 x16 pattern'],
  [6144, 32, 8, 24576, 10, 3900, 210, L3X],
  [6144, 16, 8, 24576, 11, 3900, 210, L3X],
  [8192, 32, 8, 32768, 10, 3900, 210, L3X],
  [8192, 16, 8, 32768, 11, 3900, 210, L3X],
  [12288, 32, 8, 49152, 10, 3900, 210, L3X],
  [12288, 16, 8, 49152, 11, 3900, 210, L3X],
  [16384, 32, 8, 65536, 10, 3900, 210, L3X],
  [16384, 16, 8, 65536, 11, 3900, 210, L3X],
  [32768, 32, 8, 131072, 10, 3900, 210, L3X],
  [32768, 16, 8, 131072, 11, 3900, 210, L3X],
]);

// LPDDR4/4X, per channel (what one CS on one channel addresses): 8 banks, 1024 columns x16 (✔ DSYS
// JEDEC_8Gb_LPDDR4-3200_16bit 65536 rows, MICRON_6Gb_LPDDR4-3200 49152 rows, JEDEC_1Gbx16 131072 rows);
// other row counts ◐ from density / (8 banks * 1024 cols * 16 bits). tRFCab per MR8 density group ✔ CB-MT92,
// tREFI 6246 nCK at 0.625 ns ✔ DSYS. Byte mode (x8): same columns, twice the rows ✖ LPDDR4_X8_GEOMETRY.
const L4 = '◐ DSYS (8 banks, 1024 cols) + CB-MT92 tRFCab';
const L4X8 = '✖ LPDDR4_X8_GEOMETRY (byte mode: rows doubled)';
const LPDDR4_GEOMETRY = rows([
  [2048, 16, 8, 16384, 10, 3903.75, 130, L4],
  [3072, 16, 8, 24576, 10, 3903.75, 180, L4],
  [4096, 16, 8, 32768, 10, 3903.75, 180, L4],
  [6144, 16, 8, 49152, 10, 3903.75, 280, '✔ DSYS MICRON_6Gb_LPDDR4-3200, CB-MT92'],
  [8192, 16, 8, 65536, 10, 3903.75, 280, '✔ DSYS JEDEC_8Gb_LPDDR4-3200_16bit, CB-MT92'],
  [12288, 16, 8, 98304, 10, 3903.75, 380, L4],
  [16384, 16, 8, 131072, 10, 3903.75, 380, '✔ DSYS JEDEC_1Gbx16_LPDDR4-3200 (RFCab 608 nCK), CB-MT92'],
  [2048, 8, 8, 32768, 10, 3903.75, 130, L4X8],
  [3072, 8, 8, 49152, 10, 3903.75, 180, L4X8],
  [4096, 8, 8, 65536, 10, 3903.75, 180, L4X8],
  [6144, 8, 8, 98304, 10, 3903.75, 280, L4X8],
  [8192, 8, 8, 131072, 10, 3903.75, 280, L4X8],
  [12288, 8, 8, 196608, 10, 3903.75, 380, L4X8],
  [16384, 8, 8, 262144, 10, 3903.75, 380, L4X8],
]);

// LPDDR5, per channel: all ✖ LPDDR5_GEOMETRY_UNVERIFIED — 16 banks, 2 KiB page (1024 x16 columns),
// rows from density; tREFI 3906 ns and tRFCab placeholders. Only MR23's 8 segments are sourced (◐ SNPS-CINIT).
const L5 = '✖ LPDDR5_GEOMETRY_UNVERIFIED';
const LPDDR5_GEOMETRY = rows([
  [2048, 16, 16, 8192, 10, 3906, 130, L5],
  [3072, 16, 16, 12288, 10, 3906, 180, L5],
  [4096, 16, 16, 16384, 10, 3906, 180, L5],
  [6144, 16, 16, 24576, 10, 3906, 210, L5],
  [8192, 16, 16, 32768, 10, 3906, 210, L5],
  [12288, 16, 16, 49152, 10, 3906, 280, L5],
  [16384, 16, 16, 65536, 10, 3906, 280, L5],
  [24576, 16, 16, 98304, 10, 3906, 380, L5],
  [32768, 16, 16, 131072, 10, 3906, 380, L5],
]);

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

/** MR8 OP[5:2] for LPDDR2/LPDDR3 ✔ UB-EMIF, LX-JEDEC, CB-RK (MiB = 8 << code). */
const LPDDR2_DENSITY_CODES: Readonly<Record<number, number>> = {
  0: 64,
  1: 128,
  2: 256,
  3: 512,
  4: 1024,
  5: 2048,
  6: 4096,
  7: 8192,
  8: 16384,
  9: 32768,
};

const LPDDR2_MR8: Omit<Mr8Codec, 'expectedType'> = {
  typeCodes: { 0: 'S4', 1: 'S2', 2: 'NVM', 3: 'S8' }, // ✔ UB-EMIF, CB-RK; S8 ✔ TFA-RK, QC-DDR, EXY-LP3
  densityCodes: LPDDR2_DENSITY_CODES,
  widthCodes: { 0: 32, 1: 16, 2: 8 }, // ✔ CB-RK (width = 32 >> code)
  channelsPerDevice: 1,
};

/** LPDDR3 12 Gb MR8 density code. ✖ not in the sources (reference §1.1 "LPDDR3 12 Gb code ✖"). */
export const LPDDR3_MR8_DENSITY_12GB_CODE = 0xd;

const LPDDR3_MR8: Mr8Codec = {
  ...LPDDR2_MR8,
  expectedType: 'S8',
  // 0xE = 6 Gb ✔ HISI-PASR, EXY-LP3 (the shift formula does not apply)
  densityCodes: { ...LPDDR2_DENSITY_CODES, 14: 6144, [LPDDR3_MR8_DENSITY_12GB_CODE]: 12288 },
};

/** LPDDR4 MR8 OP[1:0] type codes. ✖ "believed 0 = S16; no code or datasheet decodes it" (reference §1.1). */
export const LPDDR4_MR8_TYPE_CODES: Readonly<Record<number, string>> = { 0: 'S16' };

const LPDDR4_MR8: Mr8Codec = {
  typeCodes: LPDDR4_MR8_TYPE_CODES,
  expectedType: 'S16',
  // per channel; per die = 2x: 0 = 4 Gb die ... 6 = 32 Gb die ✔ CB-MCI, CB-MT92, CB-MT83, UB-VENICE
  densityCodes: { 0: 2048, 1: 3072, 2: 4096, 3: 6144, 4: 8192, 5: 12288, 6: 16384 },
  widthCodes: { 0: 16, 1: 8 }, // ✔ CB-MCI: 0 = x16 per channel, 1 = x8 byte mode
  channelsPerDevice: 2, // ✔ CB-MCI, MCN-LP4 (two channels per die)
};

/** LPDDR5 MR8: ✖ LPDDR5_MR8_CODES — layout and codes assumed as LPDDR4 with 2..32 Gb per channel. */
export const LPDDR5_MR8_CODES: Mr8Codec = {
  typeCodes: { 0: 'S16' },
  expectedType: 'S16',
  densityCodes: { 0: 2048, 1: 3072, 2: 4096, 3: 6144, 4: 8192, 5: 12288, 6: 16384, 7: 24576, 8: 32768 },
  widthCodes: { 0: 16, 1: 8 },
  channelsPerDevice: 1,
};

/** MR5 manufacturer IDs ✔ LX-JEDEC. */
export const VENDORS: Readonly<Record<number, string>> = {
  1: 'Samsung',
  2: 'Qimonda',
  3: 'Elpida',
  4: 'Etron',
  5: 'Nanya',
  6: 'SK hynix',
  7: 'Mosel',
  8: 'Winbond',
  9: 'ESMT',
  11: 'Spansion',
  12: 'SST',
  13: 'ZMOS',
  14: 'Intel',
  254: 'Numonyx',
  255: 'Micron',
};

/** MR4 OP[2:0] refresh-rate codes ✔ UB-EMIF, CB-RK, LX-JEDEC (LPDDR2; LPDDR3/4/5 reuse ✖). */
export const MR4_CODES: readonly Mr4Code[] = [
  { code: 0, meaning: 'SDRAM below low temperature operating limit', refreshMultiplier: null },
  { code: 1, meaning: '4x tREFI, 4x tREFIpb, 4x tREFW', refreshMultiplier: 4 },
  { code: 2, meaning: '2x tREFI, 2x tREFIpb, 2x tREFW', refreshMultiplier: 2 },
  { code: 3, meaning: '1x tREFI (nominal, <= 85 C)', refreshMultiplier: 1 },
  { code: 4, meaning: 'reserved', refreshMultiplier: null },
  { code: 5, meaning: '0.25x tREFI, do not derate AC timing', refreshMultiplier: 0.25 },
  { code: 6, meaning: '0.25x tREFI, derate AC timing', refreshMultiplier: 0.25 },
  { code: 7, meaning: 'SDRAM above high temperature operating limit', refreshMultiplier: null },
];

/**
 * Die temperature -> MR4 code. ✖ MR4_TEMPERATURE_BANDS: only "code 3 = nominal, <= 85 C" is sourced
 * (✔ UB-EMIF/CB-RK); the other thresholds are vendor-specific placeholders.
 */
export const MR4_TEMPERATURE_BANDS: readonly Mr4Band[] = [
  { maxC: -30, code: 0 },
  { maxC: 0, code: 1 },
  { maxC: 45, code: 2 },
  { maxC: 85, code: 3 },
  { maxC: 95, code: 5 },
  { maxC: 105, code: 6 },
  { maxC: Infinity, code: 7 },
];

/** MR10 ZQ codes ✔ UB-EMIF, CB-RK (LPDDR2). */
export const LPDDR2_ZQ_CODES: Readonly<Record<number, string>> = {
  255: 'ZQINIT (calibration after initialization)',
  171: 'ZQCL (long calibration)',
  86: 'ZQCS (short calibration)',
  195: 'ZQRESET',
};

/** MRR of a write-only MR returns this. ✖ MRR_UNDEFINED_VALUE: JESD209 leaves it undefined. */
export const MRR_UNDEFINED_VALUE = 0xff;

/** S2 MR16 code -> refreshed fraction ✔ CB-RK, TFA-RK (LPDDR2_PASR_FULL 0 ... _1_8 3). */
const S2_FRACTIONS = [1, 1 / 2, 1 / 4, 1 / 8] as const;

// ---------------------------------------------------------------------------------------------
// Timings (formulas over tCK; values ns)
// ---------------------------------------------------------------------------------------------

const LPDDR2_TIMINGS: Record<TimingName, TimingFormula> = {
  tMRW: { nck: 5, src: '✔ UB-MX6DDR, TFA-RK' },
  tMRD: { nck: 5, src: '✔ UB-MX6DDR (max(tMRR, tMRW)), TFA-RK' },
  tMRR: { nck: 2, src: '✔ MT-LP2, UB-MX6DDR' },
  tXSR: { ns: 10, plusTrfc: true, src: '✔ UB-EMIFC (tXSRD = tRFCab + 10 ns)' },
  tSR: { ns: 15, nck: 3, src: '✔ LX-JDATA tCKESR 15 ns, min 3 tCK' },
  tZQINIT: { ns: 1000, src: '✔ LX-JDATA' },
  tZQCL: { ns: 360, src: '✔ LX-JDATA' },
  tZQCS: { ns: 90, src: '✔ LX-JDATA' },
  tDAI: { ns: 10000, src: '✖ TDAI_UNVERIFIED (tINIT5 max 10 us)' },
};

const LPDDR3_TIMINGS: Record<TimingName, TimingFormula> = {
  tMRW: { ns: 14, nck: 10, src: '✔ TFA-RK (tMRD = tMRW = max(14 ns, 10 tCK))' },
  tMRD: { ns: 14, nck: 10, src: '✔ TFA-RK' },
  tMRR: { nck: 4, src: '✔ TFA-RK' },
  tXSR: { ns: 10, plusTrfc: true, src: '◐ DSYS-LP3 (XS 112 nCK = RFC 104 nCK + 10 ns at 1.25 ns)' },
  tSR: { ns: 15, nck: 3, src: '◐ DSYS-LP3 CKESR 12 nCK = 15 ns; 3 tCK min ✖' },
  tZQINIT: { ns: 1000, src: '✖ LPDDR3_ZQ_UNVERIFIED (LPDDR2 value)' },
  tZQCL: { ns: 360, src: '✖ LPDDR3_ZQ_UNVERIFIED' },
  tZQCS: { ns: 90, src: '✖ LPDDR3_ZQ_UNVERIFIED' },
  tDAI: { ns: 10000, src: '✖ TDAI_UNVERIFIED' },
};

const LPDDR4_TIMINGS: Record<TimingName, TimingFormula> = {
  tMRW: { ns: 10, nck: 10, src: '✔ SNPS-CINIT (lpddr4_tmrw = max(CEIL(10000, tck), 10))' },
  tMRD: { ns: 14, nck: 10, src: '✔ SNPS-CINIT, TFA-RK' },
  tMRR: { nck: 8, src: '✔ SNPS-CINIT, TFA-RK' },
  tXSR: { ns: 7.5, nck: 2, plusTrfc: true, src: '◐ DSYS (XSR 460 nCK = RFCab 448 nCK + 7.5 ns); 2 nCK ✖' },
  tSR: { ns: 15, nck: 3, src: '◐ DSYS (SR 24 nCK at 0.625 ns); 3 nCK ✖' },
  tZQINIT: { ns: 1000, src: '✖ LPDDR4_ZQ_UNVERIFIED (tZQCAL)' },
  tZQCL: { ns: 1000, src: '✖ LPDDR4_ZQ_UNVERIFIED (no ZQCL on LPDDR4; tZQCAL)' },
  tZQCS: { ns: 1000, src: '✖ LPDDR4_ZQ_UNVERIFIED (no ZQCS on LPDDR4; tZQCAL)' },
  tDAI: { ns: 0, src: 'no MR0.DAI on LPDDR4 (✖ LPDDR4 MR0 content)' },
};

const LPDDR5_TIMINGS: Record<TimingName, TimingFormula> = {
  tMRW: { ns: 10, nck: 5, src: '✔ SNPS-CINIT (JESD209-5A table 229)' },
  tMRD: { ns: 14, nck: 5, src: '✔ SNPS-CINIT' },
  tMRR: { nck: 8, src: '✔ SNPS-CINIT at WCK:CK 2:1 (4 nCK at 4:1: override tMRR)' },
  tXSR: { ns: 7.5, nck: 2, plusTrfc: true, src: '✖ LPDDR5_TIMINGS_UNVERIFIED (LPDDR4 rule)' },
  tSR: { ns: 15, nck: 2, src: '✖ LPDDR5_TIMINGS_UNVERIFIED' },
  tZQINIT: { ns: 1500, src: '✖ LPDDR5_TIMINGS_UNVERIFIED' },
  tZQCL: { ns: 1500, src: '✖ LPDDR5_TIMINGS_UNVERIFIED' },
  tZQCS: { ns: 1500, src: '✖ LPDDR5_TIMINGS_UNVERIFIED' },
  tDAI: { ns: 0, src: 'no MR0.DAI on LPDDR5 (✔ MTK-LP5 MR0 layout)' },
};

// ---------------------------------------------------------------------------------------------
// The standards
// ---------------------------------------------------------------------------------------------

/** ✖ PASR_COMBINE_RULE: "a row is refreshed only if neither its bank nor its segment is masked". */
export const PASR_COMBINE_RULE: PasrCombine = 'either';

/**
 * ✖ AUTO_REFRESH_DERATING: above 85 °C the controller refreshes twice as often (tREFI halved). Only
 * "MR4 code 3 = 1x tREFI, nominal, <= 85 C" is sourced (✔ UB-EMIF, CB-RK); the hot codes of MR4_CODES ask
 * for 0.25x tREFI, and how far a controller follows them is its own policy.
 */
export const AUTO_REFRESH_DERATING: readonly RefreshDerating[] = [{ aboveC: 85, rateMultiplier: 2 }];

const COMMON_UNVERIFIED = [
  'PASR_COMBINE_RULE',
  'MRR_UNDEFINED_VALUE',
  'MR4_TEMPERATURE_BANDS',
  'AUTO_REFRESH_DERATING',
];

const LPDDR2_S4: StandardSpec = {
  standard: 'LPDDR2-S4',
  jedec: 'JESD209-2',
  geometry: LPDDR2_S4_GEOMETRY,
  pasr: {
    bankMaskMr: 16,
    bankMaskKind: 'bitmask',
    segmentMaskMr: 17,
    segmentMaskDensities: [1024, 8192], // ✔ CB-RK "MR17 ... 1Gb-8Gb S4 SDRAM only"
    maskPolarity: 'set-masks', // ✔ STE, UB-EMIF, SKH-LP2
    combine: PASR_COMBINE_RULE,
  },
  refreshDerating: AUTO_REFRESH_DERATING,
  mr8: { ...LPDDR2_MR8, expectedType: 'S4' },
  mr4Codes: MR4_CODES,
  mr4Bands: MR4_TEMPERATURE_BANDS,
  zqCodes: LPDDR2_ZQ_CODES,
  resetMr: 63, // ✔ UB-MX6DDR
  mrrUndefinedValue: MRR_UNDEFINED_VALUE,
  tckNs: 2.5, // LPDDR2-800 (400 MHz), top LX-JDATA speed bin used by PandaBoard-class boards
  timings: LPDDR2_TIMINGS,
  mrNotes: { 17: 'MR17 (PASR segment mask) exists only on 1-8 Gb S4 SDRAM' }, // ✔ CB-RK
  unverified: [...COMMON_UNVERIFIED, 'TDAI_UNVERIFIED'],
};

/**
 * S2 PASR code -> masked banks/segments. ✖ S2_PASR_LAYOUT: the top banks are dropped first
 * (1/2 keeps banks 0-1 of 4, 1/4 keeps bank 0), and 1/8 keeps the lower half of bank 0's rows (segments
 * 0-3), following the LPDDR1 precedent "1/8 array (BA1 = BA0 = Row Addr MSB = 0)" (✔ Alliance
 * AS4C16M16MD1 p.16); the JESD209-2 S2 wording itself was not read.
 */
export const S2_PASR_LAYOUT = 'low-banks-then-low-rows' as const;

const LPDDR2_S2: StandardSpec = {
  ...LPDDR2_S4,
  standard: 'LPDDR2-S2',
  geometry: LPDDR2_S2_GEOMETRY,
  pasr: {
    bankMaskMr: 16,
    bankMaskKind: 's2-code',
    segmentMaskMr: null, // ✔ CB-RK: MR17 is S4 only
    segmentMaskDensities: null,
    maskPolarity: 'set-masks',
    combine: PASR_COMBINE_RULE,
    s2Fractions: S2_FRACTIONS,
  },
  refreshDerating: AUTO_REFRESH_DERATING,
  mr8: { ...LPDDR2_MR8, expectedType: 'S2' },
  mrNotes: {
    17: 'MR17 (PASR segment mask) exists only on 1-8 Gb S4 SDRAM; S2 parts set their PASR fraction in MR16 OP[1:0]',
  },
  unverified: [...COMMON_UNVERIFIED, 'TDAI_UNVERIFIED', 'S2_PASR_LAYOUT'],
};

const LPDDR3: StandardSpec = {
  standard: 'LPDDR3',
  jedec: 'JESD209-3',
  geometry: LPDDR3_GEOMETRY,
  pasr: {
    bankMaskMr: 16,
    bankMaskKind: 'bitmask',
    segmentMaskMr: 17, // ✔ HISI-PASR, MTK-6763
    segmentMaskDensities: [0, Infinity],
    maskPolarity: 'set-masks',
    combine: PASR_COMBINE_RULE,
  },
  refreshDerating: AUTO_REFRESH_DERATING,
  mr8: LPDDR3_MR8,
  mr4Codes: MR4_CODES,
  mr4Bands: MR4_TEMPERATURE_BANDS,
  zqCodes: LPDDR2_ZQ_CODES, // ✖ LPDDR3_ZQ_UNVERIFIED: LPDDR2 codes assumed
  resetMr: 63,
  mrrUndefinedValue: MRR_UNDEFINED_VALUE,
  tckNs: 1.25, // ✔ DSYS-LP3 (LPDDR3-1600)
  timings: LPDDR3_TIMINGS,
  mrNotes: {},
  unverified: [
    ...COMMON_UNVERIFIED,
    'TDAI_UNVERIFIED',
    'LPDDR3_GEOMETRY_UNVERIFIED',
    'LPDDR3_MR8_DENSITY_12GB_CODE',
    'LPDDR3_ZQ_UNVERIFIED',
  ],
};

const LPDDR4: StandardSpec = {
  standard: 'LPDDR4',
  jedec: 'JESD209-4',
  geometry: LPDDR4_GEOMETRY,
  pasr: {
    bankMaskMr: 16, // ✔ UB-K3 MR16_DATA per CS
    bankMaskKind: 'bitmask',
    segmentMaskMr: 17, // ✔ UB-K3, TEGRA, MTK-6763
    segmentMaskDensities: [0, Infinity],
    maskPolarity: 'set-masks', // ✔ MTK-6763 (unused-segment mask written before suspend)
    combine: PASR_COMBINE_RULE,
  },
  refreshDerating: AUTO_REFRESH_DERATING,
  mr8: LPDDR4_MR8,
  mr4Codes: MR4_CODES,
  mr4Bands: MR4_TEMPERATURE_BANDS,
  zqCodes: null, // ✖ LPDDR4 MR10 content
  resetMr: 63, // ✖ LPDDR4_MR63_UNVERIFIED
  mrrUndefinedValue: MRR_UNDEFINED_VALUE,
  tckNs: 0.625, // ✔ DSYS (LPDDR4-3200)
  timings: LPDDR4_TIMINGS,
  mrNotes: {},
  unverified: [
    ...COMMON_UNVERIFIED,
    'LPDDR4_MR8_TYPE_CODES',
    'LPDDR4_X8_GEOMETRY',
    'LPDDR4_MR0_MR1_MR4_MR10_LAYOUT',
    'LPDDR4_MR63_UNVERIFIED',
    'LPDDR4_ZQ_UNVERIFIED',
  ],
};

const LPDDR4X: StandardSpec = { ...LPDDR4, standard: 'LPDDR4X', jedec: 'JESD209-4-1' };

/** ✖ LPDDR5_MR23_POLARITY: bit = 1 masks the segment, as on LPDDR2-4 (reference §1.2). */
export const LPDDR5_MR23_POLARITY = 'set-masks' as const;

const LPDDR5: StandardSpec = {
  standard: 'LPDDR5',
  jedec: 'JESD209-5',
  geometry: LPDDR5_GEOMETRY,
  pasr: {
    bankMaskMr: null, // ✔ SNPS-CINIT: only MR23 carries a PASR field
    bankMaskKind: 'none',
    segmentMaskMr: 23, // ✔ SNPS-CINIT lpddr5_mr23_t
    segmentMaskDensities: [0, Infinity],
    maskPolarity: LPDDR5_MR23_POLARITY,
    combine: PASR_COMBINE_RULE,
    parc: { mr: 25, bit: 6 }, // ✔ SNPS-CINIT
  },
  refreshDerating: AUTO_REFRESH_DERATING,
  mr8: LPDDR5_MR8_CODES,
  mr4Codes: MR4_CODES,
  mr4Bands: MR4_TEMPERATURE_BANDS,
  zqCodes: null,
  resetMr: null, // ✖ not declared for LPDDR5
  mrrUndefinedValue: MRR_UNDEFINED_VALUE,
  tckNs: 1.25, // ✖ LPDDR5_TIMINGS_UNVERIFIED (LPDDR5-6400: CK 800 MHz)
  timings: LPDDR5_TIMINGS,
  mrNotes: { 16: 'LPDDR5 has no PASR bank mask', 17: 'the LPDDR5 PASR segment mask is MR23' }, // ✔ SNPS-CINIT
  unverified: [
    ...COMMON_UNVERIFIED,
    'LPDDR5_GEOMETRY_UNVERIFIED',
    'LPDDR5_MR8_CODES',
    'LPDDR5_MR23_POLARITY',
    'LPDDR5_MR1_MR4_LAYOUT',
    'LPDDR5_MR25_OPTIMIZED_REFRESH_BIT',
    'LPDDR5_TIMINGS_UNVERIFIED',
  ],
};

export const STANDARDS: Readonly<Record<DramStandard, StandardSpec>> = {
  'LPDDR2-S4': LPDDR2_S4,
  'LPDDR2-S2': LPDDR2_S2,
  LPDDR3,
  LPDDR4,
  LPDDR4X,
  LPDDR5,
};

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

export function specOf(standard: DramStandard): StandardSpec {
  const s = STANDARDS[standard];
  if (!s) throw new Error(`unknown DRAM standard '${String(standard)}' (known: ${Object.keys(STANDARDS).join(', ')})`);
  return s;
}

function fmtMbit(mbit: number): string {
  return mbit >= 1024 && mbit % 1024 === 0 ? `${mbit / 1024} Gb` : `${mbit} Mb`;
}

/** Geometry of a die; throws a clear error for a density/width the standard's table lacks. */
export function geometryOf(standard: DramStandard, densityMbit: number, ioWidth: number): Geometry {
  const spec = specOf(standard);
  const row = spec.geometry.find((g) => g.densityMbit === densityMbit && g.ioWidth === ioWidth);
  if (!row) {
    const widths = spec.geometry.filter((g) => g.densityMbit === densityMbit).map((g) => `x${g.ioWidth}`);
    const densities = [...new Set(spec.geometry.map((g) => fmtMbit(g.densityMbit)))];
    throw new Error(
      widths.length > 0
        ? `${standard} has no x${ioWidth} part of ${fmtMbit(densityMbit)} (${densityMbit} Mbit); widths at that density: ${widths.join(', ')}`
        : `${standard} has no ${densityMbit} Mbit density; known densities: ${densities.join(', ')}`,
    );
  }
  const rowBits = Math.ceil(Math.log2(row.rows));
  const rowsPerSegment = 2 ** (rowBits - 3);
  const segments = Math.ceil(row.rows / rowsPerSegment);
  const rowBytes = (2 ** row.columnBits * row.ioWidth) / 8;
  const p = spec.pasr;
  const segmentMaskMr =
    p.segmentMaskMr !== null &&
    p.segmentMaskDensities !== null &&
    densityMbit >= p.segmentMaskDensities[0] &&
    densityMbit <= p.segmentMaskDensities[1]
      ? p.segmentMaskMr
      : null;
  return {
    ...row,
    standard,
    rowBits,
    rowBytes,
    bytes: row.banks * row.rows * rowBytes,
    segments,
    segmentRowBits: [rowBits - 3, rowBits - 2, rowBits - 1],
    rowsPerSegment,
    segmentBytes: row.banks * rowsPerSegment * rowBytes,
    bankMaskMr: p.bankMaskMr,
    bankMaskKind: p.bankMaskKind,
    segmentMaskMr,
  };
}

/** Banks of a die. */
export function bankCount(standard: DramStandard, densityMbit: number, ioWidth: number): number {
  return geometryOf(standard, densityMbit, ioWidth).banks;
}

/** Segments software can mask on this die: 0 when it has no segment-mask MR, else 8 (6 for 3/4-density parts). */
export function segmentCount(standard: DramStandard, densityMbit: number, ioWidth: number): number {
  const g = geometryOf(standard, densityMbit, ioWidth);
  return g.segmentMaskMr === null ? 0 : g.segments;
}

export interface MrSpec {
  readonly mr: number;
  /** `MR17`. */
  readonly name: string;
  /** JEDEC title, e.g. `PASR Segment Mask`. */
  readonly title: string;
  readonly access: MrAccess;
  readonly reset: number;
  readonly decl: RegisterDecl;
}

/** Register-level access from the field modes: all ro -> ro, all wo -> wo, else rw. */
export function accessOf(decl: RegisterDecl): MrAccess {
  if (decl.fields.every((f) => f.access === 'ro')) return 'ro';
  if (decl.fields.every((f) => f.access === 'wo')) return 'wo';
  return 'rw';
}

/** The MR `mr` of `standard`, or undefined when the standard does not define it. */
export function mrSpec(standard: DramStandard, mr: number): MrSpec | undefined {
  specOf(standard);
  const decl = MODE_REGISTERS[standard].registers.find((r) => r.offset === mr);
  if (!decl) return undefined;
  return { mr, name: decl.name, title: decl.doc ?? decl.name, access: accessOf(decl), reset: decl.reset, decl };
}

/** All MRs of a standard, in MR order. */
export function mrSpecs(standard: DramStandard): MrSpec[] {
  return [...MODE_REGISTERS[standard].registers]
    .sort((a, b) => a.offset - b.offset)
    .map((d) => mrSpec(standard, d.offset)!);
}

export interface Mr8Decoded {
  readonly type: string;
  /** Density as a DieConfig carries it (per channel on LPDDR4/5). */
  readonly densityMbit: number;
  /** Density of the whole device (densityMbit * channels per device). */
  readonly deviceDensityMbit: number;
  readonly ioWidth: IoWidth;
  /** True when `type` is the type parts of this standard report. */
  readonly matchesStandard: boolean;
}

/** Decode MR8; throws a clear error for a reserved code. */
export function decodeMr8(standard: DramStandard, value: number): Mr8Decoded {
  const c = specOf(standard).mr8;
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`MR8 value ${value} is not a byte`);
  const typeCode = value & 3;
  const densityCode = (value >>> 2) & 0xf;
  const widthCode = (value >>> 6) & 3;
  const type = c.typeCodes[typeCode];
  const densityMbit = c.densityCodes[densityCode];
  const ioWidth = c.widthCodes[widthCode];
  const where = `MR8 ${hex(value, 2)} (${standard})`;
  if (type === undefined) throw new Error(`${where}: type code ${typeCode} (OP[1:0]) is reserved`);
  if (densityMbit === undefined)
    throw new Error(`${where}: density code 0x${densityCode.toString(16)} (OP[5:2]) is reserved`);
  if (ioWidth === undefined) throw new Error(`${where}: I/O width code ${widthCode} (OP[7:6]) is reserved`);
  return {
    type,
    densityMbit,
    deviceDensityMbit: densityMbit * c.channelsPerDevice,
    ioWidth,
    matchesStandard: type === c.expectedType,
  };
}

/** Encode MR8 from density (per channel on LPDDR4/5), width and type (default: the standard's own type). */
export function encodeMr8(standard: DramStandard, densityMbit: number, ioWidth: number, type?: string): number {
  const c = specOf(standard).mr8;
  const t = type ?? c.expectedType;
  const code = (table: Readonly<Record<number, unknown>>, v: unknown): number | undefined => {
    const k = Object.keys(table).find((key) => table[Number(key)] === v);
    return k === undefined ? undefined : Number(k);
  };
  const tc = code(c.typeCodes, t);
  const dc = code(c.densityCodes, densityMbit);
  const wc = code(c.widthCodes, ioWidth);
  if (tc === undefined)
    throw new Error(`${standard} MR8 has no type ${t} (known: ${Object.values(c.typeCodes).join(', ')})`);
  if (dc === undefined) throw new Error(`${standard} MR8 has no density code for ${densityMbit} Mbit`);
  if (wc === undefined) throw new Error(`${standard} MR8 has no I/O width code for x${ioWidth}`);
  return ((wc << 6) | (dc << 2) | tc) >>> 0;
}

/** Manufacturer name for an MR5 value, or undefined when the ID is not in the JEDEC table. */
export function vendorName(mr5: number): string | undefined {
  return VENDORS[mr5];
}

/** MR4 refresh-rate code for a die temperature. */
export function mr4CodeFor(standard: DramStandard, temperatureC: number): number {
  if (!Number.isFinite(temperatureC)) throw new RangeError(`temperature ${temperatureC} C is not a finite number`);
  for (const b of specOf(standard).mr4Bands) if (temperatureC <= b.maxC) return b.code;
  return 7;
}

/** Evaluate a timing formula for tCK (ns) and tRFCab (ns). */
export function evalTiming(f: TimingFormula, tckNs: number, tRFCabNs: number): number {
  const ns = (f.ns ?? 0) + (f.plusTrfc ? tRFCabNs : 0);
  return Math.max(ns, (f.nck ?? 0) * tckNs);
}

/**
 * Timings of a standard in ns for a clock period (default: the standard's tCK) and a density (default:
 * the first table row; needed for tREFI/tRFCab/tXSR). Overrides (by timing name, ns) win over the
 * formulas; tCK and tRFCab overrides feed the formulas. Unknown override names throw.
 */
export function timingsOf(
  standard: DramStandard,
  tckNs?: number,
  overrides?: Readonly<Record<string, number>>,
  densityMbit?: number,
): Timings {
  const spec = specOf(standard);
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (!(TIMING_NAMES as readonly string[]).includes(k)) {
      throw new Error(`${standard}: unknown timing override '${k}' (known: ${TIMING_NAMES.join(', ')})`);
    }
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`${standard}: timing override ${k} = ${v} ns is not a finite non-negative time`);
  }
  const o = overrides ?? {};
  const tCK = o['tCK'] ?? tckNs ?? spec.tckNs;
  if (!(tCK > 0) || !Number.isFinite(tCK)) throw new RangeError(`${standard}: tCK ${tCK} ns is not a positive time`);
  const row = densityMbit === undefined ? spec.geometry[0]! : spec.geometry.find((g) => g.densityMbit === densityMbit);
  if (!row) throw new Error(`${standard} has no ${densityMbit} Mbit density (timings)`);
  const tREFI = o['tREFI'] ?? row.tREFIns;
  const tRFCab = o['tRFCab'] ?? row.tRFCabNs;
  const t = (name: TimingName): number => o[name] ?? evalTiming(spec.timings[name], tCK, tRFCab);
  return {
    tCK,
    tMRW: t('tMRW'),
    tMRD: t('tMRD'),
    tMRR: t('tMRR'),
    tREFI,
    tRFCab,
    tXSR: t('tXSR'),
    tSR: t('tSR'),
    tZQINIT: t('tZQINIT'),
    tZQCL: t('tZQCL'),
    tZQCS: t('tZQCS'),
    tDAI: t('tDAI'),
  };
}

/** Banks and segments excluded from self-refresh, as bitmasks limited to the banks/segments that exist. */
export interface EffectiveMasks {
  readonly bankMask: number;
  readonly segmentMask: number;
}

/** S2: masked banks/segments for an MR16 PASR code (see S2_PASR_LAYOUT ✖). */
export function s2PasrMasks(geometry: Geometry, code: number): EffectiveMasks {
  const allBanks = 2 ** geometry.banks - 1;
  const allSegments = 2 ** geometry.segments - 1;
  const fraction = S2_FRACTIONS[code & 3]!;
  const keptBanks = geometry.banks * fraction;
  if (keptBanks >= 1) return { bankMask: (allBanks & ~(2 ** keptBanks - 1)) >>> 0, segmentMask: 0 };
  const keptSegments = Math.round(geometry.segments * keptBanks);
  return { bankMask: (allBanks & ~1) >>> 0, segmentMask: (allSegments & ~(2 ** keptSegments - 1)) >>> 0 };
}

/**
 * Masks in force for raw MR values: `bankMr` is the raw MR16 value (the PASR code on S2, ignored on
 * LPDDR5), `segmentMr` the raw MR17 (MR23 on LPDDR5) value (ignored where the part has no segment mask).
 * Applies the mask polarity and drops bits of banks/segments that do not exist.
 */
export function effectiveMasks(
  standard: DramStandard,
  geometry: Geometry,
  bankMr: number,
  segmentMr: number,
): EffectiveMasks {
  const p = specOf(standard).pasr;
  if (geometry.bankMaskKind === 's2-code') return s2PasrMasks(geometry, bankMr);
  const pol = (v: number): number => (p.maskPolarity === 'set-masks' ? v : ~v) & 0xff;
  const bankMask = geometry.bankMaskMr === null ? 0 : pol(bankMr) & (2 ** geometry.banks - 1);
  const segmentMask = geometry.segmentMaskMr === null ? 0 : pol(segmentMr) & (2 ** geometry.segments - 1);
  return { bankMask: bankMask >>> 0, segmentMask: segmentMask >>> 0 };
}

/**
 * Fraction of the die's array refreshed in self-refresh, for raw mask MR values (as effectiveMasks).
 * S2: 1, 1/2, 1/4, 1/8 for MR16 code 0..3. Otherwise rows are counted: with `either` (✖ default) a row
 * is refreshed only if neither its bank nor its segment is masked; with `both` a row is lost only when
 * both are masked.
 */
export function refreshedFraction(
  standard: DramStandard,
  geometry: Geometry,
  bankMask: number,
  segmentMask: number,
  combine: PasrCombine = specOf(standard).pasr.combine,
): number {
  const spec = specOf(standard);
  if (geometry.bankMaskKind === 's2-code') return spec.pasr.s2Fractions![bankMask & 3]!;
  const m = effectiveMasks(standard, geometry, bankMask, segmentMask);
  const maskedBanks = popcount32(m.bankMask) / geometry.banks;
  const maskedRows = (popcount32(m.segmentMask) * geometry.rowsPerSegment) / geometry.rows;
  return combine === 'either' ? (1 - maskedBanks) * (1 - maskedRows) : 1 - maskedBanks * maskedRows;
}

/** Names of the ✖ parameters a standard's tables use (for reports and board `unverified` lists). */
export function unverifiedOf(standard: DramStandard): readonly string[] {
  return specOf(standard).unverified;
}

/** Auto-refresh rate multiplier (of the nominal 1/tREFI) a controller uses at a die temperature. */
export function refreshRateAt(standard: DramStandard, temperatureC: number): number {
  if (!Number.isFinite(temperatureC)) throw new RangeError(`temperature ${temperatureC} C is not a finite number`);
  let rate = 1;
  let above = -Infinity;
  for (const d of specOf(standard).refreshDerating) {
    if (temperatureC > d.aboveC && d.aboveC > above) {
      rate = d.rateMultiplier;
      above = d.aboveC;
    }
  }
  return rate;
}
