import type { ControllerConfig, DieConfig, DramStandard } from '../../hal/board/board-config.js';
import { channelIndex } from '../../hal/memctrl/memory-controller.js';
import { PRCMU_LAYOUT_DB8500, prcmuDecls, type PrcmuLayout } from '../../hal/memctrl/ste-prcmu.js';
import type { Hazard, RegOp, RegisterProgram } from '../../hal/register-program.js';
import { compose } from '../../hal/regs/register.js';
import {
  HAZARDS,
  POLL,
  RegisterWindow,
  checkByte,
  fmtMr,
  makeProgram,
  pasrWrites,
  resolveDie,
  type DieRef,
  type DramInitOptions,
  type MemoryControllerDriver,
  type MrReadProgram,
} from './mr-driver.js';

/**
 * ST-Ericsson PRCMU mailbox driver, after the ux500 PASR kernel code (`dbx500_prcmu_config_pasr_mask`,
 * ✔ STE-K) and Linux `db8500_prcmu_set_power_state`:
 *
 *   wait for PRCM_MBOX_CPU_VAL bit 0 = 0; write the mailbox-0 header (MB0H_SET_PASR_DDRd_CSc =
 *   5 + 2d + c); write PRCM_REQ_MB0 (MR16 in bits 15:0, MR17 in bits 31:16); PRCM_MBOX_CPU_SET =
 *   bit 0; wait for bit 0 to clear (the firmware's ack). The firmware writes the masks to the die
 *   at the next self-refresh entry, not now.
 *
 * The mailbox carries MR16 and MR17 together, so `mrw(die, 16|17, v)` sends the other mask as
 * last given to this driver instance (0 at first): build and run such programs in order. There is
 * no MRR path (the AP never talks to the DRAM), and the boot loader's MR63/MR10/MR1-3 belong to the
 * PRCMU firmware: `dramInit` only clears the PASR masks of every die.
 *
 * Self-refresh: MB0H_POWER_STATE_TRANS with AP_POWER_STATE = PRCMU_AP_SLEEP; exit = the next
 * mailbox-0 request after a wake-up (✖ emulator convention: MB0H_POWER_STATE_TRANS with
 * PRCMU_AP_NO_CHANGE; a real AP wakes on an interrupt).
 */
export interface StePrcmuDriverOptions {
  readonly layout?: PrcmuLayout;
}

export class StePrcmuDriver implements MemoryControllerDriver {
  readonly kind = 'ste-prcmu' as const;
  readonly canMrr = false;
  private readonly where: string;
  private readonly layout: PrcmuLayout;
  private readonly regs: RegisterWindow;
  private readonly tcdm: RegisterWindow;
  private readonly decls: ReturnType<typeof prcmuDecls>;
  /** Last masks this driver sent per die (the mailbox always carries both). */
  private readonly shadow = new Map<string, { mr16: number; mr17: number }>();

  constructor(
    readonly controller: ControllerConfig,
    readonly standard: DramStandard,
    options: StePrcmuDriverOptions = {},
  ) {
    this.where = `ste-prcmu ${controller.id}`;
    if (controller.kind !== 'ste-prcmu') throw new Error(`${this.where}: controller kind is ${controller.kind}`);
    const tcdm = controller.blocks.tcdm;
    if (!tcdm) throw new Error(`${this.where}: needs blocks.tcdm (the PRCMU TCDM mailbox memory)`);
    this.layout = options.layout ?? PRCMU_LAYOUT_DB8500;
    this.decls = prcmuDecls(this.layout);
    this.regs = new RegisterWindow(this.decls.prcmu, controller.base);
    this.tcdm = new RegisterWindow(this.decls.tcdm, tcdm.base);
  }

  private die(d: DieRef): DieConfig {
    return resolveDie(this.where, this.controller, d);
  }

  /** MB0H_SET_PASR_DDR<d>_CS<c> for a die (d = channel index, c = chip select). */
  pasrHeader(d: DieRef): { header: number; name: string } {
    const die = this.die(d);
    const ddr = channelIndex(die.channel);
    if (die.rank > 1 || ddr > 1)
      throw new Error(`${this.where}: die ${die.id} has no PASR mailbox header (DDR0/DDR1 x CS0/CS1 only)`);
    return {
      header: this.layout.mb0hSetPasrDdr0Cs0 + 2 * ddr + die.rank,
      name: `MB0H_SET_PASR_DDR${ddr}_CS${die.rank}`,
    };
  }

  mrwReach(d: DieRef): readonly DieConfig[] {
    return [this.die(d)];
  }

  private mailbox0(
    name: string,
    header: number,
    headerNote: string,
    request: RegOp,
    hazards: readonly Hazard[] = [],
  ): RegisterProgram {
    return makeProgram(
      name,
      [
        this.regs.poll('PRCM_MBOX_CPU_VAL', { MB0: 0 }, POLL.firmware, 'wait until mailbox 0 is free'),
        this.tcdm.write('PRCM_MBOX_HEADER', { REQ_MB0: header }, headerNote),
        request,
        this.regs.write('PRCM_MBOX_CPU_SET', { MB0: 1 }, 'ring mailbox 0'),
        this.regs.poll('PRCM_MBOX_CPU_VAL', { MB0: 0 }, POLL.firmware, 'wait for the firmware to take the request'),
      ],
      hazards,
    );
  }

  pasrMasks(d: DieRef, bankMask: number, segmentMask: number): RegisterProgram {
    const die = this.die(d);
    pasrWrites(this.where, this.standard, die, bankMask, segmentMask); // validates against the part
    const { header, name } = this.pasrHeader(die);
    this.shadow.set(die.id, { mr16: bankMask, mr17: segmentMask });
    return this.mailbox0(
      `${this.controller.id}: PASR ${fmtMr(16, bankMask)} ${fmtMr(17, segmentMask)} ${die.id} (applied at the next self-refresh)`,
      header,
      name,
      this.tcdm.write(
        'PRCM_REQ_MB0',
        { PASR_MR16: bankMask, PASR_MR17: segmentMask },
        `PRCM_REQ_MB0_PASR_MR16 / _MR17`,
      ),
    );
  }

  mrw(d: DieRef, mr: number, value: number): RegisterProgram {
    const die = this.die(d);
    checkByte(this.where, 'MR value', value);
    if (mr !== 16 && mr !== 17)
      throw new Error(`${this.where}: the PRCMU mailbox carries only MR16/MR17 (asked for MR${mr})`);
    const last = this.shadow.get(die.id) ?? { mr16: 0, mr17: 0 };
    return mr === 16 ? this.pasrMasks(die, value, last.mr17) : this.pasrMasks(die, last.mr16, value);
  }

  mrr(d: DieRef, mr: number): MrReadProgram {
    const die = this.die(d);
    throw new Error(
      `${this.where}: no MRR path for MR${mr} of ${die.id}: the PRCMU firmware mailbox carries only MR16/MR17 writes`,
    );
  }

  private powerState(state: number, what: string, hazards: readonly Hazard[]): RegisterProgram {
    return this.mailbox0(
      `${this.controller.id}: ${what}`,
      this.layout.mb0hPowerStateTrans,
      'MB0H_POWER_STATE_TRANS',
      {
        op: 'write',
        address: this.tcdm.addr('PRCM_REQ_MB0'),
        value: compose(this.decls.reqMb0PowerState, {
          AP_POWER_STATE: state,
          AP_PLL_STATE: 0,
          ULP_CLOCK_STATE: 0,
          DO_NOT_WFI: 0,
        }),
        note: `PRCM_REQ_MB0_AP_POWER_STATE = 0x${state.toString(16)}`,
      },
      hazards,
    );
  }

  selfRefreshEnter(): RegisterProgram {
    return this.powerState(this.layout.apTrans.sleep, 'AP sleep (DDR self-refresh, latched PASR masks applied)', [
      HAZARDS.selfRefreshLive,
    ]);
  }

  selfRefreshExit(): RegisterProgram {
    return this.powerState(
      this.layout.apTrans.noChange,
      'wake-up request (✖ emulator convention; DDR leaves self-refresh)',
      [],
    );
  }

  dramInit(_options: DramInitOptions = {}): RegisterProgram {
    const parts = this.controller.dies.map((d) => this.pasrMasks(d, 0, 0));
    return makeProgram(
      `${this.controller.id}: DRAM init (PASR masks cleared; MR63/MR10/MR1-3 are the PRCMU firmware's)`,
      parts.flatMap((p) => p.ops),
    );
  }
}
