import type { DramStandard } from '../board/board-config.js';
import { block, field, reg8, type BlockDecl, type RegisterDecl } from '../regs/register.js';

/**
 * LPDDR mode registers (MRs), declared once as data, keyed by standard.
 *
 * Each MR is an 8-bit register whose "offset" is its MR number (MA[7:0]), so a standard's MR set is a
 * 256-entry block and the usual declaration checks apply (field overlap/overflow, duplicate numbers).
 * The register name is `MR<n>` (what traces carry); the doc holds the JEDEC title.
 *
 * Access: `ro` fields are answered by the die (identity, status), `wo` fields are written by MRW and
 * read back as undefined data. An MR whose fields are all `ro` is read-only (MRW is a guest error),
 * all `wo` is write-only (MRR is a guest error) — reference/lpddr.md §7.2: MR0/4/5/6/7/8 read-only,
 * MR1/2/3/10/16/17/63 write-only.
 *
 * PASR masks: a set bit means that bank/segment is NOT refreshed during self-refresh
 * (✔ STE, MTK-6763, SKH-LP2; LPDDR5 MR23 polarity ✖, see standards.ts `maskPolarity`).
 *
 * Source keys (reference/lpddr.md §0) sit next to each declaration; ✖ = unverified, kept as declared
 * here until checked against the JEDEC PDF.
 */

// ---------------------------------------------------------------------------------------------
// LPDDR2 (JESD209-2). ✔ UB-EMIF, CB-RK, LX-JEDEC, MCN-VLOG unless marked.
// ---------------------------------------------------------------------------------------------

const MR0_LPDDR2 = reg8('MR0', 0, {
  doc: 'Device Information', // ✔ UB-EMIF, CB-RK
  fields: [
    field('DAI', 0, 1, 'ro', 'Device Auto-Initialization: 1 = in progress, 0 = complete'),
    field('DI', 1, 1, 'ro', 'Device Information: 0 = S2/S4 SDRAM, 1 = NVM'),
    field('DNVI', 2, 1, 'ro', 'Data Not Valid Information: 1 = supported'),
    field(
      'RZQI',
      3,
      2,
      'ro',
      'RZQ self-test: 0 not supported, 1 ZQ to VDDCA or open, 2 ZQ shorted to ground, 3 passed',
    ),
  ],
});

const MR1_LPDDR2 = reg8('MR1', 1, {
  doc: 'Device Feature 1', // ✔ CB-RK (BL codes, nWR = n-2); BT/WC positions ✖
  fields: [
    field('BL', 0, 3, 'wo', 'Burst length: 2 = BL4, 3 = BL8, 4 = BL16'),
    field('BT', 3, 1, 'wo', 'Burst type (✖ position unverified)'),
    field('WC', 4, 1, 'wo', 'Wrap control (✖ position unverified)'),
    field('NWR', 5, 3, 'wo', 'Write recovery nWR, encoded n - 2'),
  ],
});

const MR2_LPDDR2 = reg8('MR2', 2, {
  doc: 'Device Feature 2', // ✔ CB-RK codes 1..6; field width 4 ✖
  fields: [field('RL_WL', 0, 4, 'wo', 'Read/write latency: 1 = RL3/WL1 ... 6 = RL8/WL4')],
});

const MR3_LPDDR2 = reg8('MR3', 3, {
  doc: 'I/O Configuration 1', // ✔ CB-RK
  fields: [field('DS', 0, 4, 'wo', 'Drive strength: 1 = 34.3 ohm ... 7 = 120 ohm')],
});

const MR4_LPDDR2 = reg8('MR4', 4, {
  doc: 'Device Temperature', // ✔ UB-EMIF, CB-RK, LX-JEDEC
  reset: 0x03,
  fields: [
    field(
      'REFRESH_RATE',
      0,
      3,
      'ro',
      'SDRAM refresh rate: 3 = 1x tREFI (nominal, <= 85 C); see standards.ts MR4_CODES',
    ),
    field('TUF', 7, 1, 'ro', 'Temperature Update Flag: 1 = REFRESH_RATE changed since the last MRR of MR4'),
  ],
});

const MR5 = reg8('MR5', 5, {
  doc: 'Basic Configuration 1', // ✔ LX-JEDEC, LX-DT
  fields: [field('MANUFACTURER_ID', 0, 8, 'ro', 'JEDEC LPDDR manufacturer ID (standards.ts VENDORS)')],
});

const MR6 = reg8('MR6', 6, {
  doc: 'Basic Configuration 2', // ✔ LX-DT/jedec,lpddr-props.yaml
  fields: [field('REVISION_ID1', 0, 8, 'ro', 'Revision ID 1 (vendor specific)')],
});

const MR7 = reg8('MR7', 7, {
  doc: 'Basic Configuration 3', // ✔ LX-DT/jedec,lpddr-props.yaml
  fields: [field('REVISION_ID2', 0, 8, 'ro', 'Revision ID 2 (vendor specific)')],
});

const MR8 = reg8('MR8', 8, {
  doc: 'Basic Configuration 4', // ✔ UB-EMIF, LX-JEDEC (LPDDR2/3), CB-MCI (LPDDR4); codes in standards.ts
  fields: [
    field('TYPE', 0, 2, 'ro', 'Device type (LPDDR2/3: 0 S4, 1 S2, 2 NVM, 3 S8)'),
    field('DENSITY', 2, 4, 'ro', 'Density code (per channel on LPDDR4)'),
    field('IO_WIDTH', 6, 2, 'ro', 'I/O width code (LPDDR2/3: 0 x32, 1 x16, 2 x8; LPDDR4: 0 x16, 1 x8)'),
  ],
});

const MR10_LPDDR2 = reg8('MR10', 10, {
  doc: 'Calibration', // ✔ UB-EMIF
  fields: [field('CAL_CODE', 0, 8, 'wo', 'ZQ command: 0xFF init, 0xAB long (ZQCL), 0x56 short (ZQCS), 0xC3 reset')],
});

const MR16_S4 = reg8('MR16', 16, {
  doc: 'PASR Bank Mask', // ✔ CB-RK, UB-EMIF, MCN-VLOG (W)
  fields: [field('BANK_MASK', 0, 8, 'wo', 'Bit n = 1: bank n is not refreshed in self-refresh')],
});

const MR16_S2 = reg8('MR16', 16, {
  doc: 'PASR (S2 SDRAM only)', // ✔ CB-RK, TFA-RK, MCN-VLOG; OP[7:2] RFU
  fields: [field('PASR', 0, 2, 'wo', 'Refreshed part of the array: 0 full, 1 1/2, 2 1/4, 3 1/8')],
});

const MR17 = reg8('MR17', 17, {
  doc: 'PASR Segment Mask', // ✔ CB-RK ("1Gb-8Gb S4 SDRAM only"), UB-EMIF, MCN-VLOG (W)
  fields: [
    field('SEGMENT_MASK', 0, 8, 'wo', 'Bit n = 1: segment n (top 3 row bits = n) is not refreshed in self-refresh'),
  ],
});

const MR63_LPDDR2 = reg8('MR63', 63, {
  doc: 'Reset', // ✔ UB-MX6DDR, UB-SLEVK (MRW MR63 by MMDC init); data is "don't care" ✖
  fields: [field('RESET', 0, 8, 'wo', 'Any MRW resets the mode registers to their defaults')],
});

const LPDDR2_COMMON = [MR0_LPDDR2, MR1_LPDDR2, MR2_LPDDR2, MR3_LPDDR2, MR4_LPDDR2, MR5, MR6, MR7, MR8, MR10_LPDDR2];

export const LPDDR2_S4_MRS: BlockDecl = block('LPDDR2-S4 mode registers', 256, [
  ...LPDDR2_COMMON,
  MR16_S4,
  MR17,
  MR63_LPDDR2,
]);

/** S2 parts have no MR17 (✔ CB-RK) and MR16 carries the PASR fraction code instead of a bank mask. */
export const LPDDR2_S2_MRS: BlockDecl = block('LPDDR2-S2 mode registers', 256, [
  ...LPDDR2_COMMON,
  MR16_S2,
  MR63_LPDDR2,
]);

// ---------------------------------------------------------------------------------------------
// LPDDR3 (JESD209-3): LPDDR2 numbering for MR0-MR17 and MR63 (✔ TFA-RK, HISI-PASR, MTK-6763);
// LPDDR3-specific bits of MR0/MR1/MR2 (WL set B, RL3 option, nWRE) are not modelled ✖.
// ---------------------------------------------------------------------------------------------

export const LPDDR3_MRS: BlockDecl = block('LPDDR3 mode registers', 256, [
  ...LPDDR2_COMMON,
  MR16_S4,
  MR17,
  MR63_LPDDR2,
]);

// ---------------------------------------------------------------------------------------------
// LPDDR4 / LPDDR4X (JESD209-4). MR2, MR3, MR11 ✔ TFA-RK; MR5-MR8 ✔ CB-MT83, CB-MCI; MR16/MR17 ✔ UB-K3,
// TEGRA, MTK-6763; MR23 ✔ CB-MT83. MR0, MR1, MR4, MR10, MR63 content ✖ (reference §1.1).
// ---------------------------------------------------------------------------------------------

const MR0_LPDDR4 = reg8('MR0', 0, {
  doc: 'Device Information (✖ field layout unverified; no DAI bit on LPDDR4)',
  fields: [
    field('REFRESH_MODE', 0, 1, 'ro', '✖'),
    field('RZQI', 3, 2, 'ro', 'RZQ self-test result ✖'),
    field('CATR', 7, 1, 'ro', 'CA terminating rank ✖'),
  ],
});

const MR1_LPDDR4 = reg8('MR1', 1, {
  doc: 'Device Feature 1 (✖ field layout unverified)',
  fields: [
    field('BL', 0, 2, 'wo', 'Burst length ✖'),
    field('WR_PRE', 2, 1, 'wo', 'Write preamble ✖'),
    field('RD_PRE', 3, 1, 'wo', 'Read preamble ✖'),
    field('NWR', 4, 3, 'wo', 'Write recovery ✖'),
    field('RD_PST', 7, 1, 'wo', 'Read postamble ✖'),
  ],
});

const MR2_LPDDR4 = reg8('MR2', 2, {
  doc: 'Device Feature 2', // ✔ TFA-RK
  fields: [
    field('RL_NRTP', 0, 3, 'wo', 'Read latency and nRTP'),
    field('WL', 3, 3, 'wo', 'Write latency'),
    field('WLS', 6, 1, 'wo', 'Write latency set select'),
    field('WR_LEV', 7, 1, 'wo', 'Write levelling'),
  ],
});

const MR3_LPDDR4 = reg8('MR3', 3, {
  doc: 'I/O Configuration 1', // ✔ TFA-RK
  fields: [
    field('PU_CAL', 0, 1, 'wo', 'Pull-up calibration point'),
    field('WR_PST', 1, 1, 'wo', 'Write postamble length'),
    field('PPRP', 2, 1, 'wo', 'Post-package repair protection'),
    field('PDDS', 3, 3, 'wo', 'Pull-down drive strength'),
    field('DBI_RD', 6, 1, 'wo', 'Read DBI enable'),
    field('DBI_WR', 7, 1, 'wo', 'Write DBI enable'),
  ],
});

const MR4_LPDDR4 = reg8('MR4', 4, {
  doc: 'Refresh rate (✖ LPDDR4 layout taken as LPDDR2: OP[2:0] rate, OP[7] TUF; writable bits not modelled)',
  reset: 0x03,
  fields: [
    field('REFRESH_RATE', 0, 3, 'ro', 'Refresh rate code ✖'),
    field('TUF', 7, 1, 'ro', 'Temperature Update Flag ✖'),
  ],
});

const MR10_LPDDR4 = reg8('MR10', 10, {
  doc: 'Calibration (✖ LPDDR4 content unverified)',
  fields: [field('ZQ_RESET', 0, 1, 'wo', 'ZQ reset ✖')],
});

const MR11_LPDDR4 = reg8('MR11', 11, {
  doc: 'ODT Control', // ✔ TFA-RK
  fields: [
    field('DQ_ODT', 0, 3, 'wo', 'DQ bus receiver on-die termination'),
    field('CA_ODT', 4, 3, 'wo', 'CA bus receiver on-die termination'),
  ],
});

const MR23_LPDDR4 = reg8('MR23', 23, {
  doc: 'DQS Oscillator run time (not PASR on LPDDR4)', // ✔ CB-MT83 (MR23_DEFAULT_VALUE 0x3f); access W ✖
  fields: [field('DQS_INTERVAL', 0, 8, 'wo', 'DQS interval timer run time')],
});

const MR63_LPDDR4 = reg8('MR63', 63, {
  doc: 'Reset (✖ LPDDR4 MR63 content unverified; modelled as on LPDDR2)',
  fields: [field('RESET', 0, 8, 'wo', 'Any MRW resets the mode registers ✖')],
});

export const LPDDR4_MRS: BlockDecl = block('LPDDR4 mode registers', 256, [
  MR0_LPDDR4,
  MR1_LPDDR4,
  MR2_LPDDR4,
  MR3_LPDDR4,
  MR4_LPDDR4,
  MR5,
  MR6,
  MR7,
  MR8,
  MR10_LPDDR4,
  MR11_LPDDR4,
  MR16_S4,
  MR17,
  MR23_LPDDR4,
  MR63_LPDDR4,
]);

// ---------------------------------------------------------------------------------------------
// LPDDR5/5X (JESD209-5). MR0 ✔ MTK-LP5; MR5-MR8 ✔ LX-DT/jedec,lpddr5.yaml; MR23 PASR mask and MR25 PARC
// ✔ SNPS-CINIT. MR1-MR4 layout ✖. LPDDR5 has no MR16-style bank mask; MR16/MR17/MR10/MR63 mean other
// things (or nothing) on LPDDR5 and are not declared here, so an MRW to them is reported as unknown.
// ---------------------------------------------------------------------------------------------

const MR0_LPDDR5 = reg8('MR0', 0, {
  doc: 'Device Feature (read-only)', // ✔ MTK-LP5
  fields: [
    field('NT_ODT_TIMING', 0, 1, 'ro', 'NT-ODT DQ/RDQS timing separation'),
    field('LATENCY_MODE', 1, 1, 'ro', 'Latency mode'),
    field('ENH_WCK_AON', 2, 1, 'ro', 'Enhanced WCK always-on'),
    field('OPT_REF_MODE', 3, 1, 'ro', 'Optimized refresh mode supported'),
    field('DMI_OUTPUT', 4, 1, 'ro', 'DMI output behaviour'),
    field('UNIFIED_NT_ODT', 5, 1, 'ro', 'Unified NT-ODT'),
  ],
});

const opaqueLpddr5 = (mr: number, doc: string): RegisterDecl =>
  reg8(`MR${mr}`, mr, { doc: `${doc} (✖ LPDDR5 field layout unverified)`, fields: [field('OP', 0, 8, 'wo', '✖')] });

const MR4_LPDDR5 = reg8('MR4', 4, {
  doc: 'Refresh rate (✖ LPDDR5 layout taken as LPDDR2: OP[2:0] rate, OP[7] TUF)',
  reset: 0x03,
  fields: [
    field('REFRESH_RATE', 0, 3, 'ro', 'Refresh rate code ✖'),
    field('TUF', 7, 1, 'ro', 'Temperature Update Flag ✖'),
  ],
});

const MR23_LPDDR5 = reg8('MR23', 23, {
  doc: 'PASR Mask', // ✔ SNPS-CINIT lpddr5_mr23_t {pasr_mask}; MCN-LP5 "PASR and PAAR with segment mask"
  fields: [field('PASR_MASK', 0, 8, 'wo', 'Bit n = 1: segment n is not refreshed (polarity ✖)')],
});

const MR25_LPDDR5 = reg8('MR25', 25, {
  doc: 'Bus termination and PARC', // ✔ SNPS-CINIT lpddr5_mr25_t; optimized-refresh bit position ✖ (not declared)
  fields: [
    field('CK_BUS_TERM', 4, 1, 'wo', 'CK bus termination'),
    field('CA_BUS_TERM', 5, 1, 'wo', 'CA bus termination'),
    field('PARC', 6, 1, 'wo', 'Partial Array Refresh Control: REFab/REFpb also skip MR23-masked segments'),
  ],
});

export const LPDDR5_MRS: BlockDecl = block('LPDDR5 mode registers', 256, [
  MR0_LPDDR5,
  opaqueLpddr5(1, 'Device Feature 1'),
  opaqueLpddr5(2, 'Device Feature 2'),
  opaqueLpddr5(3, 'I/O Configuration 1'),
  MR4_LPDDR5,
  MR5,
  MR6,
  MR7,
  MR8,
  MR23_LPDDR5,
  MR25_LPDDR5,
]);

/** Mode-register set of each standard (LPDDR4X shares LPDDR4's). */
export const MODE_REGISTERS: Readonly<Record<DramStandard, BlockDecl>> = {
  'LPDDR2-S4': LPDDR2_S4_MRS,
  'LPDDR2-S2': LPDDR2_S2_MRS,
  LPDDR3: LPDDR3_MRS,
  LPDDR4: LPDDR4_MRS,
  LPDDR4X: LPDDR4_MRS,
  LPDDR5: LPDDR5_MRS,
};

/** Declaration of MR `mr` in `standard`, or undefined when the standard does not define it. */
export function modeRegister(standard: DramStandard, mr: number): RegisterDecl | undefined {
  return MODE_REGISTERS[standard].registers.find((r) => r.offset === mr);
}
