import type { ControllerConfig } from '../board/board-config.js';
import type { Clock } from '../clock.js';
import type { DiePort } from '../lpddr/die-port.js';
import { RegisterBlock } from '../regs/register-block.js';
import {
  block,
  field,
  opaqueReg32,
  reg32,
  type BlockDecl,
  type FieldDecl,
  type RegisterDecl,
} from '../regs/register.js';
import type { TraceBus } from '../trace/trace-bus.js';
import {
  applyRegisterImage,
  bindDies,
  checkBlockKeys,
  fieldIn,
  nonNegativeNs,
  type BoundDie,
  type ImageRefusal,
  type MappedDevice,
  type MemoryController,
} from './memory-controller.js';
import { MrPacer } from './mr-pacer.js';

/**
 * Synopsys DesignWare uMCTL2 DDR controller as on i.MX8M Mini/Nano/Plus (DDRC at 0x3D400000,
 * perf monitor at 0x3D800000 ✔ UB-8M), STM32MP1 and Microchip parts.
 *
 * Register offsets: u-boot `arch-imx8m/ddr.h` / `stm32mp1_ddr_regs.h` ✔ UB-8M, UB-STM. Fields:
 * the reference (MSTR, STAT, MRCTRL0/1, MRSTAT, PWRCTL ✔ UB-STM, MCHP-UDDRC) and an auto-generated
 * uMCTL2 header of a DDR4 configuration (habanalabs `ddr_mc_ch0_regs.h`) for PWRTMG, HWLPCTL,
 * RFSHCTL*, ADDRMAP0-11 ◐ (field widths depend on the IP configuration). Timing/PHY-interface
 * registers are declared without a field layout.
 *
 * Behaviour (u-boot `drivers/ddr/imx/imx8m/ddr_init.c` lpddr4_mr_write/lpddr4_mr_read ✔ UB-8MINIT):
 *  - MR command: MRCTRL0 (MR_TYPE 0 write / 1 read, MR_RANK bitmask), MRCTRL1 ([15:8] MR
 *    address, [7:0] operand for LPDDR2/3/4), then MRCTRL0.MR_WR = 1 (self-clearing). The trigger
 *    sets MRSTAT.MR_WR_BUSY, which a clock alarm clears after `mrBusyNs`. A trigger while busy is
 *    a guest error and is dropped; so is any write to MRCTRL0/MRCTRL1 while busy (u-boot: "No
 *    writes should be performed to MRCTRL0 and MRCTRL1 if MRSTAT.mr_wr_busy = 1").
 *  - An MRW reaches every die of every rank in MR_RANK: on LPDDR4 both channels of a rank
 *    (dies with the same rank and different channel letters) take the same MRW.
 *  - An MRR reads the lowest populated rank in MR_RANK; when the busy window ends the data is
 *    in the perf monitor's MRR1_DAT (byte lane n = channel n ◐) and MRR0_DAT.MRR_DATA_VALID
 *    (bit 3) is set, provided MRR0_DAT was armed (bit 0, written 1 before the MRR); writing
 *    MRR0_DAT bit 2 clears valid and data. u-boot takes the first non-zero byte of MRR1_DAT.
 *  - PWRCTL.SELFREF_SW 0 -> 1: after `srDelayNs` the dies enter self-refresh and
 *    STAT.OPERATING_MODE = 3, STAT.SELFREF_TYPE = 2 (software); 1 -> 0: they leave it and
 *    OPERATING_MODE = 1. SELFREF_EN / POWERDOWN_EN (idle-driven) are stored only: the model has
 *    no DRAM traffic to be idle from.
 *
 * Invariants (checkInvariants):
 *  (a) MRSTAT.MR_WR_BUSY = 1 exactly while an MR command's busy window is open;
 *  (b) with no self-refresh transition pending, STAT.OPERATING_MODE = 3 iff PWRCTL.SELFREF_SW = 1;
 *  (c) the self-refresh flag equals STAT.OPERATING_MODE = 3 and every die follows it.
 */

const f = field;

const plain = (name: string, offset: number, doc = 'fields not modelled'): RegisterDecl =>
  opaqueReg32(name, offset, doc);
const plainRo = (name: string, offset: number, doc = 'status, fields not modelled'): RegisterDecl =>
  opaqueReg32(name, offset, doc, 'ro');

function addrmap(name: string, offset: number, fields: readonly FieldDecl[]): RegisterDecl {
  return reg32(name, offset, {
    fields,
    doc: 'address map: HIF bit = internal base + field value; all-ones = unused ◐',
  });
}

/** STAT.OPERATING_MODE / SELFREF_TYPE values ✔ UB-STM. */
export const UMCTL2_OPERATING_MODE = { INIT: 0, NORMAL: 1, POWER_DOWN: 2, SELF_REFRESH: 3 } as const;
export const UMCTL2_SELFREF_TYPE = { NONE: 0, SOFTWARE: 2, AUTOMATIC: 3 } as const;

/** Registers declared without a field layout: name, offset, read-only? (u-boot arch-imx8m/ddr.h ✔ UB-8M). */
const PLAIN: readonly (readonly [string, number, boolean?])[] = [
  ['MSTR1', 0x008],
  ['HWFFCCTL', 0x03c],
  ['HWFFCSTAT', 0x040, true],
  ['RFSHCTL2', 0x058],
  ['ECCCFG0', 0x070],
  ['ECCCFG1', 0x074],
  ['ECCSTAT', 0x078, true],
  ['ECCCLR', 0x07c],
  ['ECCERRCNT', 0x080, true],
  ['ECCCADDR0', 0x084, true],
  ['ECCCADDR1', 0x088, true],
  ['ECCCSYN0', 0x08c, true],
  ['ECCCSYN1', 0x090, true],
  ['ECCCSYN2', 0x094, true],
  ['ECCBITMASK0', 0x098, true],
  ['ECCBITMASK1', 0x09c, true],
  ['ECCBITMASK2', 0x0a0, true],
  ['ECCUADDR0', 0x0a4, true],
  ['ECCUADDR1', 0x0a8, true],
  ['ECCUSYN0', 0x0ac, true],
  ['ECCUSYN1', 0x0b0, true],
  ['ECCUSYN2', 0x0b4, true],
  ['ECCPOISONADDR0', 0x0b8],
  ['ECCPOISONADDR1', 0x0bc],
  ['CRCPARCTL0', 0x0c0],
  ['CRCPARCTL1', 0x0c4],
  ['CRCPARCTL2', 0x0c8],
  ['CRCPARSTAT', 0x0cc, true],
  ['INIT0', 0x0d0],
  ['INIT1', 0x0d4],
  ['INIT2', 0x0d8],
  ['INIT5', 0x0e4],
  ['INIT6', 0x0e8],
  ['INIT7', 0x0ec],
  ['DIMMCTL', 0x0f0],
  ['RANKCTL', 0x0f4],
  ...Array.from({ length: 18 }, (_, n) => [`DRAMTMG${n}`, 0x100 + 4 * n] as const),
  ['ZQCTL0', 0x180],
  ['ZQCTL1', 0x184],
  ['ZQCTL2', 0x188],
  ['ZQSTAT', 0x18c, true],
  ['DFITMG0', 0x190],
  ['DFITMG1', 0x194],
  ['DFILPCFG0', 0x198],
  ['DFILPCFG1', 0x19c],
  ['DFIUPD0', 0x1a0],
  ['DFIUPD1', 0x1a4],
  ['DFIUPD2', 0x1a8],
  ['DFIMISC', 0x1b0],
  ['DFITMG2', 0x1b4],
  ['DFITMG3', 0x1b8],
  ['DFISTAT', 0x1bc, true],
  ['DBICTL', 0x1c0],
  ['DFIPHYMSTR', 0x1c4],
  ['TRAINCTL0', 0x1d0],
  ['TRAINCTL1', 0x1d4],
  ['TRAINCTL2', 0x1d8],
  ['TRAINSTAT', 0x1dc, true],
  ['ODTCFG', 0x240],
  ['ODTMAP', 0x244],
  ['SCHED', 0x250],
  ['SCHED1', 0x254],
  ['PERFHPR1', 0x25c],
  ['PERFLPR1', 0x264],
  ['PERFWR1', 0x26c],
  ['PERFVPR1', 0x274],
  ['PERFVPW1', 0x278],
  ...Array.from({ length: 6 }, (_, n) => [`DQMAP${n}`, 0x280 + 4 * n] as const),
  ['DBG0', 0x300],
  ['DBG1', 0x304],
  ['DBGCAM', 0x308, true],
  ['DBGCMD', 0x30c],
  ['DBGSTAT', 0x310, true],
  ['OCPARCFG0', 0x330],
  ['OCPARCFG1', 0x334],
  ['OCPARCFG2', 0x338],
  ['OCPARCFG3', 0x33c],
  ['OCPARSTAT0', 0x340, true],
  ['OCPARSTAT1', 0x344, true],
  ['OCPARWLOG0', 0x348, true],
  ['OCPARWLOG1', 0x34c, true],
  ['OCPARWLOG2', 0x350, true],
  ['OCPARAWLOG0', 0x354, true],
  ['OCPARAWLOG1', 0x358, true],
  ['OCPARRLOG0', 0x35c, true],
  ['OCPARRLOG1', 0x360, true],
  ['OCPARARLOG0', 0x364, true],
  ['OCPARARLOG1', 0x368, true],
  ['POISONCFG', 0x36c],
  ['POISONSTAT', 0x370, true],
  ['PSTAT', 0x3fc, true],
  ['PCCFG', 0x400],
  ['PCFGC_0', 0x40c],
  ['PCFGIDMASKCH', 0x410],
  ['PCFGIDVALUECH', 0x414],
  ['PCFGQOS0_0', 0x494],
  ['PCFGQOS1_0', 0x498],
  ['PCFGWQOS0_0', 0x49c],
  ['PCFGWQOS1_0', 0x4a0],
  ...[0, 1, 2, 3].flatMap((n) => [
    [`PCFGR_${n}`, 0x404 + 0xb0 * n] as const,
    [`PCFGW_${n}`, 0x408 + 0xb0 * n] as const,
  ]),
  ...[1, 2, 3].map((n) => [`PCTRL_${n}`, 0x490 + 0xb0 * n] as const),
  ['SARBASE0', 0xf04],
  ['SARSIZE0', 0xf08],
  ['SBRCTL', 0xf24],
  ['SBRSTAT', 0xf28, true],
  ['SBRWDATA0', 0xf2c],
  ['SBRWDATA1', 0xf30],
  ['PDCH', 0xf34],
];

/** Per-frequency-set shadow registers FREQ1..FREQ3 at 0x1000 * (n + 1) + offset (i.MX8M ✔ UB-8M). */
const FREQ_SHADOWS: readonly (readonly [string, number])[] = [
  ['DERATEEN', 0x020],
  ['DERATEINT', 0x024],
  ['RFSHCTL0', 0x050],
  ['RFSHTMG', 0x064],
  ['INIT3', 0x0dc],
  ['INIT4', 0x0e0],
  ['INIT6', 0x0e8],
  ['INIT7', 0x0ec],
  ...Array.from({ length: 18 }, (_, n) => [`DRAMTMG${n}`, 0x100 + 4 * n] as const),
  ['ZQCTL0', 0x180],
  ['DFITMG0', 0x190],
  ['DFITMG1', 0x194],
  ['DFITMG2', 0x1b4],
  ['DFITMG3', 0x1b8],
  ['ODTCFG', 0x240],
];

function plainRegisters(): RegisterDecl[] {
  const out = PLAIN.map(([n, o, ro]) => (ro ? plainRo(n, o) : plain(n, o)));
  for (const set of [1, 2, 3]) {
    for (const [n, o] of FREQ_SHADOWS)
      out.push(plain(`FREQ${set}_${n}`, 0x1000 * (set + 1) + o, `frequency set ${set} shadow of ${n}`));
  }
  return out;
}

export const SNPS_UMCTL2: BlockDecl = block('DDRC', 0x10000, [
  reg32('MSTR', 0x000, {
    fields: [
      f('DEVICE_CONFIG', 30, 2),
      f('FREQUENCY_MODE', 29, 1),
      f('ACTIVE_RANKS', 24, 4, 'rw', 'one bit per populated rank'),
      f('BURST_RDWR', 16, 4),
      f('DLL_OFF_MODE', 15, 1),
      f('DATA_BUS_WIDTH', 12, 2, 'rw', '0 full, 1 half, 2 quarter'),
      f('GEARDOWN_MODE', 11, 1),
      f('EN_2T_TIMING_MODE', 10, 1),
      f('BURSTCHOP', 9, 1),
      f('LPDDR4', 5, 1),
      f('DDR4', 4, 1),
      f('LPDDR3', 3, 1),
      f('LPDDR2', 2, 1),
      f('DDR3', 0, 1),
    ],
  }),
  reg32('STAT', 0x004, {
    fields: [
      f('SELFREF_CAM_NOT_EMPTY', 12, 1, 'ro'),
      f('SELFREF_STATE', 8, 3, 'ro'),
      f('SELFREF_TYPE', 4, 2, 'ro', '0 not in SR, 2 SR by software (PWRCTL.SELFREF_SW), 3 automatic SR'),
      f('OPERATING_MODE', 0, 3, 'ro', '0 init, 1 normal, 2 power-down, 3 self-refresh'),
    ],
  }),
  reg32('MSTR2', 0x028, { fields: [f('TARGET_FREQUENCY', 0, 2)] }),
  reg32('MRCTRL0', 0x010, {
    fields: [
      f('MR_WR', 31, 1, 'wsc', 'write 1 to issue the MR command (self-clearing)'),
      f('PBA_MODE', 30, 1),
      f('MR_ADDR', 12, 4, 'rw', 'MR number for DDR3/DDR4 only'),
      f('MR_RANK', 4, 4, 'rw', 'rank bitmask: 1 = rank 0, 0xF = all'),
      f('SW_INIT_INT', 3, 1),
      f('PDA_EN', 2, 1),
      f('MPR_EN', 1, 1),
      f('MR_TYPE', 0, 1, 'rw', '0 = write (MRW), 1 = read (MRR)'),
    ],
  }),
  reg32('MRCTRL1', 0x014, {
    fields: [
      f('MR_DATA_HI', 16, 2, 'rw', 'bits 17:16 of the databook 18-bit mr_data (DDR4 only)'),
      f('MR_ADDR', 8, 8, 'rw', 'LPDDR2/3/4: mode register number (mr_data[15:8])'),
      f('MR_DATA', 0, 8, 'rw', 'LPDDR2/3/4: MRW operand (mr_data[7:0])'),
    ],
  }),
  reg32('MRSTAT', 0x018, {
    fields: [f('PDA_DONE', 8, 1, 'ro'), f('MR_WR_BUSY', 0, 1, 'ro', 'an MR command is in flight')],
  }),
  reg32('MRCTRL2', 0x01c, { fields: [f('MR_DEVICE_SEL', 0, 32)] }),
  reg32('PWRCTL', 0x030, {
    fields: [
      f('LPDDR4_SR_ALLOWED', 8, 1, 'rw', '◐ LPDDR4 configurations'),
      f('DIS_CAM_DRAIN_SELFREF', 7, 1),
      f('STAY_IN_SELFREF', 6, 1, 'rw', '◐ LPDDR4 configurations'),
      f('SELFREF_SW', 5, 1, 'rw', 'software self-refresh request'),
      f('MPSM_EN', 4, 1),
      f('EN_DFI_DRAM_CLK_DISABLE', 3, 1),
      f('DEEPPOWERDOWN_EN', 2, 1, 'rw', '◐ LPDDR2/3 configurations'),
      f('POWERDOWN_EN', 1, 1),
      f('SELFREF_EN', 0, 1, 'rw', 'automatic self-refresh when idle'),
    ],
  }),
  reg32('PWRTMG', 0x034, {
    fields: [
      f('SELFREF_TO_X32', 16, 8),
      f('T_DPD_X4096', 8, 8, 'rw', '◐ LPDDR2/3 configurations'),
      f('POWERDOWN_TO_X32', 0, 5),
    ],
  }),
  reg32('HWLPCTL', 0x038, {
    fields: [f('HW_LP_IDLE_X32', 16, 12), f('HW_LP_EXIT_IDLE_EN', 1, 1), f('HW_LP_EN', 0, 1)],
  }),
  reg32('RFSHCTL0', 0x050, {
    fields: [
      f('REFRESH_MARGIN', 20, 4),
      f('REFRESH_TO_X32', 12, 5),
      f('REFRESH_BURST', 4, 6),
      f('PER_BANK_REFRESH', 2, 1, 'rw', '◐ LPDDR configurations'),
    ],
  }),
  reg32('RFSHCTL1', 0x054, {
    fields: [f('REFRESH_TIMER1_START_VALUE_X32', 16, 12), f('REFRESH_TIMER0_START_VALUE_X32', 0, 12)],
  }),
  reg32('RFSHCTL3', 0x060, {
    fields: [f('REFRESH_MODE', 4, 3), f('REFRESH_UPDATE_LEVEL', 1, 1), f('DIS_AUTO_REFRESH', 0, 1)],
  }),
  reg32('RFSHTMG', 0x064, { fields: [f('T_RFC_NOM_X1_X32', 16, 12), f('T_RFC_MIN', 0, 10)] }),
  reg32('INIT3', 0x0dc, {
    fields: [f('MR', 16, 16, 'rw', 'LPDDR4: MR1 value'), f('EMR', 0, 16, 'rw', 'LPDDR4: MR2 value')],
  }),
  reg32('INIT4', 0x0e0, {
    fields: [f('EMR2', 16, 16, 'rw', 'LPDDR4: MR3 value'), f('EMR3', 0, 16, 'rw', 'LPDDR4: MR13 value')],
  }),
  addrmap('ADDRMAP0', 0x200, [f('ADDRMAP_CS_BIT1', 8, 5), f('ADDRMAP_CS_BIT0', 0, 5)]),
  addrmap('ADDRMAP1', 0x204, [f('ADDRMAP_BANK_B2', 16, 6), f('ADDRMAP_BANK_B1', 8, 6), f('ADDRMAP_BANK_B0', 0, 6)]),
  addrmap('ADDRMAP2', 0x208, [
    f('ADDRMAP_COL_B5', 24, 4),
    f('ADDRMAP_COL_B4', 16, 4),
    f('ADDRMAP_COL_B3', 8, 5),
    f('ADDRMAP_COL_B2', 0, 4),
  ]),
  addrmap('ADDRMAP3', 0x20c, [
    f('ADDRMAP_COL_B9', 24, 5),
    f('ADDRMAP_COL_B8', 16, 5),
    f('ADDRMAP_COL_B7', 8, 5),
    f('ADDRMAP_COL_B6', 0, 5),
  ]),
  addrmap('ADDRMAP4', 0x210, [f('ADDRMAP_COL_B11', 8, 5), f('ADDRMAP_COL_B10', 0, 5)]),
  addrmap('ADDRMAP5', 0x214, [
    f('ADDRMAP_ROW_B11', 24, 4),
    f('ADDRMAP_ROW_B2_10', 16, 4),
    f('ADDRMAP_ROW_B1', 8, 4),
    f('ADDRMAP_ROW_B0', 0, 4),
  ]),
  addrmap('ADDRMAP6', 0x218, [
    f('LPDDR3_6GB_12GB', 31, 1, 'rw', '◐ LPDDR3 configurations'),
    f('ADDRMAP_ROW_B15', 24, 4),
    f('ADDRMAP_ROW_B14', 16, 4),
    f('ADDRMAP_ROW_B13', 8, 4),
    f('ADDRMAP_ROW_B12', 0, 4),
  ]),
  addrmap('ADDRMAP7', 0x21c, [f('ADDRMAP_ROW_B17', 8, 4), f('ADDRMAP_ROW_B16', 0, 4)]),
  addrmap('ADDRMAP8', 0x220, [f('ADDRMAP_BG_B1', 8, 6), f('ADDRMAP_BG_B0', 0, 6)]),
  addrmap('ADDRMAP9', 0x224, [
    f('ADDRMAP_ROW_B5', 24, 4),
    f('ADDRMAP_ROW_B4', 16, 4),
    f('ADDRMAP_ROW_B3', 8, 4),
    f('ADDRMAP_ROW_B2', 0, 4),
  ]),
  addrmap('ADDRMAP10', 0x228, [
    f('ADDRMAP_ROW_B9', 24, 4),
    f('ADDRMAP_ROW_B8', 16, 4),
    f('ADDRMAP_ROW_B7', 8, 4),
    f('ADDRMAP_ROW_B6', 0, 4),
  ]),
  addrmap('ADDRMAP11', 0x22c, [f('ADDRMAP_ROW_B10', 0, 4)]),
  reg32('SWCTL', 0x320, { fields: [f('SW_DONE', 0, 1)] }),
  reg32('SWSTAT', 0x324, { fields: [f('SW_DONE_ACK', 0, 1, 'ro', 'follows SWCTL.SW_DONE')] }),
  reg32('PCTRL_0', 0x490, { fields: [f('PORT_EN', 0, 1)] }),
  ...plainRegisters(),
]);

/**
 * i.MX8M DDRC performance-monitor block (DRC_PERF_MON_BASE 0x3D800000), used by u-boot for MRR.
 * Offsets and bit behaviour ✔ UB-8M / UB-8MINIT; ✖ field names are ours (u-boot uses raw values).
 * ✖ window size.
 */
export const IMX8M_DDRC_PERF: BlockDecl = block('DDRC_PERF_MON', 0x1000, [
  ...[0, 1, 2, 3].flatMap((n) => [
    plain(`CNT${n}_CTL`, 4 * n, 'perf counter control'),
    plainRo(`CNT${n}_DAT`, 0x20 + 4 * n, 'perf counter value'),
  ]),
  reg32('MRR0_DAT', 0x40, {
    fields: [
      f('MRR_DATA_VALID', 3, 1, 'ro', 'MRR data valid in MRR1_DAT'),
      f('MRR_CLEAR', 2, 1, 'wsc', 'write 1 to clear valid and data (u-boot writes 0x4)'),
      f('MRR_ARM', 0, 1, 'rw', 'write 1 before an MRR to capture its data (u-boot writes 0x1)'),
    ],
  }),
  reg32('MRR1_DAT', 0x44, { fields: [f('MRR_DATA', 0, 32, 'ro', 'MRR data, byte lane n = channel n ◐')] }),
]);

/** Image values the uMCTL2 model refuses (status it computes, state reached only through register sequences). */
export const umctl2ImageRefusal: ImageRefusal = (reg, value) => {
  if (reg.name === 'STAT' || reg.name === 'MRSTAT' || reg.name === 'SWSTAT')
    return `${reg.name} is status the model computes`;
  if (reg.name === 'PWRCTL' && fieldIn(reg, 'SELFREF_SW', value))
    return 'SELFREF_SW = 1 would start in self-refresh; self-refresh is entered by writing PWRCTL';
  if (reg.name === 'MRCTRL0' && fieldIn(reg, 'MR_WR', value)) return 'MR_WR is a trigger, not state';
  return undefined;
};

/** Image values refused in the perf-monitor block. */
export const umctl2PerfImageRefusal: ImageRefusal = (reg) =>
  reg.name === 'MRR0_DAT' || reg.name === 'MRR1_DAT' ? `${reg.name} holds MRR state, not configuration` : undefined;

export interface SnpsUmctl2Options {
  /** MRSTAT.MR_WR_BUSY window of one MR command (✖ model parameter; default 2000 ns). */
  readonly mrBusyNs?: number;
  /** Delay from a PWRCTL.SELFREF_SW change to the self-refresh transition (✖ default 1000 ns). */
  readonly srDelayNs?: number;
  readonly mrGapNs?: number;
}

export class SnpsUmctl2 implements MemoryController {
  readonly kind = 'snps-umctl2' as const;
  readonly id: string;
  readonly devices: readonly MappedDevice[];
  readonly dies: readonly DiePort[];
  readonly blocks: Readonly<Record<string, RegisterBlock>>;
  private readonly ddrc: RegisterBlock;
  private readonly perf: RegisterBlock | undefined;
  private readonly bound: BoundDie[];
  private readonly pacer: MrPacer;
  private readonly mrBusyNs: number;
  private readonly srDelayNs: number;
  private busyWindowOpen = false;
  /** MRR data captured at the trigger, delivered to the perf monitor when the busy window ends. */
  private pendingMrr: number | undefined;
  private cancelSr: (() => void) | undefined;
  private selfRefresh = false;

  constructor(
    config: ControllerConfig,
    dies: readonly DiePort[],
    private readonly clock: Clock,
    private readonly trace: TraceBus,
    options: SnpsUmctl2Options = {},
  ) {
    const where = `snps-umctl2 ${config.id}`;
    if (config.kind !== 'snps-umctl2') throw new Error(`${where}: config kind is ${config.kind}`);
    checkBlockKeys(where, config, ['perf']);
    this.id = config.id;
    this.mrBusyNs = nonNegativeNs(where, 'mrBusyNs', options.mrBusyNs ?? 2000);
    this.srDelayNs = nonNegativeNs(where, 'srDelayNs', options.srDelayNs ?? 1000);
    this.bound = bindDies(where, config, dies);
    this.dies = this.bound.map((b) => b.port);
    this.pacer = new MrPacer(clock, options.mrGapNs);
    this.ddrc = new RegisterBlock(SNPS_UMCTL2, config.id, config.base, trace);
    applyRegisterImage(where, this.ddrc, config.registers, umctl2ImageRefusal);
    this.ddrc.setField('STAT', 'OPERATING_MODE', UMCTL2_OPERATING_MODE.NORMAL);
    const devices: MappedDevice[] = [{ base: config.base, device: this.ddrc }];
    const blocks: Record<string, RegisterBlock> = { ddrc: this.ddrc };
    const perfBlock = config.blocks.perf;
    if (perfBlock) {
      this.perf = new RegisterBlock(IMX8M_DDRC_PERF, `${config.id}.perf`, perfBlock.base, trace);
      applyRegisterImage(`${where} block perf`, this.perf, perfBlock.registers, umctl2PerfImageRefusal);
      devices.push({ base: perfBlock.base, device: this.perf });
      blocks.perf = this.perf;
      this.perf.onWrite('MRR0_DAT', (next) => {
        if (fieldIn(this.perf!.reg('MRR0_DAT'), 'MRR_CLEAR', next)) {
          this.perf!.setField('MRR0_DAT', 'MRR_DATA_VALID', 0);
          this.perf!.set('MRR1_DAT', 0);
        }
      });
    } else {
      this.perf = undefined;
    }
    this.devices = devices;
    this.blocks = blocks;

    this.ddrc.onWrite('MRCTRL0', (next) => this.modeRegisterControlWrite(next));
    this.ddrc.onWrite('MRCTRL1', () => {
      if (this.busyWindowOpen)
        this.guestError('MRCTRL1 written while MRSTAT.MR_WR_BUSY = 1 (no writes to MRCTRL0/MRCTRL1 while busy)');
    });
    this.ddrc.onWrite('PWRCTL', () => this.powerControlWrite());
    this.ddrc.onRead('SWSTAT', () => this.ddrc.getField('SWCTL', 'SW_DONE'));
  }

  get inSelfRefresh(): boolean {
    return this.selfRefresh;
  }

  /** True while an MR command's busy window is open. */
  get mrBusy(): boolean {
    return this.busyWindowOpen;
  }

  private guestError(message: string): void {
    this.trace.emit({ kind: 'guest.error', source: this.id, message });
  }

  private modeRegisterControlWrite(next: number): void {
    const mrctrl0 = this.ddrc.reg('MRCTRL0');
    const trigger = fieldIn(mrctrl0, 'MR_WR', next) === 1;
    if (this.busyWindowOpen) {
      this.guestError(
        trigger
          ? 'MRCTRL0.MR_WR set while MRSTAT.MR_WR_BUSY = 1; MR command dropped'
          : 'MRCTRL0 written while MRSTAT.MR_WR_BUSY = 1 (no writes to MRCTRL0/MRCTRL1 while busy)',
      );
      return;
    }
    if (!trigger) return;
    const read = fieldIn(mrctrl0, 'MR_TYPE', next) === 1;
    const rankMask = fieldIn(mrctrl0, 'MR_RANK', next);
    const mr = this.ddrc.getField('MRCTRL1', 'MR_ADDR');
    const data = this.ddrc.getField('MRCTRL1', 'MR_DATA');
    this.openBusyWindow(read);
    const lpddr =
      this.ddrc.getField('MSTR', 'LPDDR2') |
      this.ddrc.getField('MSTR', 'LPDDR3') |
      this.ddrc.getField('MSTR', 'LPDDR4');
    const ddr = this.ddrc.getField('MSTR', 'DDR3') | this.ddrc.getField('MSTR', 'DDR4');
    if (ddr && !lpddr) {
      this.guestError('MSTR selects DDR3/DDR4: MRS through MRCTRL0.MR_ADDR is not modelled; command dropped');
      return;
    }
    const targets = this.bound.filter((b) => (rankMask >> b.rank) & 1);
    if (targets.length === 0) {
      this.guestError(`MR${read ? 'R' : 'W'} MR${mr}: MR_RANK 0x${rankMask.toString(16)} selects no populated rank`);
      return;
    }
    if (!read) {
      for (const t of targets) this.pacer.issue(t.port, () => t.port.mrw(mr, data));
      return;
    }
    const rank = Math.min(...targets.map((t) => t.rank));
    let word = 0;
    for (const t of targets.filter((x) => x.rank === rank)) {
      const byte = this.pacer.issue(t.port, () => t.port.mrr(mr)) & 0xff;
      if (t.channel > 3) continue;
      word = (word | (byte * 2 ** (8 * t.channel))) >>> 0;
    }
    this.pendingMrr = word;
  }

  private openBusyWindow(read: boolean): void {
    this.busyWindowOpen = true;
    this.pendingMrr = undefined;
    this.ddrc.setField('MRSTAT', 'MR_WR_BUSY', 1);
    this.clock.schedule(this.mrBusyNs, () => {
      this.busyWindowOpen = false;
      this.ddrc.setField('MRSTAT', 'MR_WR_BUSY', 0);
      if (read && this.pendingMrr !== undefined) this.deliverMrr(this.pendingMrr);
      this.pendingMrr = undefined;
    });
  }

  private deliverMrr(word: number): void {
    if (!this.perf) {
      this.guestError('MRR data has nowhere to go: this controller has no perf monitor block (blocks.perf)');
      return;
    }
    if (this.perf.getField('MRR0_DAT', 'MRR_ARM') !== 1) {
      this.guestError('MRR data lost: perf monitor MRR0_DAT was not armed (write 1 before the MRR)');
      return;
    }
    this.perf.set('MRR1_DAT', word);
    this.perf.setField('MRR0_DAT', 'MRR_DATA_VALID', 1);
  }

  private powerControlWrite(): void {
    this.cancelSr?.();
    this.cancelSr = undefined;
    const settle = () => {
      const want = this.ddrc.getField('PWRCTL', 'SELFREF_SW') === 1;
      if (want === this.selfRefresh) return;
      this.selfRefresh = want;
      for (const d of this.dies) {
        if (want) d.enterSelfRefresh();
        else d.exitSelfRefresh();
      }
      this.ddrc.setField(
        'STAT',
        'OPERATING_MODE',
        want ? UMCTL2_OPERATING_MODE.SELF_REFRESH : UMCTL2_OPERATING_MODE.NORMAL,
      );
      this.ddrc.setField('STAT', 'SELFREF_TYPE', want ? UMCTL2_SELFREF_TYPE.SOFTWARE : UMCTL2_SELFREF_TYPE.NONE);
    };
    if (this.srDelayNs === 0) settle();
    else {
      this.cancelSr = this.clock.schedule(this.srDelayNs, () => {
        this.cancelSr = undefined;
        settle();
      });
    }
  }

  checkInvariants(): void {
    if ((this.ddrc.getField('MRSTAT', 'MR_WR_BUSY') === 1) !== this.busyWindowOpen) {
      throw new Error(`${this.id}: invariant (a) broken: MR_WR_BUSY does not match the busy window`);
    }
    const mode = this.ddrc.getField('STAT', 'OPERATING_MODE');
    if (
      this.cancelSr === undefined &&
      (mode === UMCTL2_OPERATING_MODE.SELF_REFRESH) !== (this.ddrc.getField('PWRCTL', 'SELFREF_SW') === 1)
    ) {
      throw new Error(
        `${this.id}: invariant (b) broken: OPERATING_MODE ${mode} with PWRCTL.SELFREF_SW ${this.ddrc.getField('PWRCTL', 'SELFREF_SW')}`,
      );
    }
    if ((mode === UMCTL2_OPERATING_MODE.SELF_REFRESH) !== this.selfRefresh) {
      throw new Error(
        `${this.id}: invariant (c) broken: OPERATING_MODE ${mode} but self-refresh flag ${this.selfRefresh}`,
      );
    }
    for (const d of this.dies) {
      if (d.inSelfRefresh !== this.selfRefresh)
        throw new Error(`${this.id}: invariant (c) broken: die ${d.id} self-refresh ${d.inSelfRefresh}`);
    }
  }
}
