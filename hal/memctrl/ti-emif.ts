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
  type BoundDie,
  type ImageRefusal,
  type MappedDevice,
  type MemoryController,
} from './memory-controller.js';
import { MrPacer } from './mr-pacer.js';
import { TiDmm } from './ti-dmm.js';

/**
 * TI EMIF4D as used on OMAP4/OMAP5 (PandaBoard: EMIF1 0x4C000000, EMIF2 0x4D000000).
 *
 * Register map: u-boot `arch/arm/include/asm/emif.h` (`struct emif_reg_struct` for offsets,
 * the `EMIF_REG_*_SHIFT/MASK` table for fields) ✔ UB-EMIF; names as in reference lpddr.md §2.1
 * (which follows u-boot's `emif_pwr_mgmt_ctrl` -> PWR_MGMT_CTRL) and otherwise the Linux
 * `drivers/memory/emif.h` names. Behaviour is implemented for what firmware uses:
 *
 *  - MRW: write LPDDR2_MODE_REG_CONFIG (CS bit31, REFRESH_EN bit30, ADDRESS 7:0), then write
 *    LPDDR2_MODE_REG_DATA; the DATA write issues the MRW to the die on that chip select.
 *  - MRR: write CONFIG, then read DATA; the read issues the MRR and returns the MR byte
 *    replicated on the 4 byte lanes (u-boot `get_mr` checks the lanes agree) ✔ UB-EMIFC.
 *  - OMAP4430 ES2.0 reads MR data at 0x48 (LPDDR2_MODE_REG_DATA_ES2); with the `es2DataAlias`
 *    option that register exists and behaves as DATA (MRR on read, MRW on write).
 *  - PWR_MGMT_CTRL.LP_MODE = 2 (self-refresh): the dies enter self-refresh when the field
 *    becomes 2 and leave it when it changes to anything else. (The real EMIF enters after
 *    SR_TIM idle cycles and wakes on traffic; with no DRAM traffic modelled, the transition
 *    follows the register write.)
 *
 * Invariants (checkInvariants):
 *  (a) the model's self-refresh flag is set exactly when PWR_MGMT_CTRL.LP_MODE = 2;
 *  (b) every die's self-refresh state equals that flag (this EMIF is the only thing moving them).
 */

const f = field;

function timing(name: string, offset: number, fields: readonly FieldDecl[], doc: string): RegisterDecl {
  return reg32(name, offset, { fields, doc });
}

const TIM1 = [
  f('T_RP', 25, 4),
  f('T_RCD', 21, 4),
  f('T_WR', 17, 4),
  f('T_RAS', 12, 5),
  f('T_RC', 6, 6),
  f('T_RRD', 3, 3),
  f('T_WTR', 0, 3),
];
const TIM2 = [
  f('T_XP', 28, 3),
  f('T_ODT', 25, 3),
  f('T_XSNR', 16, 9),
  f('T_XSRD', 6, 10),
  f('T_RTP', 3, 3),
  f('T_CKE', 0, 3),
];
const TIM3 = [
  f('T_CKESR', 21, 3),
  f('ZQ_ZQCS', 15, 6),
  f('T_TDQSCKMAX', 13, 2),
  f('T_RFC', 4, 9),
  f('T_RAS_MAX', 0, 4),
];
const NVM = [
  f('NVM_T_XP', 28, 3),
  f('NVM_T_WTR', 24, 3),
  f('NVM_T_RP', 20, 4),
  f('NVM_T_WRA', 16, 4),
  f('NVM_T_RRD', 8, 8),
  f('NVM_T_RCDMIN', 0, 8),
];
const IRQ_SYS = (p: string, mode: 'rw' | 'w1c' | 'w1s' | 'ro') => [
  f(`${p}DNV_SYS`, 2, 1, mode),
  f(`${p}TA_SYS`, 1, 1, mode),
  f(`${p}ERR_SYS`, 0, 1, mode),
];
const IRQ_LL = (p: string, mode: 'rw' | 'w1c' | 'w1s' | 'ro') => [
  f(`${p}DNV_LL`, 2, 1, mode),
  f(`${p}TA_LL`, 1, 1, mode),
  f(`${p}ERR_LL`, 0, 1, mode),
];
const LVL_RAMP = [
  f('RDWRLVL_EN', 31, 1),
  f('RDWRLVLINC_RMP_PRE', 24, 7),
  f('RDLVLINC_RMP_INT', 16, 8),
  f('RDLVLGATEINC_RMP_INT', 8, 8),
  f('WRLVLINC_RMP_INT', 0, 8),
];
const LVL_CTL = [
  f('RDWRLVLFULL_START', 31, 1),
  f('RDWRLVLINC_PRE', 24, 7),
  f('RDLVLINC_INT', 16, 8),
  f('RDLVLGATEINC_INT', 8, 8),
  f('WRLVLINC_INT', 0, 8),
];

export const LPDDR2_MODE_REG_DATA_FIELDS = [
  f('VALUE_3', 24, 8, 'rw', 'MRR byte lane 3 (replica of lane 0); ignored by the MRW'),
  f('VALUE_2', 16, 8, 'rw', 'MRR byte lane 2 (replica of lane 0); ignored by the MRW'),
  f('VALUE_1', 8, 8, 'rw', 'MRR byte lane 1 (replica of lane 0); ignored by the MRW'),
  // Linux/u-boot headers give VALUE_0 a 0x7f mask; MR17 = 0xF0 and MR10 = 0xFF need bit 7, and
  // u-boot writes the whole byte with writel, so the model takes 8 bits.
  f('VALUE_0', 0, 8, 'rw', 'MRW operand (write triggers the MRW) / MRR byte lane 0'),
];

function extPhyRegisters(): RegisterDecl[] {
  const out: RegisterDecl[] = [];
  for (let n = 1; n <= 24; n++) {
    const off = 0x200 + (n - 1) * 8;
    out.push(opaqueReg32(`EXT_PHY_CTRL_${n}`, off, 'OMAP5 external PHY control (fields not modelled)'));
    out.push(opaqueReg32(`EXT_PHY_CTRL_${n}_SHDW`, off + 4, 'shadow of EXT_PHY_CTRL'));
  }
  return out;
}

function emifRegisters(es2DataAlias: boolean): RegisterDecl[] {
  const regs: RegisterDecl[] = [
    reg32('EMIF_MOD_ID_REV', 0x00, {
      fields: [
        f('SCHEME', 30, 2, 'ro'),
        f('MODULE_ID', 16, 12, 'ro'),
        f('RTL_VERSION', 11, 5, 'ro'),
        f('MAJOR_REVISION', 8, 3, 'ro'),
        f('MINOR_REVISION', 0, 6, 'ro'),
      ],
      doc: 'module id / revision (✖ reset value not in the sources: 0)',
    }),
    reg32('STATUS', 0x04, {
      fields: [
        f('BE', 31, 1, 'ro'),
        f('DUAL_CLK_MODE', 30, 1, 'ro'),
        f('FAST_INIT', 29, 1, 'ro'),
        f('PHY_DLL_READY', 2, 1, 'ro'),
      ],
    }),
    reg32('SDRAM_CONFIG', 0x08, {
      fields: [
        f('SDRAM_TYPE', 29, 3, 'rw', '4 = LPDDR2-S4, 5 = LPDDR2-S2'),
        f('IBANK_POS', 27, 2),
        f('DDR_TERM', 24, 3),
        f('DDR2_DDQS', 23, 1),
        f('DYN_ODT', 21, 2),
        f('DDR_DISABLE_DLL', 20, 1),
        f('SDRAM_DRIVE', 18, 2),
        f('CWL', 16, 2),
        f('NARROW_MODE', 14, 2),
        f('CL', 10, 4),
        f('ROWSIZE', 7, 3, 'rw', 'rows = 2^(9 + n)'),
        f('IBANK', 4, 3, 'rw', 'banks = 2^n'),
        f('EBANK', 3, 1, 'rw', '1 = both chip selects used'),
        f('PAGESIZE', 0, 3, 'rw', 'columns = 2^(8 + n)'),
      ],
    }),
    reg32('SDRAM_CONFIG_2', 0x0c, {
      fields: [f('CS1NVMEN', 30, 1), f('EBANK_POS', 27, 1), f('RDBNUM', 4, 2), f('RDBSIZE', 0, 3)],
    }),
    reg32('SDRAM_REFRESH_CONTROL', 0x10, {
      fields: [
        f('INITREF_DIS', 31, 1),
        f('SRT', 29, 1),
        f('ASR', 28, 1),
        f('PASR', 24, 3, 'rw', 'DDR3-style 3-bit PASR, not the LPDDR2 MR16/MR17 masks'),
        f('REFRESH_RATE', 0, 16),
      ],
    }),
    reg32('SDRAM_REFRESH_CTRL_SHDW', 0x14, { fields: [f('REFRESH_RATE_SHDW', 0, 16)] }),
    timing('SDRAM_TIMING_1', 0x18, TIM1, 'AC timing 1'),
    timing('SDRAM_TIMING_1_SHDW', 0x1c, TIM1, 'shadow of SDRAM_TIMING_1'),
    timing('SDRAM_TIMING_2', 0x20, TIM2, 'AC timing 2'),
    timing('SDRAM_TIMING_2_SHDW', 0x24, TIM2, 'shadow of SDRAM_TIMING_2'),
    timing('SDRAM_TIMING_3', 0x28, TIM3, 'AC timing 3'),
    timing('SDRAM_TIMING_3_SHDW', 0x2c, TIM3, 'shadow of SDRAM_TIMING_3'),
    timing('LPDDR2_NVM_TIMING', 0x30, NVM, 'LPDDR2-NVM timing'),
    timing('LPDDR2_NVM_TIMING_SHDW', 0x34, NVM, 'shadow of LPDDR2_NVM_TIMING'),
    reg32('PWR_MGMT_CTRL', 0x38, {
      fields: [
        f('IDLEMODE', 30, 2),
        f('PD_TIM', 12, 4),
        f('DPD_EN', 11, 1),
        f('LP_MODE', 8, 3, 'rw', '0 off, 1 clock stop, 2 self-refresh, 3 power-down'),
        f('SR_TIM', 4, 4),
        f('CS_TIM', 0, 4),
      ],
    }),
    reg32('PWR_MGMT_CTRL_SHDW', 0x3c, {
      fields: [f('PD_TIM_SHDW', 12, 4), f('SR_TIM_SHDW', 4, 4), f('CS_TIM_SHDW', 0, 4)],
    }),
    reg32('LPDDR2_MODE_REG_DATA', 0x40, {
      fields: LPDDR2_MODE_REG_DATA_FIELDS,
      doc: 'write: MRW operand (triggers MRW); read: MRR result',
    }),
    reg32('LPDDR2_MODE_REG_CONFIG', 0x50, {
      fields: [
        f('CS', 31, 1, 'rw', '0 = CS0, 1 = CS1'),
        f('REFRESH_EN', 30, 1, 'rw', 'enable refresh along with the MRW (u-boot sets it with MR2)'),
        f('ADDRESS', 0, 8, 'rw', 'mode register number'),
      ],
    }),
    reg32('OCP_CONFIG', 0x54, {
      fields: [
        f('SYS_THRESH_MAX', 24, 4),
        f('MPU_THRESH_MAX', 20, 4),
        f('LL_THRESH_MAX', 16, 4),
        f('PR_OLD_COUNT', 0, 8),
      ],
    }),
    reg32('OCP_CONFIG_VALUE_1', 0x58, {
      fields: [
        f('SYS_BUS_WIDTH', 30, 2, 'ro'),
        f('LL_BUS_WIDTH', 28, 2, 'ro'),
        f('WR_FIFO_DEPTH', 8, 8, 'ro'),
        f('CMD_FIFO_DEPTH', 0, 8, 'ro'),
      ],
    }),
    reg32('OCP_CONFIG_VALUE_2', 0x5c, {
      fields: [f('RREG_FIFO_DEPTH', 16, 8, 'ro'), f('RSD_FIFO_DEPTH', 8, 8, 'ro'), f('RCMD_FIFO_DEPTH', 0, 8, 'ro')],
    }),
    reg32('IODFT_TLGC', 0x60, {
      fields: [
        f('TLEC', 16, 16),
        f('MT', 14, 1),
        f('ACT_CAP_EN', 13, 1),
        f('OPG_LD', 12, 1),
        f('RESET_PHY', 10, 1),
        f('MMS', 8, 1),
        f('MC', 4, 2),
        f('PC', 1, 3),
        f('TM', 0, 1),
      ],
    }),
    reg32('PERF_CNT_1', 0x80, { fields: [f('COUNTER1', 0, 32, 'ro')] }),
    reg32('PERF_CNT_2', 0x84, { fields: [f('COUNTER2', 0, 32, 'ro')] }),
    reg32('PERF_CNT_CFG', 0x88, {
      fields: [
        f('CNTR2_MCONNID_EN', 31, 1),
        f('CNTR2_REGION_EN', 30, 1),
        f('CNTR2_CFG', 16, 4),
        f('CNTR1_MCONNID_EN', 15, 1),
        f('CNTR1_REGION_EN', 14, 1),
        f('CNTR1_CFG', 0, 4),
      ],
    }),
    reg32('PERF_CNT_SEL', 0x8c, {
      fields: [f('MCONNID2', 24, 8), f('REGION_SEL2', 16, 2), f('MCONNID1', 8, 8), f('REGION_SEL1', 0, 2)],
    }),
    reg32('PERF_CNT_TIM', 0x90, { fields: [f('TOTAL_TIME', 0, 32, 'ro')] }),
    reg32('READ_IDLE_CTRL', 0x98, { fields: [f('READ_IDLE_LEN', 16, 4), f('READ_IDLE_INTERVAL', 0, 9)] }),
    reg32('READ_IDLE_CTRL_SHDW', 0x9c, {
      fields: [f('READ_IDLE_LEN_SHDW', 16, 4), f('READ_IDLE_INTERVAL_SHDW', 0, 9)],
    }),
    reg32('IRQSTATUS_RAW_SYS', 0xa4, { fields: IRQ_SYS('', 'rw') }),
    reg32('IRQSTATUS_RAW_LL', 0xa8, { fields: IRQ_LL('', 'rw') }),
    reg32('IRQSTATUS_SYS', 0xac, { fields: IRQ_SYS('', 'w1c') }),
    reg32('IRQSTATUS_LL', 0xb0, { fields: IRQ_LL('', 'w1c') }),
    reg32('IRQENABLE_SET_SYS', 0xb4, { fields: IRQ_SYS('EN_', 'w1s') }),
    reg32('IRQENABLE_SET_LL', 0xb8, { fields: IRQ_LL('EN_', 'w1s') }),
    reg32('IRQENABLE_CLR_SYS', 0xbc, { fields: IRQ_SYS('EN_', 'w1c') }),
    reg32('IRQENABLE_CLR_LL', 0xc0, { fields: IRQ_LL('EN_', 'w1c') }),
    reg32('ZQ_CONFIG', 0xc8, {
      fields: [
        f('ZQ_CS1EN', 31, 1),
        f('ZQ_CS0EN', 30, 1),
        f('ZQ_DUALCALEN', 29, 1),
        f('ZQ_SFEXITEN', 28, 1),
        f('ZQ_ZQINIT_MULT', 18, 2),
        f('ZQ_ZQCL_MULT', 16, 2),
        f('ZQ_REFINTERVAL', 0, 16),
      ],
      doc: 'SDRAM output impedance calibration config',
    }),
    reg32('TEMP_ALERT_CONFIG', 0xcc, {
      fields: [
        f('TA_CS1EN', 31, 1),
        f('TA_CS0EN', 30, 1),
        f('TA_SFEXITEN', 28, 1),
        f('TA_DEVWDT', 26, 2),
        f('TA_DEVCNT', 24, 2),
        f('TA_REFINTERVAL', 0, 22),
      ],
    }),
    reg32('OCP_ERR_LOG', 0xd0, {
      fields: [
        f('MADDRSPACE', 14, 2, 'ro'),
        f('MBURSTSEQ', 11, 3, 'ro'),
        f('MCMD', 8, 3, 'ro'),
        f('MCONNID', 0, 8, 'ro'),
      ],
    }),
    reg32('READ_WRITE_LEVELING_RAMP_WINDOW', 0xd4, { fields: [f('RDWRLVLINC_RMP_WIN', 0, 13)] }),
    reg32('READ_WRITE_LEVELING_RAMP_CONTROL', 0xd8, { fields: LVL_RAMP }),
    reg32('READ_WRITE_LEVELING_CONTROL', 0xdc, { fields: LVL_CTL }),
    reg32('DDR_PHY_CTRL_1', 0xe4, { fields: [f('DDR_PHY_CTRL_1', 4, 28), f('READ_LATENCY', 0, 4)] }),
    reg32('DDR_PHY_CTRL_1_SHDW', 0xe8, { fields: [f('DDR_PHY_CTRL_1_SHDW', 4, 28), f('READ_LATENCY_SHDW', 0, 4)] }),
    reg32('DDR_PHY_CTRL_2', 0xec, { fields: [f('DDR_PHY_CTRL_2', 0, 32)] }),
    opaqueReg32('READ_WRITE_EXECUTION_THRESHOLD', 0x120, 'fields not modelled'),
    ...extPhyRegisters(),
  ];
  if (es2DataAlias) {
    regs.push(
      reg32('LPDDR2_MODE_REG_DATA_ES2', 0x48, {
        fields: LPDDR2_MODE_REG_DATA_FIELDS,
        doc: 'OMAP4430 ES2.0: MR data is read here (alias of LPDDR2_MODE_REG_DATA) ✔ UB-EMIF',
      }),
    );
  }
  return regs;
}

/** EMIF register block (OMAP4460/OMAP5 and later). */
export const TI_EMIF: BlockDecl = block('EMIF', 0x400, emifRegisters(false));
/** EMIF register block of OMAP4430 ES2.0, with the MR-data alias at 0x48. */
export const TI_EMIF_ES2: BlockDecl = block('EMIF', 0x400, emifRegisters(true));

/** PWR_MGMT_CTRL.LP_MODE values ✔ UB-EMIF. */
export const EMIF_LP_MODE = { DISABLE: 0, CLOCK_STOP: 1, SELF_REFRESH: 2, PWR_DN: 3 } as const;

/** Image values the EMIF model refuses (state reached only through register sequences). */
export const emifImageRefusal: ImageRefusal = (reg, value) =>
  reg.name === 'PWR_MGMT_CTRL' && fieldIn(reg, 'LP_MODE', value) === EMIF_LP_MODE.SELF_REFRESH
    ? 'LP_MODE = 2 would start the EMIF in self-refresh; self-refresh is entered by writing PWR_MGMT_CTRL'
    : undefined;

export interface TiEmifOptions {
  /** OMAP4430 ES2.0: declare LPDDR2_MODE_REG_DATA_ES2 at 0x48. */
  readonly es2DataAlias?: boolean;
  /** Minimum gap between MR commands to one die (default: per-standard table in mr-pacer.ts). */
  readonly mrGapNs?: number;
}

export class TiEmif implements MemoryController {
  readonly kind = 'ti-emif' as const;
  readonly id: string;
  readonly devices: readonly MappedDevice[];
  readonly dies: readonly DiePort[];
  readonly blocks: Readonly<Record<string, RegisterBlock>>;
  /** The DMM, when this EMIF's config carries the `dmm` block (list it under one EMIF only). */
  readonly dmm: TiDmm | undefined;
  private readonly emif: RegisterBlock;
  private readonly bound: BoundDie[];
  private readonly pacer: MrPacer;
  private selfRefresh = false;
  private refreshEn = false;

  constructor(
    config: ControllerConfig,
    dies: readonly DiePort[],
    clock: Clock,
    private readonly trace: TraceBus,
    options: TiEmifOptions = {},
  ) {
    const where = `ti-emif ${config.id}`;
    if (config.kind !== 'ti-emif') throw new Error(`${where}: config kind is ${config.kind}`);
    checkBlockKeys(where, config, ['dmm']);
    this.id = config.id;
    this.bound = bindDies(where, config, dies);
    this.dies = this.bound.map((b) => b.port);
    this.pacer = new MrPacer(clock, options.mrGapNs);
    this.emif = new RegisterBlock(options.es2DataAlias ? TI_EMIF_ES2 : TI_EMIF, config.id, config.base, trace);
    applyRegisterImage(where, this.emif, config.registers, emifImageRefusal);
    const dmmBlock = config.blocks.dmm;
    this.dmm = dmmBlock ? new TiDmm(`${config.id}.dmm`, dmmBlock.base, dmmBlock.registers, trace) : undefined;
    const devices: MappedDevice[] = [{ base: config.base, device: this.emif }];
    const blocks: Record<string, RegisterBlock> = { emif: this.emif };
    if (this.dmm) {
      devices.push({ base: this.dmm.base, device: this.dmm.block });
      blocks.dmm = this.dmm.block;
    }
    this.devices = devices;
    this.blocks = blocks;

    this.emif.onWrite('LPDDR2_MODE_REG_DATA', (value) => this.modeRegisterWrite(value));
    this.emif.onRead('LPDDR2_MODE_REG_DATA', () => this.modeRegisterRead('LPDDR2_MODE_REG_DATA'));
    if (options.es2DataAlias) {
      this.emif.onWrite('LPDDR2_MODE_REG_DATA_ES2', (value) => this.modeRegisterWrite(value));
      this.emif.onRead('LPDDR2_MODE_REG_DATA_ES2', () => this.modeRegisterRead('LPDDR2_MODE_REG_DATA_ES2'));
    }
    this.emif.onWrite('PWR_MGMT_CTRL', () => this.powerManagementWrite());
  }

  /** Set once an MRW was issued with CONFIG.REFRESH_EN (u-boot does it with MR2). */
  get refreshEnabled(): boolean {
    return this.refreshEn;
  }

  /** True while the EMIF holds its dies in self-refresh (LP_MODE = 2). */
  get inSelfRefresh(): boolean {
    return this.selfRefresh;
  }

  private diesOn(cs: number): BoundDie[] {
    return this.bound.filter((b) => b.rank === cs);
  }

  private modeRegisterWrite(value: number): void {
    const cs = this.emif.getField('LPDDR2_MODE_REG_CONFIG', 'CS');
    const mr = this.emif.getField('LPDDR2_MODE_REG_CONFIG', 'ADDRESS');
    const targets = this.diesOn(cs);
    if (targets.length === 0) {
      this.trace.emit({
        kind: 'guest.error',
        source: this.id,
        message: `MRW MR${mr} on CS${cs}: no die on that chip select`,
      });
      return;
    }
    if (this.emif.getField('LPDDR2_MODE_REG_CONFIG', 'REFRESH_EN')) this.refreshEn = true;
    for (const t of targets) this.pacer.issue(t.port, () => t.port.mrw(mr, value & 0xff));
  }

  private modeRegisterRead(reg: string): number {
    const cs = this.emif.getField('LPDDR2_MODE_REG_CONFIG', 'CS');
    const mr = this.emif.getField('LPDDR2_MODE_REG_CONFIG', 'ADDRESS');
    const target = this.diesOn(cs)[0];
    if (!target) {
      this.trace.emit({
        kind: 'guest.error',
        source: this.id,
        message: `MRR MR${mr} on CS${cs}: no die on that chip select`,
      });
      return 0;
    }
    const byte = this.pacer.issue(target.port, () => target.port.mrr(mr)) & 0xff;
    const replicated = Math.imul(byte, 0x01010101) >>> 0;
    this.emif.set(reg, replicated);
    return replicated;
  }

  private powerManagementWrite(): void {
    const wantSelfRefresh = this.emif.getField('PWR_MGMT_CTRL', 'LP_MODE') === EMIF_LP_MODE.SELF_REFRESH;
    if (wantSelfRefresh === this.selfRefresh) return;
    this.selfRefresh = wantSelfRefresh;
    for (const d of this.dies) {
      if (wantSelfRefresh) d.enterSelfRefresh();
      else d.exitSelfRefresh();
    }
  }

  checkInvariants(): void {
    const lp = this.emif.getField('PWR_MGMT_CTRL', 'LP_MODE');
    if ((lp === EMIF_LP_MODE.SELF_REFRESH) !== this.selfRefresh) {
      throw new Error(`${this.id}: invariant (a) broken: LP_MODE = ${lp} but self-refresh flag is ${this.selfRefresh}`);
    }
    for (const d of this.dies) {
      if (d.inSelfRefresh !== this.selfRefresh) {
        throw new Error(
          `${this.id}: invariant (b) broken: die ${d.id} self-refresh ${d.inSelfRefresh}, EMIF ${this.selfRefresh}`,
        );
      }
    }
  }
}
