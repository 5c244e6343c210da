import type { ControllerConfig, DieConfig, DramStandard } from '../../hal/board/board-config.js';
import { hex } from '../../hal/bits.js';
import { modeRegister } from '../../hal/lpddr/mode-registers.js';
import { EMIF_LP_MODE, TI_EMIF, TI_EMIF_ES2 } from '../../hal/memctrl/ti-emif.js';
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
 * TI EMIF (OMAP4/OMAP5) driver, after u-boot `arch/arm/mach-omap2/emif-common.c` ✔ UB-EMIFC:
 *
 *   set_mr:  LPDDR2_MODE_REG_CONFIG = cs << 31 | mr  (| REFRESH_EN for MR2 at init)
 *            LPDDR2_MODE_REG_DATA   = value          (this write issues the MRW)
 *   get_mr:  LPDDR2_MODE_REG_CONFIG = cs << 31 | mr
 *            read LPDDR2_MODE_REG_DATA (LPDDR2_MODE_REG_DATA_ES2 on OMAP4430 ES2.0); the byte is
 *            replicated on the 4 lanes, and lanes that differ mean "no SDRAM on that CS".
 *   init (lpddr2_init): poll MR0.DAI per chip select, MR10 = 0xFF (ZQINIT), wait tZQINIT,
 *            MR1, MR16 = 0 (+ MR17 = 0 here), MR2 with REFRESH_EN, MR3. No MR63: the EMIF's own
 *            hardware init sequence resets the device when SDRAM_CONFIG is written.
 *   self-refresh: PWR_MGMT_CTRL.LP_MODE = 2 (other fields as in the register image).
 *
 * MRW/MRR are safe from a DRAM-resident U-Boot (Linux polls MR4 this way at run time, ✔ LX-EMIFC).
 */

/** u-boot EMIF init values ✔ UB-EMIF: MR1_BL_8_BT_SEQ_WRAP_EN_NWR_8, RL_FINAL - 2 (RL6 on OMAP4), MR3 = 2 (written on OMAP5). */
export const EMIF_INIT_DEFAULTS: InitValues = { mr1: 0xc3, mr2: 0x04, mr3: 0x02 };

export interface TiEmifDriverOptions {
  /** OMAP4430 ES2.0: read MR data at LPDDR2_MODE_REG_DATA_ES2 (0x48). */
  readonly es2DataAlias?: boolean;
}

export class TiEmifDriver implements MemoryControllerDriver {
  readonly kind = 'ti-emif' as const;
  readonly canMrr = true;
  private readonly where: string;
  private readonly emif: RegisterWindow;
  private readonly dataReg: string;

  constructor(
    readonly controller: ControllerConfig,
    readonly standard: DramStandard,
    options: TiEmifDriverOptions = {},
  ) {
    this.where = `ti-emif ${controller.id}`;
    if (controller.kind !== 'ti-emif') throw new Error(`${this.where}: controller kind is ${controller.kind}`);
    this.emif = new RegisterWindow(options.es2DataAlias ? TI_EMIF_ES2 : TI_EMIF, controller.base);
    this.dataReg = options.es2DataAlias ? 'LPDDR2_MODE_REG_DATA_ES2' : 'LPDDR2_MODE_REG_DATA';
  }

  private die(d: DieRef): DieConfig {
    const die = resolveDie(this.where, this.controller, d);
    if (die.rank > 1) throw new Error(`${this.where}: die ${die.id} is on CS${die.rank}; the EMIF has CS0 and CS1`);
    return die;
  }

  mrwReach(d: DieRef): readonly DieConfig[] {
    const die = this.die(d);
    return this.controller.dies.filter((x) => x.rank === die.rank);
  }

  private mrwOps(die: DieConfig, mr: number, value: number, refreshEn = false): RegOp[] {
    checkByte(this.where, 'MR number', mr);
    checkByte(this.where, 'MR value', value);
    const cfg: Record<string, number> = { CS: die.rank, ADDRESS: mr };
    if (refreshEn) cfg.REFRESH_EN = 1;
    return [
      this.emif.write('LPDDR2_MODE_REG_CONFIG', cfg, `CS${die.rank} MR${mr}${refreshEn ? ' with REFRESH_EN' : ''}`),
      this.emif.write('LPDDR2_MODE_REG_DATA', { VALUE_0: value }, `MRW ${fmtMr(mr, value)} -> ${die.id}`),
    ];
  }

  mrw(d: DieRef, mr: number, value: number): RegisterProgram {
    const die = this.die(d);
    return makeProgram(`${this.controller.id}: MRW ${fmtMr(mr, value)} ${die.id}`, this.mrwOps(die, mr, value));
  }

  mrr(d: DieRef, mr: number): MrReadProgram {
    const die = this.die(d);
    checkByte(this.where, 'MR number', mr);
    const label = `${die.id}.MR${mr}`;
    const ops: RegOp[] = [
      this.emif.write('LPDDR2_MODE_REG_CONFIG', { CS: die.rank, ADDRESS: mr }, `CS${die.rank} MR${mr}`),
      this.emif.read(this.dataReg, label, `MRR MR${mr} <- ${die.id}`),
    ];
    const where = this.where;
    return {
      program: makeProgram(`${this.controller.id}: MRR MR${mr} ${die.id}`, ops),
      decode(reads) {
        const v = reads[label];
        if (v === undefined)
          throw new Error(`${where}: MRR MR${mr} of ${die.id}: the program's reads have no ${label}`);
        const b = v & 0xff;
        if (((v >>> 8) & 0xff) !== b || ((v >>> 16) & 0xff) !== b || ((v >>> 24) & 0xff) !== b) {
          throw new Error(
            `${where}: MRR MR${mr} of ${die.id} read ${hex(v)}: the byte lanes differ (u-boot treats this as no SDRAM on CS${die.rank})`,
          );
        }
        return b;
      },
    };
  }

  pasrMasks(d: DieRef, bankMask: number, segmentMask: number): RegisterProgram {
    const die = this.die(d);
    const writes = pasrWrites(this.where, this.standard, die, bankMask, segmentMask);
    return makeProgram(
      `${this.controller.id}: PASR ${writes.map((w) => fmtMr(w.mr, w.value)).join(' ')} ${die.id}`,
      writes.flatMap((w) => this.mrwOps(die, w.mr, w.value)),
    );
  }

  private powerManagement(lpMode: number, note: string): RegOp {
    const reg = this.emif.reg('PWR_MGMT_CTRL');
    return this.emif.write('PWR_MGMT_CTRL', { LP_MODE: lpMode }, note, imageValue(this.controller, reg));
  }

  selfRefreshEnter(): RegisterProgram {
    return makeProgram(`${this.controller.id}: self-refresh entry`, [
      this.powerManagement(EMIF_LP_MODE.SELF_REFRESH, 'LP_MODE = 2 (self-refresh)'),
    ]);
  }

  selfRefreshExit(): RegisterProgram {
    const reg = this.emif.reg('PWR_MGMT_CTRL');
    const f = fieldOf(reg, 'LP_MODE');
    const bootLp = Math.floor(imageValue(this.controller, reg) / 2 ** f.shift) % 2 ** f.width;
    return makeProgram(`${this.controller.id}: self-refresh exit`, [
      this.powerManagement(bootLp, `LP_MODE = ${bootLp} (as after boot)`),
    ]);
  }

  dramInit(options: DramInitOptions = {}): RegisterProgram {
    const values = initValues(EMIF_INIT_DEFAULTS, options);
    const dies = [...this.controller.dies].sort((a, b) => a.rank - b.rank);
    const ops: RegOp[] = [];
    const plans = dies.map((die) => ({
      die,
      plan: initPlan(this.where, this.standard, die, values, options.reset ?? false),
    }));
    for (const { die, plan } of plans) {
      if (plan.reset) {
        ops.push(...this.mrwOps(die, plan.reset.mr, plan.reset.value));
        ops.push({ op: 'delay', ns: plan.reset.waitNs, note: 'tDAI after the reset MRW' });
      }
      if (!plan.daiPollable) continue;
      // Each read of DATA is an MRR of MR0; only MR0.DAI (in byte lane 0) is compared.
      ops.push(this.emif.write('LPDDR2_MODE_REG_CONFIG', { CS: die.rank, ADDRESS: 0 }, `CS${die.rank} MR0`));
      ops.push({
        op: 'poll',
        address: this.emif.addr(this.dataReg),
        mask: mr0DaiMask(this.standard),
        expect: 0,
        ...POLL.dai,
        note: `wait for MR0.DAI = 0 on ${die.id}`,
      });
    }
    for (const { die, plan } of plans) {
      if (plan.zq) {
        ops.push(...this.mrwOps(die, plan.zq.mr, plan.zq.value));
        ops.push({ op: 'delay', ns: plan.zq.waitNs, note: 'tZQINIT' });
      }
    }
    for (const { die, plan } of plans) {
      if (plan.mr1) ops.push(...this.mrwOps(die, plan.mr1.mr, plan.mr1.value));
      for (const p of plan.pasr) ops.push(...this.mrwOps(die, p.mr, p.value));
      if (plan.mr2) ops.push(...this.mrwOps(die, plan.mr2.mr, plan.mr2.value, true));
      if (plan.mr3) ops.push(...this.mrwOps(die, plan.mr3.mr, plan.mr3.value));
    }
    return makeProgram(`${this.controller.id}: DRAM init`, ops, [HAZARDS.dramInitLive]);
  }
}

/** Mask of MR0.DAI in an MRR byte (from the LPDDR mode-register declarations). */
function mr0DaiMask(standard: DramStandard): number {
  const mr0 = modeRegister(standard, 0);
  if (!mr0) throw new Error(`${standard} declares no MR0`);
  const f = fieldOf(mr0, 'DAI');
  return (2 ** f.width - 1) * 2 ** f.shift;
}
