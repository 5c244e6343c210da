import type { ControllerConfig, DieConfig, DramStandard } from '../../hal/board/board-config.js';
import { FSL_MMDC, MMDC_CMD } from '../../hal/memctrl/fsl-mmdc.js';
import type { RegOp, RegisterProgram } from '../../hal/register-program.js';
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
 * i.MX6 MMDC driver, after u-boot `arch/arm/mach-imx/mx6/ddr.c` (mx6_lpddr2_cfg) and the
 * mx6slevk DCD ✔ UB-MX6DDR, UB-SLEVK:
 *
 *   MDSCR = CON_REQ; wait for MDSCR.CON_ACK; MDSCR = MR(val, ba, cmd, cs) words with CON_REQ
 *   kept set (`(op << 24) | (mr << 16) | CON_REQ | (cmd << 4) | (cs << 3) | ba`); MDSCR = 0.
 *   MRR: the same with CMD 6, then wait for MRR_READ_DATA_VALID and read MDMRR (byte lane 0).
 *   init: per chip select MR63 (reset), MR10 = 0xFF, MR1 0x82, MR2 0x04, MR3 0x02, then
 *   MR16 = MR17 = 0 here, all inside one CON_REQ window.
 *   self-refresh (Linux suspend-imx6.S): MAPSR |= PSD; MAPSR |= DVFS; wait DVACK; exit: clear
 *   DVFS, wait DVACK clear, restore MAPSR (PSD as after boot).
 *
 * Every program that sets CON_REQ carries the `mmdc-con-req-stall` hazard: the MMDC stops serving
 * AXI while CON_REQ is set, so a U-Boot running from this DRAM hangs (run from OCRAM/SPL or JTAG).
 */

/** u-boot mx6 LPDDR2 init values ✔ UB-MX6DDR / UB-SLEVK DCD. */
export const MMDC_INIT_DEFAULTS: InitValues = { mr1: 0x82, mr2: 0x04, mr3: 0x02 };

export class FslMmdcDriver implements MemoryControllerDriver {
  readonly kind = 'fsl-mmdc' as const;
  readonly canMrr = true;
  private readonly where: string;
  private readonly mmdc: RegisterWindow;

  constructor(
    readonly controller: ControllerConfig,
    readonly standard: DramStandard,
  ) {
    this.where = `fsl-mmdc ${controller.id}`;
    if (controller.kind !== 'fsl-mmdc') throw new Error(`${this.where}: controller kind is ${controller.kind}`);
    this.mmdc = new RegisterWindow(FSL_MMDC, controller.base);
  }

  private die(d: DieRef): DieConfig {
    const die = resolveDie(this.where, this.controller, d);
    if (die.rank > 1) throw new Error(`${this.where}: die ${die.id} is on CS${die.rank}; the MMDC has CS0 and CS1`);
    return die;
  }

  mrwReach(d: DieRef): readonly DieConfig[] {
    const die = this.die(d);
    return this.controller.dies.filter((x) => x.rank === die.rank);
  }

  /** MDSCR = CON_REQ, then wait for CON_ACK. */
  private request(): RegOp[] {
    return [
      this.mmdc.write('MDSCR', { CON_REQ: 1 }, 'CON_REQ (MMDC stops serving AXI)'),
      this.mmdc.poll('MDSCR', { CON_ACK: 1 }, POLL.controller, 'wait for CON_ACK'),
    ];
  }

  private release(): RegOp {
    return this.mmdc.write('MDSCR', {}, 'MDSCR = 0: end of configuration');
  }

  /** One MRW word (CON_REQ kept set). */
  private mrwWord(die: DieConfig, mr: number, value: number): RegOp {
    checkByte(this.where, 'MR number', mr);
    checkByte(this.where, 'MR value', value);
    return this.mmdc.write(
      'MDSCR',
      { MR_OP: value, MR_ADDR: mr, CON_REQ: 1, CMD: MMDC_CMD.MRW, CMD_CS: die.rank },
      `MRW ${fmtMr(mr, value)} -> ${die.id}`,
    );
  }

  private handshake(name: string, body: readonly RegOp[]): RegisterProgram {
    return makeProgram(name, [...this.request(), ...body, this.release()], [HAZARDS.mmdcConReq]);
  }

  mrw(d: DieRef, mr: number, value: number): RegisterProgram {
    const die = this.die(d);
    return this.handshake(`${this.controller.id}: MRW ${fmtMr(mr, value)} ${die.id}`, [this.mrwWord(die, mr, value)]);
  }

  mrr(d: DieRef, mr: number): MrReadProgram {
    const die = this.die(d);
    checkByte(this.where, 'MR number', mr);
    const label = `${die.id}.MR${mr}`;
    const body: RegOp[] = [
      this.mmdc.write(
        'MDSCR',
        { MR_ADDR: mr, CON_REQ: 1, CMD: MMDC_CMD.MRR, CMD_CS: die.rank },
        `MRR MR${mr} <- ${die.id}`,
      ),
      this.mmdc.poll('MDSCR', { MRR_READ_DATA_VALID: 1 }, POLL.controller, 'wait for MRR_READ_DATA_VALID'),
      this.mmdc.read('MDMRR', label, 'MRR data (byte lane 0)'),
    ];
    const where = this.where;
    return {
      program: this.handshake(`${this.controller.id}: MRR MR${mr} ${die.id}`, body),
      decode(reads) {
        const v = reads[label];
        if (v === undefined)
          throw new Error(`${where}: MRR MR${mr} of ${die.id}: the program's reads have no ${label}`);
        return v & 0xff;
      },
    };
  }

  pasrMasks(d: DieRef, bankMask: number, segmentMask: number): RegisterProgram {
    const die = this.die(d);
    const writes = pasrWrites(this.where, this.standard, die, bankMask, segmentMask);
    return this.handshake(
      `${this.controller.id}: PASR ${writes.map((w) => fmtMr(w.mr, w.value)).join(' ')} ${die.id}`,
      writes.map((w) => this.mrwWord(die, w.mr, w.value)),
    );
  }

  selfRefreshEnter(): RegisterProgram {
    const boot = imageValue(this.controller, this.mmdc.reg('MAPSR'));
    return makeProgram(
      `${this.controller.id}: self-refresh entry`,
      [
        this.mmdc.write('MAPSR', { PSD: 1 }, 'PSD: disable automatic power saving', boot),
        this.mmdc.write('MAPSR', { PSD: 1, DVFS: 1 }, 'DVFS: self-refresh request', boot),
        this.mmdc.poll('MAPSR', { DVACK: 1 }, POLL.controller, 'wait for DVACK'),
      ],
      [HAZARDS.selfRefreshLive],
    );
  }

  selfRefreshExit(): RegisterProgram {
    const boot = imageValue(this.controller, this.mmdc.reg('MAPSR'));
    return makeProgram(`${this.controller.id}: self-refresh exit`, [
      this.mmdc.write('MAPSR', { PSD: 1, DVFS: 0 }, 'clear DVFS: leave self-refresh', boot),
      this.mmdc.poll('MAPSR', { DVACK: 0 }, POLL.controller, 'wait for DVACK clear'),
      this.mmdc.write('MAPSR', {}, 'MAPSR as after boot (automatic power saving as configured)', boot),
    ]);
  }

  dramInit(options: DramInitOptions = {}): RegisterProgram {
    const values = initValues(MMDC_INIT_DEFAULTS, options);
    const body: RegOp[] = [];
    for (const die of [...this.controller.dies].sort((a, b) => a.rank - b.rank)) {
      const plan = initPlan(this.where, this.standard, die, values, options.reset ?? true);
      if (plan.reset) {
        body.push(this.mrwWord(die, plan.reset.mr, plan.reset.value));
        body.push({ op: 'delay', ns: plan.reset.waitNs, note: 'tDAI after the reset MRW' });
      }
      if (plan.zq) {
        body.push(this.mrwWord(die, plan.zq.mr, plan.zq.value));
        body.push({ op: 'delay', ns: plan.zq.waitNs, note: 'tZQINIT' });
      }
      for (const m of [plan.mr1, plan.mr2, plan.mr3, ...plan.pasr]) if (m) body.push(this.mrwWord(die, m.mr, m.value));
    }
    return makeProgram(
      `${this.controller.id}: DRAM init`,
      [...this.request(), ...body, this.release()],
      [HAZARDS.mmdcConReq, HAZARDS.dramInitLive],
    );
  }
}
