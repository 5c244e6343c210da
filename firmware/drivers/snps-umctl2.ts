import type { ControllerConfig, DieConfig, DramStandard } from '../../hal/board/board-config.js';
import { hex } from '../../hal/bits.js';
import {
  IMX8M_DDRC_PERF,
  SNPS_UMCTL2,
  UMCTL2_OPERATING_MODE,
  UMCTL2_SELFREF_TYPE,
} from '../../hal/memctrl/snps-umctl2.js';
import type { RegOp, RegisterProgram } from '../../hal/register-program.js';
import { fieldOf } from '../../hal/regs/register.js';
import { initPlan, initValues, type InitValues } from './dram-init.js';
import {
  HAZARDS,
  POLL,
  RegisterWindow,
  checkByte,
  fmtMr,
  imageValue,
  makeProgram,
  pasrWrites,
  resolveDie,
  type DieRef,
  type DramInitOptions,
  type MemoryControllerDriver,
  type MrReadProgram,
} from './mr-driver.js';

/**
 * Synopsys uMCTL2 driver, after u-boot `drivers/ddr/imx/imx8m/ddr_init.c` ✔ UB-8MINIT:
 *
 *   lpddr4_mr_write: poll MRSTAT.MR_WR_BUSY = 0; MRCTRL0 = rank << 4; MRCTRL1 = mr << 8 | data;
 *                    MRCTRL0 |= MR_WR (written as the full word, e.g. 0x80000010).
 *   lpddr4_mr_read:  MRR0_DAT = 1 (arm); poll MRSTAT; MRCTRL0 = rank << 4 | MR_TYPE;
 *                    MRCTRL1 = mr << 8; MRCTRL0 |= MR_WR; poll MRR0_DAT bit 3; read MRR1_DAT;
 *                    MRR0_DAT = 4 (clear); the MR byte is the first non-zero byte of MRR1_DAT.
 *   self-refresh (u-boot/TF-A stm32mp1 ddr helpers ✔ UB-STM): PWRCTL.SELFREF_SW = 1, poll
 *                    STAT.OPERATING_MODE = 3 with SELFREF_TYPE = 2; exit: clear, poll mode 1.
 *
 * The rank mask reaches every die of the rank: on LPDDR4 both channels (the controller cannot
 * address one channel). MRR therefore cannot tell the channels apart either.
 *
 * DRAM init: on i.MX8M the controller and the PHY firmware issue the LPDDR4 MRs themselves from
 * INIT3/INIT4; the MRW sequence here is the same mode-register content through MRCTRL0/1, for
 * boards whose init the emulator replays: per rank MR63 (where the standard table has it), MR10
 * ZQ (LPDDR2/3 only), MR1/MR2/MR3 (from INIT3.MR / INIT3.EMR / INIT4.EMR2 when the register image
 * has them), then the PASR masks cleared.
 */

/**
 * Fallback MR1..MR3 when the register image has no INIT3/INIT4: the values i.MX8M LPDDR4 timing
 * files write there (INIT3 = 0x00D4002D, INIT4 = 0x00310008) ◐ — board-specific, not universal.
 */
export const UMCTL2_INIT_DEFAULTS: InitValues = { mr1: 0xd4, mr2: 0x2d, mr3: 0x31 };

export class SnpsUmctl2Driver implements MemoryControllerDriver {
  readonly kind = 'snps-umctl2' as const;
  readonly canMrr: boolean;
  private readonly where: string;
  private readonly ddrc: RegisterWindow;
  private readonly perf: RegisterWindow | undefined;

  constructor(
    readonly controller: ControllerConfig,
    readonly standard: DramStandard,
  ) {
    this.where = `snps-umctl2 ${controller.id}`;
    if (controller.kind !== 'snps-umctl2') throw new Error(`${this.where}: controller kind is ${controller.kind}`);
    this.ddrc = new RegisterWindow(SNPS_UMCTL2, controller.base);
    const perf = controller.blocks.perf;
    this.perf = perf ? new RegisterWindow(IMX8M_DDRC_PERF, perf.base) : undefined;
    this.canMrr = this.perf !== undefined;
  }

  private die(d: DieRef): DieConfig {
    const die = resolveDie(this.where, this.controller, d);
    const rankBits = fieldOf(this.ddrc.reg('MRCTRL0'), 'MR_RANK').width;
    if (die.rank >= rankBits)
      throw new Error(`${this.where}: die ${die.id} is on rank ${die.rank}; MRCTRL0.MR_RANK has ${rankBits} ranks`);
    return die;
  }

  mrwReach(d: DieRef): readonly DieConfig[] {
    const die = this.die(d);
    return this.controller.dies.filter((x) => x.rank === die.rank);
  }

  private idle(): RegOp {
    return this.ddrc.poll('MRSTAT', { MR_WR_BUSY: 0 }, POLL.controller, 'wait for MRSTAT.MR_WR_BUSY = 0');
  }

  private mrwOps(rankMask: number, mr: number, value: number, to: string): RegOp[] {
    checkByte(this.where, 'MR number', mr);
    checkByte(this.where, 'MR value', value);
    return [
      this.idle(),
      this.ddrc.write('MRCTRL0', { MR_RANK: rankMask }, `MRW, rank mask ${hex(rankMask, 1)}`),
      this.ddrc.write('MRCTRL1', { MR_ADDR: mr, MR_DATA: value }, fmtMr(mr, value)),
      this.ddrc.write('MRCTRL0', { MR_RANK: rankMask, MR_WR: 1 }, `MR_WR: MRW ${fmtMr(mr, value)} -> ${to}`),
    ];
  }

  private reachIds(die: DieConfig): string {
    return this.mrwReach(die)
      .map((x) => x.id)
      .join(', ');
  }

  mrw(d: DieRef, mr: number, value: number): RegisterProgram {
    const die = this.die(d);
    return makeProgram(
      `${this.controller.id}: MRW ${fmtMr(mr, value)} rank ${die.rank}`,
      this.mrwOps(1 << die.rank, mr, value, this.reachIds(die)),
    );
  }

  mrr(d: DieRef, mr: number): MrReadProgram {
    const die = this.die(d);
    checkByte(this.where, 'MR number', mr);
    const perf = this.perf;
    if (!perf)
      throw new Error(
        `${this.where}: MRR needs the perf monitor block (blocks.perf, i.MX8M DRC_PERF_MON at 0x3d800000)`,
      );
    const mask = 1 << die.rank;
    const label = `${die.id}.MR${mr}`;
    const ops: RegOp[] = [
      perf.write('MRR0_DAT', { MRR_ARM: 1 }, 'arm the MRR data capture'),
      this.idle(),
      this.ddrc.write('MRCTRL0', { MR_RANK: mask, MR_TYPE: 1 }, `MRR, rank mask ${hex(mask, 1)}`),
      this.ddrc.write('MRCTRL1', { MR_ADDR: mr }, `MR${mr}`),
      this.ddrc.write('MRCTRL0', { MR_RANK: mask, MR_TYPE: 1, MR_WR: 1 }, `MR_WR: MRR MR${mr} <- rank ${die.rank}`),
      perf.poll('MRR0_DAT', { MRR_DATA_VALID: 1 }, POLL.controller, 'wait for MRR data valid'),
      perf.read('MRR1_DAT', label, 'MRR data'),
      perf.write('MRR0_DAT', { MRR_CLEAR: 1 }, 'clear the MRR data'),
    ];
    const where = this.where;
    return {
      program: makeProgram(`${this.controller.id}: MRR MR${mr} rank ${die.rank}`, ops),
      decode(reads) {
        const v = reads[label];
        if (v === undefined)
          throw new Error(`${where}: MRR MR${mr} of ${die.id}: the program's reads have no ${label}`);
        // u-boot lpddr4_mr_read: the first non-zero byte of MRR1_DAT (0 when all are zero).
        for (let lane = 0; lane < 4; lane++) {
          const b = (v >>> (8 * lane)) & 0xff;
          if (b !== 0) return b;
        }
        return 0;
      },
    };
  }

  pasrMasks(d: DieRef, bankMask: number, segmentMask: number): RegisterProgram {
    const die = this.die(d);
    const writes = pasrWrites(this.where, this.standard, die, bankMask, segmentMask);
    return makeProgram(
      `${this.controller.id}: PASR ${writes.map((w) => fmtMr(w.mr, w.value)).join(' ')} rank ${die.rank}`,
      writes.flatMap((w) => this.mrwOps(1 << die.rank, w.mr, w.value, this.reachIds(die))),
    );
  }

  selfRefreshEnter(): RegisterProgram {
    const boot = imageValue(this.controller, this.ddrc.reg('PWRCTL'));
    return makeProgram(
      `${this.controller.id}: self-refresh entry`,
      [
        this.ddrc.write('PWRCTL', { SELFREF_SW: 1 }, 'SELFREF_SW: software self-refresh request', boot),
        this.ddrc.poll(
          'STAT',
          { OPERATING_MODE: UMCTL2_OPERATING_MODE.SELF_REFRESH, SELFREF_TYPE: UMCTL2_SELFREF_TYPE.SOFTWARE },
          POLL.controller,
          'wait for STAT: self-refresh entered by software',
        ),
      ],
      [HAZARDS.selfRefreshLive],
    );
  }

  selfRefreshExit(): RegisterProgram {
    const boot = imageValue(this.controller, this.ddrc.reg('PWRCTL'));
    return makeProgram(`${this.controller.id}: self-refresh exit`, [
      this.ddrc.write('PWRCTL', { SELFREF_SW: 0 }, 'clear SELFREF_SW', boot),
      this.ddrc.poll(
        'STAT',
        { OPERATING_MODE: UMCTL2_OPERATING_MODE.NORMAL },
        POLL.controller,
        'wait for STAT: normal operation',
      ),
    ]);
  }

  /** MR1..MR3 from INIT3/INIT4 in the register image (LPDDR4 layout), else the i.MX8M fallback. */
  initDefaults(): InitValues {
    const r = this.controller.registers;
    const init3 = r.INIT3;
    const init4 = r.INIT4;
    const f = (reg: string, field: string, v: number): number => {
      const fd = fieldOf(this.ddrc.reg(reg), field);
      return (Math.floor(v / 2 ** fd.shift) % 2 ** fd.width) & 0xff;
    };
    return {
      mr1: init3 !== undefined ? f('INIT3', 'MR', init3) : UMCTL2_INIT_DEFAULTS.mr1,
      mr2: init3 !== undefined ? f('INIT3', 'EMR', init3) : UMCTL2_INIT_DEFAULTS.mr2,
      mr3: init4 !== undefined ? f('INIT4', 'EMR2', init4) : UMCTL2_INIT_DEFAULTS.mr3,
    };
  }

  dramInit(options: DramInitOptions = {}): RegisterProgram {
    const values = initValues(this.initDefaults(), options);
    const ops: RegOp[] = [];
    const ranks = [...new Set(this.controller.dies.map((d) => d.rank))].sort((a, b) => a - b);
    for (const rank of ranks) {
      const die = this.controller.dies.find((d) => d.rank === rank)!;
      const to = this.reachIds(die);
      const plan = initPlan(this.where, this.standard, die, values, options.reset ?? true);
      if (plan.reset) {
        ops.push(...this.mrwOps(1 << rank, plan.reset.mr, plan.reset.value, to));
        if (plan.reset.waitNs > 0) ops.push({ op: 'delay', ns: plan.reset.waitNs, note: 'tDAI after the reset MRW' });
      }
      if (plan.zq) {
        ops.push(...this.mrwOps(1 << rank, plan.zq.mr, plan.zq.value, to));
        ops.push({ op: 'delay', ns: plan.zq.waitNs, note: 'tZQINIT' });
      }
      for (const m of [plan.mr1, plan.mr2, plan.mr3, ...plan.pasr])
        if (m) ops.push(...this.mrwOps(1 << rank, m.mr, m.value, to));
    }
    return makeProgram(`${this.controller.id}: DRAM init`, ops, [HAZARDS.dramInitLive]);
  }
}
