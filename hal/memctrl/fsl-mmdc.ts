import type { ControllerConfig } from '../board/board-config.js';
import type { Clock } from '../clock.js';
import type { DiePort } from '../lpddr/die-port.js';
import { RegisterBlock } from '../regs/register-block.js';
import { block, field, opaqueReg32, reg32, type BlockDecl, type RegisterDecl } from '../regs/register.js';
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
 * NXP i.MX6 MMDC (Multi Mode DDR Controller), port 0 at 0x021B0000 (✔ UB-MX6REGS).
 *
 * Register offsets: u-boot `include/fsl_mmdc.h` / `struct mmdc_p_regs` ✔ UB-MMDC; fields: NXP
 * MCUXpresso `MMDC_*` header ✔ MCUX-MMDC (i.MX7ULP), MDOTC and MDMISC.ADDR_MIRROR from the shifts
 * u-boot `mx6/ddr.c` uses ◐ (widths inferred). PHY registers (0x800...) are declared with their
 * u-boot names and no field layout.
 *
 * Behaviour (what U-Boot and Linux use):
 *  - MDSCR CON_REQ / CON_ACK handshake: CON_ACK rises `conAckDelayNs` after CON_REQ is set
 *    (0 = at once, as the QEMU Kindle model does) and falls when CON_REQ is cleared.
 *  - MDSCR commands (CMD != 0) are acted on only when the write keeps CON_REQ set and CON_ACK
 *    was already high; otherwise the write is a guest error and the command is dropped.
 *    CMD 3 = MRW (MR_ADDR, MR_OP, CMD_CS); CMD 6 = MRR: clears MRR_READ_DATA_VALID, puts the MR
 *    byte in MDMRR byte lane 0 (◐ the byte LPDDR2 drives on DQ[7:0]; QEMU-K returns it there)
 *    and sets MRR_READ_DATA_VALID. CMD 1/2/4/5 (precharge, refresh, ZQ) are accepted without a
 *    die effect; CMD 7 is reserved (guest error). While CON_REQ is set the real MMDC stops
 *    serving AXI accesses (`axiStalled`), which hangs a U-Boot running from this DRAM.
 *  - Self-refresh: MAPSR.DVFS -> DVACK (Linux `arch/arm/mach-imx/suspend-imx6.S`: set PSD, set
 *    bit 21, poll bit 25; exit: clear bit 21, poll bit 25 clear) and MAPSR.LPMD -> LPACK (NXP SDK
 *    `MMDC_EnableLowPowerMode`). `srAckDelayNs` after a request changes, each ACK follows its
 *    request and the dies are in self-refresh while either ACK is set.
 *
 * Invariants (checkInvariants):
 *  (a) MDSCR.CON_ACK = 1 implies MDSCR.CON_REQ = 1;
 *  (b) with no MAPSR transition pending, DVACK = DVFS and LPACK = LPMD;
 *  (c) the self-refresh flag equals DVACK | LPACK, and every die's state equals the flag.
 */

const f = field;

const plain = (name: string, offset: number, doc = 'PHY register, fields not modelled'): RegisterDecl =>
  opaqueReg32(name, offset, doc);
const plainRo = (name: string, offset: number, doc = 'PHY status, fields not modelled'): RegisterDecl =>
  opaqueReg32(name, offset, doc, 'ro');

/** MDSCR.CMD encodings ✔ MCUX-MMDC. */
export const MMDC_CMD = {
  NORMAL: 0,
  PRECHARGE_ALL: 1,
  AUTO_REFRESH: 2,
  MRW: 3,
  ZQ_CALIBRATION: 4,
  PRECHARGE_ALL_IF_OPEN: 5,
  MRR: 6,
} as const;

export const FSL_MMDC: BlockDecl = block('MMDC', 0x4000, [
  reg32('MDCTL', 0x00, {
    fields: [
      f('SDE_0', 31, 1, 'rw', 'CS0 enable'),
      f('SDE_1', 30, 1, 'rw', 'CS1 enable'),
      f('ROW', 24, 3, 'rw', 'row bits = 11 + n'),
      f('COL', 20, 3, 'rw', 'column bits: 0 = 9, 1 = 10, 2 = 11, 3 = 8, 4 = 12 (not linear)'),
      f('BL', 19, 1, 'rw', '0 = BL4, 1 = BL8'),
      f('DSIZ', 16, 2, 'rw', '0 = 16-bit, 1 = 32-bit'),
    ],
  }),
  reg32('MDPDC', 0x04, {
    fields: [
      f('PRCT_1', 28, 3),
      f('PRCT_0', 24, 3),
      f('tCKE', 16, 3),
      f('PWDT_1', 12, 4),
      f('PWDT_0', 8, 4),
      f('SLOW_PD', 7, 1),
      f('BOTH_CS_PD', 6, 1),
      f('tCKSRX', 3, 3),
      f('tCKSRE', 0, 3),
    ],
  }),
  reg32('MDOTC', 0x08, {
    fields: [
      f('tAOFPD', 27, 3),
      f('tAONPD', 24, 3),
      f('tANPD', 20, 4),
      f('tAXPD', 16, 4),
      f('tODTLon', 12, 3),
      f('tODT_idle_off', 4, 5),
    ],
    doc: 'ODT timing (i.MX6 only; shifts ◐ u-boot mx6/ddr.c)',
  }),
  reg32('MDCFG0', 0x0c, {
    fields: [f('tRFC', 24, 8), f('tXS', 16, 8), f('tXP', 13, 3), f('tXPDLL', 9, 4), f('tFAW', 4, 5), f('tCL', 0, 4)],
  }),
  reg32('MDCFG1', 0x10, {
    fields: [
      f('tRCD', 29, 3),
      f('tRP', 26, 3),
      f('tRC', 21, 5),
      f('tRAS', 16, 5),
      f('tRPA', 15, 1),
      f('tWR', 9, 3),
      f('tMRD', 5, 4),
      f('tCWL', 0, 3),
    ],
  }),
  reg32('MDCFG2', 0x14, { fields: [f('tDLLK', 16, 9), f('tRTP', 6, 3), f('tWTR', 3, 3), f('tRRD', 0, 3)] }),
  reg32('MDMISC', 0x18, {
    fields: [
      f('CS0_RDY', 31, 1, 'ro'),
      f('CS1_RDY', 30, 1, 'ro'),
      f('CK1_GATING', 21, 1),
      f('CALIB_PER_CS', 20, 1),
      f('ADDR_MIRROR', 19, 1, 'rw', 'CS1 address mirroring (i.MX6, ◐ u-boot cs1_mirror << 19)'),
      f('LHD', 18, 1),
      f('WALAT', 16, 2),
      f('BI_ON', 12, 1, 'rw', '0 = bank-row-column, 1 = row-bank-column'),
      f('LPDDR2_S2', 11, 1),
      f('MIF3_MODE', 9, 2),
      f('RALAT', 6, 3),
      f('DDR_4_BANK', 5, 1, 'rw', '0 = 8 banks, 1 = 4 banks'),
      f('DDR_TYPE', 3, 2, 'rw', '1 = LPDDR2, 3 = LPDDR3'),
      f('RST', 1, 1),
    ],
  }),
  reg32('MDSCR', 0x1c, {
    fields: [
      f('MR_OP', 24, 8, 'rw', 'MRW operand'),
      f('MR_ADDR', 16, 8, 'rw', 'mode register number'),
      f('CON_REQ', 15, 1, 'rw', 'configuration request (stalls AXI while set)'),
      f('CON_ACK', 14, 1, 'ro', 'configuration permitted'),
      f('MRR_READ_DATA_VALID', 10, 1, 'ro', 'MRR data valid in MDMRR'),
      f('CMD', 4, 3, 'rw', '0 normal, 1 precharge all, 2 auto-refresh, 3 MRW, 4 ZQ, 5 precharge if open, 6 MRR'),
      f('CMD_CS', 3, 1, 'rw', 'chip select of the command'),
      f('CMD_BA', 0, 3, 'rw', 'bank address of the command'),
    ],
  }),
  reg32('MDREF', 0x20, {
    fields: [
      f('REF_CNT', 16, 16),
      f('REF_SEL', 14, 2, 'rw', '0 64 kHz, 1 32 kHz, 2 REF_CNT, 3 no refresh'),
      f('REFR', 11, 3, 'rw', 'refreshes per tick - 1'),
      f('START_REF', 0, 1, 'wsc'),
    ],
  }),
  reg32('MDRWD', 0x2c, {
    fields: [
      f('tDAI', 16, 13),
      f('RTW_SAME', 12, 3),
      f('WTR_DIFF', 9, 3),
      f('WTW_DIFF', 6, 3),
      f('RTW_DIFF', 3, 3),
      f('RTR_DIFF', 0, 3),
    ],
  }),
  reg32('MDOR', 0x30, { fields: [f('tXPR', 16, 8), f('SDE_to_RST', 8, 6), f('RST_to_CKE', 0, 6)] }),
  reg32('MDMRR', 0x34, {
    fields: [
      f('MRR_READ_DATA3', 24, 8, 'ro'),
      f('MRR_READ_DATA2', 16, 8, 'ro'),
      f('MRR_READ_DATA1', 8, 8, 'ro'),
      f('MRR_READ_DATA0', 0, 8, 'ro'),
    ],
    doc: 'MRR data, one byte per byte lane',
  }),
  reg32('MDCFG3LP', 0x38, {
    fields: [f('RC_LP', 16, 6), f('tRCD_LP', 8, 4), f('tRPpb_LP', 4, 4), f('tRPab_LP', 0, 4)],
  }),
  reg32('MDMR4', 0x3c, {
    fields: [
      f('tRRD_DE', 8, 1),
      f('tRP_DE', 7, 1),
      f('tRAS_DE', 6, 1),
      f('tRC_DE', 5, 1),
      f('tRCD_DE', 4, 1),
      f('UPDATE_DE_ACK', 1, 1, 'ro'),
      f('UPDATE_DE_REQ', 0, 1),
    ],
  }),
  reg32('MDASP', 0x40, { fields: [f('CS0_END', 0, 7, 'rw', 'CS0 ends at (CS0_END + 1) x 32 MiB')] }),
  reg32('MAARCR', 0x400, {
    fields: [
      f('ARCR_SEC_ERR_LOCK', 31, 1),
      f('ARCR_SEC_ERR_EN', 30, 1),
      f('ARCR_EXC_ERR_EN', 28, 1),
      f('ARCR_RCH_EN', 24, 1),
      f('ARCR_PAG_HIT', 20, 3),
      f('ARCR_ACC_HIT', 16, 3),
      f('ARCR_DYN_JMP', 8, 4),
      f('ARCR_DYN_MAX', 4, 4),
      f('ARCR_GUARD', 0, 4),
    ],
  }),
  reg32('MAPSR', 0x404, {
    reset: 0x00001001,
    fields: [
      f('DVACK', 25, 1, 'ro', 'DVFS / self-refresh acknowledge'),
      f('LPACK', 24, 1, 'ro', 'low-power-mode acknowledge'),
      f('DVFS', 21, 1, 'rw', 'DVFS / self-refresh entry request'),
      f('LPMD', 20, 1, 'rw', 'low-power-mode (self-refresh) request'),
      f('PST', 8, 8, 'rw', 'power saving timer'),
      f('WIS', 6, 1, 'ro'),
      f('RIS', 5, 1, 'ro'),
      f('PSS', 4, 1, 'ro', 'power saving status'),
      f('PSD', 0, 1, 'rw', '1 = automatic power saving disabled'),
    ],
  }),
  reg32('MAEXIDR0', 0x408, { fields: [f('EXC_ID_MONITOR1', 16, 16), f('EXC_ID_MONITOR0', 0, 16)] }),
  reg32('MAEXIDR1', 0x40c, { fields: [f('EXC_ID_MONITOR3', 16, 16), f('EXC_ID_MONITOR2', 0, 16)] }),
  reg32('MADPCR0', 0x410, {
    fields: [
      f('SBS', 9, 1),
      f('SBS_EN', 8, 1),
      f('CYC_OVF', 3, 1),
      f('PRF_FRZ', 2, 1),
      f('DBG_RST', 1, 1),
      f('DBG_EN', 0, 1),
    ],
  }),
  reg32('MADPCR1', 0x414, { fields: [f('PRF_AXI_IDMASK', 16, 16), f('PRF_AXI_ID', 0, 16)] }),
  reg32('MADPSR0', 0x418, { fields: [f('CYC_COUNT', 0, 32, 'ro')] }),
  reg32('MADPSR1', 0x41c, { fields: [f('BUSY_COUNT', 0, 32, 'ro')] }),
  reg32('MADPSR2', 0x420, { fields: [f('RD_ACC_COUNT', 0, 32, 'ro')] }),
  reg32('MADPSR3', 0x424, { fields: [f('WR_ACC_COUNT', 0, 32, 'ro')] }),
  reg32('MADPSR4', 0x428, { fields: [f('RD_BYTES_COUNT', 0, 32, 'ro')] }),
  reg32('MADPSR5', 0x42c, { fields: [f('WR_BYTES_COUNT', 0, 32, 'ro')] }),
  reg32('MASBS0', 0x430, { fields: [f('SBS_ADDR', 0, 32, 'ro')] }),
  plainRo('MASBS1', 0x434, 'step-by-step address attributes (fields not modelled)'),
  reg32('MAGENP', 0x440, { fields: [f('GP31_GP0', 0, 32)] }),
  plain('MPZQHWCTRL', 0x800),
  plain('MPZQSWCTRL', 0x804),
  plain('MPWLGCR', 0x808),
  plain('MPWLDECTRL0', 0x80c),
  plain('MPWLDECTRL1', 0x810),
  plainRo('MPWLDLST', 0x814),
  plain('MPODTCTRL', 0x818),
  plain('MPRDDQBY0DL', 0x81c),
  plain('MPRDDQBY1DL', 0x820),
  plain('MPRDDQBY2DL', 0x824),
  plain('MPRDDQBY3DL', 0x828),
  plain('MPWRDQBY0DL', 0x82c),
  plain('MPWRDQBY1DL', 0x830),
  plain('MPWRDQBY2DL', 0x834),
  plain('MPWRDQBY3DL', 0x838),
  plain('MPDGCTRL0', 0x83c),
  plain('MPDGCTRL1', 0x840),
  plainRo('MPDGDLST0', 0x844),
  plain('MPRDDLCTL', 0x848),
  plainRo('MPRDDLST', 0x84c),
  plain('MPWRDLCTL', 0x850),
  plainRo('MPWRDLST', 0x854),
  plain('MPSDCTRL', 0x858),
  plain('MPZQLP2CTL', 0x85c),
  plain('MPRDDLHWCTL', 0x860),
  plain('MPWRDLHWCTL', 0x864),
  plainRo('MPRDDLHWST0', 0x868),
  plainRo('MPRDDLHWST1', 0x86c),
  plainRo('MPWRDLHWST0', 0x870),
  plainRo('MPWRDLHWST1', 0x874),
  plainRo('MPWLHWERR', 0x878),
  plainRo('MPDGHWST0', 0x87c),
  plainRo('MPDGHWST1', 0x880),
  plainRo('MPDGHWST2', 0x884),
  plainRo('MPDGHWST3', 0x888),
  plain('MPPDCMPR1', 0x88c),
  plain('MPPDCMPR2', 0x890),
  plain('MPSWDAR0', 0x894),
  plainRo('MPSWDRDR0', 0x898),
  plainRo('MPSWDRDR1', 0x89c),
  plainRo('MPSWDRDR2', 0x8a0),
  plainRo('MPSWDRDR3', 0x8a4),
  plainRo('MPSWDRDR4', 0x8a8),
  plainRo('MPSWDRDR5', 0x8ac),
  plainRo('MPSWDRDR6', 0x8b0),
  plainRo('MPSWDRDR7', 0x8b4),
  plain('MPMUR0', 0x8b8),
  plain('MPWRCADL', 0x8bc),
  plain('MPDCCR', 0x8c0),
]);

/** Image values the MMDC model refuses (state reached only through register sequences). */
export const mmdcImageRefusal: ImageRefusal = (reg, value) => {
  if (reg.name === 'MDSCR' && value !== 0)
    return 'the boot image must end with MDSCR = 0 (a pending CON_REQ stalls the bus; commands are issued by writing MDSCR)';
  if (reg.name === 'MAPSR' && ['DVFS', 'LPMD', 'DVACK', 'LPACK'].some((n) => fieldIn(reg, n, value) !== 0)) {
    return 'DVFS/LPMD/ACK bits would start the MMDC in self-refresh; self-refresh is entered by writing MAPSR';
  }
  return undefined;
};

export interface FslMmdcOptions {
  /** Delay from CON_REQ rising to CON_ACK rising (✖ model parameter; default 100 ns, 0 = at once). */
  readonly conAckDelayNs?: number;
  /** Delay from a MAPSR DVFS/LPMD change to the matching ACK and the self-refresh transition (✖ default 500 ns). */
  readonly srAckDelayNs?: number;
  readonly mrGapNs?: number;
}

export class FslMmdc implements MemoryController {
  readonly kind = 'fsl-mmdc' as const;
  readonly id: string;
  readonly devices: readonly MappedDevice[];
  readonly dies: readonly DiePort[];
  readonly blocks: Readonly<Record<string, RegisterBlock>>;
  private readonly mmdc: RegisterBlock;
  private readonly bound: BoundDie[];
  private readonly pacer: MrPacer;
  private readonly conAckDelayNs: number;
  private readonly srAckDelayNs: number;
  private cancelConAck: (() => void) | undefined;
  private cancelMapsr: (() => void) | undefined;
  private selfRefresh = false;

  constructor(
    config: ControllerConfig,
    dies: readonly DiePort[],
    private readonly clock: Clock,
    private readonly trace: TraceBus,
    options: FslMmdcOptions = {},
  ) {
    const where = `fsl-mmdc ${config.id}`;
    if (config.kind !== 'fsl-mmdc') throw new Error(`${where}: config kind is ${config.kind}`);
    checkBlockKeys(where, config, []);
    this.id = config.id;
    this.conAckDelayNs = nonNegativeNs(where, 'conAckDelayNs', options.conAckDelayNs ?? 100);
    this.srAckDelayNs = nonNegativeNs(where, 'srAckDelayNs', options.srAckDelayNs ?? 500);
    this.bound = bindDies(where, config, dies);
    this.dies = this.bound.map((b) => b.port);
    this.pacer = new MrPacer(clock, options.mrGapNs);
    this.mmdc = new RegisterBlock(FSL_MMDC, config.id, config.base, trace);
    applyRegisterImage(where, this.mmdc, config.registers, mmdcImageRefusal);
    this.devices = [{ base: config.base, device: this.mmdc }];
    this.blocks = { mmdc: this.mmdc };
    this.mmdc.onWrite('MDSCR', (next, old) => this.specialCommandWrite(next, old));
    this.mmdc.onWrite('MAPSR', () => this.powerSavingWrite());
  }

  /** True while CON_REQ is set: the real MMDC stops serving AXI accesses (a DRAM-resident U-Boot hangs). */
  get axiStalled(): boolean {
    return this.mmdc.getField('MDSCR', 'CON_REQ') === 1;
  }

  get inSelfRefresh(): boolean {
    return this.selfRefresh;
  }

  private field(reg: string, name: string, value: number): number {
    return fieldIn(this.mmdc.reg(reg), name, value);
  }

  private specialCommandWrite(next: number, old: number): void {
    const req = this.field('MDSCR', 'CON_REQ', next);
    const wasReq = this.field('MDSCR', 'CON_REQ', old);
    const ackBefore = this.field('MDSCR', 'CON_ACK', old);
    if (req && !wasReq) {
      this.cancelConAck?.();
      if (this.conAckDelayNs === 0) this.mmdc.setField('MDSCR', 'CON_ACK', 1);
      else {
        this.cancelConAck = this.clock.schedule(this.conAckDelayNs, () => {
          this.cancelConAck = undefined;
          this.mmdc.setField('MDSCR', 'CON_ACK', 1);
        });
      }
    } else if (!req && wasReq) {
      this.cancelConAck?.();
      this.cancelConAck = undefined;
      this.mmdc.setField('MDSCR', 'CON_ACK', 0);
    }
    const cmd = this.field('MDSCR', 'CMD', next);
    if (cmd === MMDC_CMD.NORMAL) return;
    if (!req || !ackBefore) {
      this.trace.emit({
        kind: 'guest.error',
        source: this.id,
        message: `MDSCR command CMD=${cmd} written without the CON_REQ/CON_ACK handshake (CON_REQ=${req}, CON_ACK was ${ackBefore}); command dropped`,
      });
      return;
    }
    const cs = this.field('MDSCR', 'CMD_CS', next);
    const mr = this.field('MDSCR', 'MR_ADDR', next);
    switch (cmd) {
      case MMDC_CMD.MRW: {
        const targets = this.bound.filter((b) => b.rank === cs);
        if (targets.length === 0) {
          this.trace.emit({
            kind: 'guest.error',
            source: this.id,
            message: `MRW MR${mr} on CS${cs}: no die on that chip select`,
          });
          return;
        }
        const op = this.field('MDSCR', 'MR_OP', next);
        for (const t of targets) this.pacer.issue(t.port, () => t.port.mrw(mr, op));
        return;
      }
      case MMDC_CMD.MRR: {
        this.mmdc.setField('MDSCR', 'MRR_READ_DATA_VALID', 0);
        const target = this.bound.find((b) => b.rank === cs);
        if (!target) {
          this.trace.emit({
            kind: 'guest.error',
            source: this.id,
            message: `MRR MR${mr} on CS${cs}: no die on that chip select`,
          });
          return;
        }
        const byte = this.pacer.issue(target.port, () => target.port.mrr(mr)) & 0xff;
        this.mmdc.set('MDMRR', byte);
        this.mmdc.setField('MDSCR', 'MRR_READ_DATA_VALID', 1);
        return;
      }
      case 7:
        this.trace.emit({ kind: 'guest.error', source: this.id, message: 'MDSCR CMD=7 is reserved; command dropped' });
        return;
      default:
        // Precharge, auto-refresh, ZQ calibration: no effect on mode registers or refresh masks.
        return;
    }
  }

  private powerSavingWrite(): void {
    this.cancelMapsr?.();
    this.cancelMapsr = undefined;
    if (this.srAckDelayNs === 0) this.settlePowerSaving();
    else {
      this.cancelMapsr = this.clock.schedule(this.srAckDelayNs, () => {
        this.cancelMapsr = undefined;
        this.settlePowerSaving();
      });
    }
  }

  private settlePowerSaving(): void {
    const dvfs = this.mmdc.getField('MAPSR', 'DVFS');
    const lpmd = this.mmdc.getField('MAPSR', 'LPMD');
    this.mmdc.setField('MAPSR', 'DVACK', dvfs);
    this.mmdc.setField('MAPSR', 'LPACK', lpmd);
    const want = dvfs === 1 || lpmd === 1;
    if (want === this.selfRefresh) return;
    this.selfRefresh = want;
    for (const d of this.dies) {
      if (want) d.enterSelfRefresh();
      else d.exitSelfRefresh();
    }
  }

  checkInvariants(): void {
    if (this.mmdc.getField('MDSCR', 'CON_ACK') === 1 && this.mmdc.getField('MDSCR', 'CON_REQ') === 0) {
      throw new Error(`${this.id}: invariant (a) broken: CON_ACK set without CON_REQ`);
    }
    const dvack = this.mmdc.getField('MAPSR', 'DVACK');
    const lpack = this.mmdc.getField('MAPSR', 'LPACK');
    if (this.cancelMapsr === undefined) {
      if (dvack !== this.mmdc.getField('MAPSR', 'DVFS') || lpack !== this.mmdc.getField('MAPSR', 'LPMD')) {
        throw new Error(
          `${this.id}: invariant (b) broken: MAPSR acks do not follow their requests with no transition pending`,
        );
      }
    }
    if ((dvack === 1 || lpack === 1) !== this.selfRefresh) {
      throw new Error(
        `${this.id}: invariant (c) broken: DVACK/LPACK ${dvack}/${lpack} but self-refresh flag ${this.selfRefresh}`,
      );
    }
    for (const d of this.dies) {
      if (d.inSelfRefresh !== this.selfRefresh)
        throw new Error(`${this.id}: invariant (c) broken: die ${d.id} self-refresh ${d.inSelfRefresh}`);
    }
  }
}
