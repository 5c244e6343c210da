/**
 * The address map a controller's register image implies (what the boot loader programmed), for
 * the three controllers whose registers determine it:
 *  - TI EMIF + OMAP DMM: SDRAM_CONFIG (rows, banks, columns, 2 CS, x16/x32, IBANK_POS) per EMIF and the
 *    DMM LISA_MAP section covering DRAM (interleave granule between EMIF1 and EMIF2);
 *  - i.MX6 MMDC: MDCTL (rows, columns, x16/x32, SDE_1), MDMISC (BI_ON, DDR_4_BANK), MDASP (CS0 end);
 *  - Synopsys uMCTL2: MSTR active ranks and ADDRMAP0-7 (HIF bit of each coordinate, + the field's
 *    internal base, 0x1F/0xF = unused); HIF address unit = bus width.
 * ste-prcmu registers say nothing about the map: such boards give `addressMap` explicitly.
 *
 * Invariants:
 *  (a) derived bit lists are LSB first, relative to the DRAM base, each bit used once;
 *  (b) a derivation either returns a complete map or says which register it lacks — never a guess.
 */
import type { AddressBits } from './board-config.js';

/** What a derivation needs of a controller (numbers already parsed). */
export interface ControllerImage {
  readonly id: string;
  readonly kind: string;
  readonly busWidth: number;
  readonly registers: Readonly<Record<string, number>>;
  readonly blocks: Readonly<Record<string, { readonly base: number; readonly registers: Readonly<Record<string, number>> }>>;
}

export interface DerivedMap {
  readonly controllers: readonly string[];
  readonly bits: AddressBits;
  /** Which registers it came from, for messages. */
  readonly from: string;
}

export type Derivation = { ok: true; map: DerivedMap } | { ok: false; reason: string } | { ok: 'not-applicable' };

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const field = (v: number, shift: number, width: number): number => Math.floor(v / 2 ** shift) % 2 ** width;

function need(regs: Readonly<Record<string, number>>, names: readonly string[], where: string): string | undefined {
  const missing = names.filter((n) => regs[n] === undefined);
  return missing.length ? `${where} has no ${missing.join(', ')} in its register image` : undefined;
}

/** Local layout of one EMIF (IBANK_POS 0, EBANK_POS 0: row | CS | bank | column | byte). */
interface LocalLayout {
  byte: number[];
  column: number[];
  bank: number[];
  rank: number[];
  row: number[];
}

function emifLocal(cfg: number): LocalLayout | string {
  const ibankPos = field(cfg, 27, 2);
  if (ibankPos !== 0) return `SDRAM_CONFIG IBANK_POS ${ibankPos} (only 0 is modelled)`;
  const byteBits = field(cfg, 14, 2) === 0 ? 2 : 1;
  const rows = 9 + field(cfg, 7, 3);
  const bankBits = field(cfg, 4, 3);
  const csBits = field(cfg, 3, 1);
  const cols = 8 + field(cfg, 0, 3);
  let at = 0;
  const take = (n: number): number[] => {
    const r = range(at, n);
    at += n;
    return r;
  };
  const byte = take(byteBits);
  const column = take(cols);
  const bank = take(bankBits);
  const rank = take(csBits);
  const row = take(rows);
  return { byte, column, bank, rank, row };
}

function deriveEmif(ctrls: readonly ControllerImage[], dramBase: number): Derivation {
  const emifs = ctrls.filter((c) => c.kind === 'ti-emif');
  if (emifs.length === 0 || emifs.length !== ctrls.length) return { ok: 'not-applicable' };
  const layouts: LocalLayout[] = [];
  for (const e of emifs) {
    const miss = need(e.registers, ['SDRAM_CONFIG'], e.id);
    if (miss) return { ok: false, reason: miss };
    const l = emifLocal(e.registers.SDRAM_CONFIG!);
    if (typeof l === 'string') return { ok: false, reason: `${e.id}: ${l}` };
    layouts.push(l);
  }
  if (layouts.some((l) => JSON.stringify(l) !== JSON.stringify(layouts[0]))) {
    return { ok: false, reason: 'the EMIFs have different SDRAM_CONFIG layouts' };
  }
  const local = layouts[0]!;
  const dmm = emifs.map((e) => e.blocks.dmm).find((b) => b !== undefined);
  if (!dmm) {
    if (emifs.length === 1) return { ok: true, map: { controllers: [emifs[0]!.id], bits: { ...local, controller: [], channel: [] }, from: `${emifs[0]!.id} SDRAM_CONFIG` } };
    return { ok: false, reason: 'no dmm block with the LISA map that interleaves the EMIFs' };
  }
  const section = Object.entries(dmm.registers)
    .filter(([n]) => /^LISA_MAP_[0-3]$/.test(n))
    .map(([n, v]) => ({ n, v, sys: field(v, 24, 8) * 2 ** 24, map: field(v, 8, 2), intl: field(v, 18, 2) }))
    .find((s) => s.map !== 0 && s.sys === dramBase);
  if (!section) return { ok: false, reason: `no DMM LISA_MAP section starts at the DRAM base` };
  const ids = emifs.map((e) => e.id);
  const from = `${ids.join('/')} SDRAM_CONFIG + dmm ${section.n}`;
  if (section.map !== 3) {
    return { ok: true, map: { controllers: [ids[section.map - 1] ?? ids[0]!], bits: { ...local, controller: [], channel: [] }, from } };
  }
  if (section.intl === 0) return { ok: false, reason: `${section.n} maps both EMIFs without interleave (not modelled)` };
  const ctrlBit = 6 + section.intl; // 128 B -> bit 7, 256 B -> bit 8, 512 B -> bit 9
  const shift = (bits: number[]): number[] => bits.map((b) => (b >= ctrlBit ? b + 1 : b));
  return {
    ok: true,
    map: {
      controllers: ids,
      bits: {
        controller: [ctrlBit],
        channel: [],
        rank: shift(local.rank),
        bank: shift(local.bank),
        row: shift(local.row),
        column: shift(local.column),
        byte: shift(local.byte),
      },
      from,
    },
  };
}

const MMDC_COLS = [9, 10, 11, 8, 12];

function deriveMmdc(ctrls: readonly ControllerImage[], dramBase: number): Derivation {
  if (ctrls.length !== 1 || ctrls[0]!.kind !== 'fsl-mmdc') return { ok: 'not-applicable' };
  const c = ctrls[0]!;
  const miss = need(c.registers, ['MDCTL', 'MDMISC'], c.id);
  if (miss) return { ok: false, reason: miss };
  const mdctl = c.registers.MDCTL!;
  const misc = c.registers.MDMISC!;
  const rows = 11 + field(mdctl, 24, 3);
  const cols = MMDC_COLS[field(mdctl, 20, 3)];
  if (cols === undefined) return { ok: false, reason: `MDCTL COL code ${field(mdctl, 20, 3)} is reserved` };
  const byteBits = field(mdctl, 16, 2) === 1 ? 2 : 1;
  const bankBits = field(misc, 5, 1) === 1 ? 2 : 3;
  const rowBankCol = field(misc, 12, 1) === 1;
  const twoCs = field(mdctl, 30, 1) === 1;
  let at = 0;
  const take = (n: number): number[] => {
    const r = range(at, n);
    at += n;
    return r;
  };
  const byte = take(byteBits);
  const column = take(cols);
  let bank: number[];
  let row: number[];
  if (rowBankCol) {
    bank = take(bankBits);
    row = take(rows);
  } else {
    row = take(rows);
    bank = take(bankBits);
  }
  let rank: number[] = [];
  if (twoCs) {
    const miss2 = need(c.registers, ['MDASP'], c.id);
    if (miss2) return { ok: false, reason: `${miss2} (needed for the CS1 start)` };
    const cs0End = (field(c.registers.MDASP!, 0, 7) + 1) * 2 ** 25;
    const cs0Size = cs0End - dramBase;
    if (cs0Size !== 2 ** at) return { ok: false, reason: `MDASP puts CS1 at ${cs0End.toString(16)}, not right after a ${2 ** at}-byte CS0` };
    rank = [at];
  }
  return { ok: true, map: { controllers: [c.id], bits: { controller: [], channel: [], rank, bank, row, column, byte }, from: `${c.id} MDCTL/MDMISC${twoCs ? '/MDASP' : ''}` } };
}

/** uMCTL2 ADDRMAP fields: [register, shift, width, internal base] per coordinate bit, in bit order. */
const UMCTL2_COL: [string, number, number, number][] = [
  ['ADDRMAP2', 0, 4, 2],
  ['ADDRMAP2', 8, 4, 3],
  ['ADDRMAP2', 16, 4, 4],
  ['ADDRMAP2', 24, 4, 5],
  ['ADDRMAP3', 0, 4, 6],
  ['ADDRMAP3', 8, 4, 7],
  ['ADDRMAP3', 16, 4, 8],
  ['ADDRMAP3', 24, 4, 9],
  ['ADDRMAP4', 0, 4, 10],
  ['ADDRMAP4', 8, 4, 11],
];
const UMCTL2_BANK: [string, number, number, number][] = [
  ['ADDRMAP1', 0, 6, 2],
  ['ADDRMAP1', 8, 6, 3],
  ['ADDRMAP1', 16, 6, 4],
];
const UMCTL2_ROW: [string, number, number, number][] = [
  ['ADDRMAP5', 0, 4, 6],
  ['ADDRMAP5', 8, 4, 7],
  ...range(2, 9).map((k): [string, number, number, number] => ['ADDRMAP5', 16, 4, 6 + k]),
  ['ADDRMAP5', 24, 4, 17],
  ['ADDRMAP6', 0, 4, 18],
  ['ADDRMAP6', 8, 4, 19],
  ['ADDRMAP6', 16, 4, 20],
  ['ADDRMAP6', 24, 4, 21],
  ['ADDRMAP7', 0, 4, 22],
  ['ADDRMAP7', 8, 4, 23],
];

const UMCTL2_RESET: Readonly<Record<string, number>> = { ADDRMAP2: 0, ADDRMAP7: 0x0f0f };

function deriveUmctl2(ctrls: readonly ControllerImage[]): Derivation {
  if (ctrls.length !== 1 || ctrls[0]!.kind !== 'snps-umctl2') return { ok: 'not-applicable' };
  const c = ctrls[0]!;
  const r = c.registers;
  const miss = need(r, ['MSTR', 'ADDRMAP0', 'ADDRMAP1', 'ADDRMAP3', 'ADDRMAP4', 'ADDRMAP5', 'ADDRMAP6'], c.id);
  if (miss) return { ok: false, reason: miss };
  // Registers the boot loader leaves alone keep their reset value (✖ uMCTL2 databook: ADDRMAP2 0, ADDRMAP7 0x0f0f).
  const reg = (n: string): number => r[n] ?? UMCTL2_RESET[n] ?? 0;
  const unusedOf = (width: number): number => (width === 6 ? 0x3f : width === 5 ? 0x1f : 0xf);
  const pick = (table: [string, number, number, number][]): number[] => {
    const out: number[] = [];
    for (const [n, s, w, base] of table) {
      const v = field(reg(n), s, w);
      if (v === unusedOf(w) || (w === 6 && v === 0x1f)) continue;
      out.push(v + base);
    }
    return out;
  };
  const byteBits = Math.log2(c.busWidth / 8);
  const hif = (bits: number[]): number[] => bits.map((b) => b + byteBits);
  const column = [0, 1, ...pick(UMCTL2_COL)];
  const bank = pick(UMCTL2_BANK);
  const row = pick(UMCTL2_ROW);
  const activeRanks = field(reg('MSTR'), 24, 4);
  const ranks = activeRanks === 0xf ? 4 : activeRanks === 3 ? 2 : 1;
  const rank: number[] = [];
  const cs0 = field(reg('ADDRMAP0'), 0, 5);
  const cs1 = field(reg('ADDRMAP0'), 8, 5);
  if (ranks >= 2) {
    if (cs0 === 0x1f) return { ok: false, reason: `${c.id} MSTR enables ${ranks} ranks but ADDRMAP0 maps no CS bit` };
    rank.push(cs0 + 6);
    if (ranks === 4 && cs1 !== 0x1f) rank.push(cs1 + 7);
  }
  return {
    ok: true,
    map: {
      controllers: [c.id],
      bits: { controller: [], channel: [], rank: hif(rank), bank: hif(bank), row: hif(row), column: hif(column), byte: range(0, byteBits) },
      from: `${c.id} MSTR/ADDRMAP0-7`,
    },
  };
}

/** The map the register images imply, a reason why they cannot, or not-applicable (no derivation for these controllers). */
export function deriveFromRegisters(ctrls: readonly ControllerImage[], dramBase: number): Derivation {
  for (const d of [deriveEmif(ctrls, dramBase), deriveMmdc(ctrls, dramBase), deriveUmctl2(ctrls)]) {
    if (d.ok !== 'not-applicable') return d;
  }
  return { ok: 'not-applicable' };
}
