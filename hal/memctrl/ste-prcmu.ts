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
import { MR_COMMAND_GAP_NS } from './mr-pacer.js';

/**
 * ST-Ericsson DB8500/U9540 PRCMU (power, reset and clock management unit) as a PASR path: the
 * application processor never issues MRW itself; it posts the masks to the PRCMU firmware
 * through mailbox 0 and the firmware writes MR16/MR17 at the next DDR self-refresh entry.
 *
 * Sources: reference lpddr.md §2.4 (✔ STE, STE-K): headers MB0H_SET_PASR_DDR0_CS0..DDR1_CS1 =
 * 5..8, request slots PRCM_REQ_MB0_PASR_MR16 (+0, u16) / _MR17 (+2, u16), doorbell
 * PRCM_MBOX_CPU_SET bit 0, wait on PRCM_MBOX_CPU_VAL bit 0 before and after. The register and
 * TCDM offsets below are not in the reference: they are the Linux `db8500-prcmu.c` / u-boot
 * `prcmu` names and offsets (PRCM_MBOX_CPU_VAL 0x0fc, _SET 0x100, _CLR 0x104, PRCM_ARM_IT1_CLR
 * 0x48c, _VAL 0x494; TCDM _PRCM_MBOX_HEADER 0xfe8, PRCM_REQ_MB0 0xfdc, PRCM_ACK_MB0 0xe08,
 * PRCM_XP70_CUR_PWR_STATE 0xffc) and the AP power-state codes of Linux `dbx500-prcmu.h`. They
 * differ between firmware generations, so they are a parameter (`PrcmuLayout`), ✖ unverified
 * against the hardware the reference names.
 *
 * The model accesses everything as 32-bit words (the bus and `mw.l` are 32-bit): the header
 * word carries REQ_MB0..REQ_MB3 (a word write also writes the idle headers of mailboxes 1-3,
 * which the firmware reads only when their doorbell rings), and PRCM_REQ_MB0 carries MR16 in
 * bits 15:0 and MR17 in bits 31:16. The same PRCM_REQ_MB0 bytes mean AP_POWER_STATE,
 * AP_PLL_STATE, ULP_CLOCK_STATE, DO_NOT_WFI for an MB0H_POWER_STATE_TRANS request (a union in
 * the firmware); `prcmuDecls().reqMb0PowerState` declares that view for composing.
 *
 * Firmware behaviour modelled (mailbox 0 only; `firmwareLatencyNs` after the doorbell):
 *  - MB0H_SET_PASR_*: latch (MR16, MR17) for the die on that DDR controller (channel index)
 *    and chip select (rank). Nothing reaches the die yet.
 *  - MB0H_POWER_STATE_TRANS with AP_POWER_STATE = sleep or deep sleep: write the latched
 *    MR16/MR17 of each die (one MRW per `MR_COMMAND_GAP_NS`), then put every die into
 *    self-refresh; PRCM_XP70_CUR_PWR_STATE reads AP_SLEEP / AP_DEEP_SLEEP.
 *  - ✖ wake-up convention: the emulated AP has no WFI and no wake-up interrupt, so the first
 *    mailbox-0 request after a sleep stands for the wake-up: the firmware takes the dies out of
 *    self-refresh before handling it (drivers send MB0H_POWER_STATE_TRANS / PRCMU_AP_NO_CHANGE).
 *  - Ack: PRCM_MBOX_CPU_VAL bit 0 clears, PRCM_ARM_IT1_VAL bit 0 sets, the ACK_MB0 header byte
 *    echoes the request header.
 *  - Guest errors: header/request written or doorbell rung while bit 0 of PRCM_MBOX_CPU_VAL is
 *    set; a PASR header naming no die; masks wider than 8 bits; unknown MB0 headers (acked).
 *    Doorbells of mailboxes 1-7 stay pending (not modelled).
 *
 * Invariants (checkInvariants):
 *  (a) PRCM_MBOX_CPU_VAL bit 0 is set exactly while a mailbox-0 request is being handled;
 *  (b) the self-refresh flag equals CUR_PWR_STATE in {AP_SLEEP, AP_DEEP_SLEEP} and every die
 *      follows it;
 *  (c) latched masks exist only for this controller's dies and fit 8 bits.
 */

export interface PrcmuLayout {
  /** PRCMU register block (at the controller base). */
  readonly mboxCpuVal: number;
  readonly mboxCpuSet: number;
  readonly mboxCpuClr: number;
  readonly armIt1Clr: number;
  readonly armIt1Val: number;
  readonly prcmuWindow: number;
  /** TCDM (firmware data memory) block (at `blocks.tcdm.base`). */
  readonly mboxHeader: number;
  readonly reqMb0: number;
  readonly ackMb0: number;
  readonly xp70CurPwrState: number;
  readonly tcdmWindow: number;
  /** Mailbox-0 header codes. */
  readonly mb0hPowerStateTrans: number;
  /** MB0H_SET_PASR_DDR0_CS0; DDR0_CS1, DDR1_CS0, DDR1_CS1 follow. */
  readonly mb0hSetPasrDdr0Cs0: number;
  /** AP_POWER_STATE request codes (enum ap_pwrst_trans). */
  readonly apTrans: {
    readonly noChange: number;
    readonly sleep: number;
    readonly deepSleep: number;
    readonly idle: number;
    readonly deepIdle: number;
  };
  /** PRCM_XP70_CUR_PWR_STATE codes (enum ap_pwrst). */
  readonly apState: { readonly execute: number; readonly deepSleep: number; readonly sleep: number };
}

/** ✖ DB8500 legacy-mailbox layout (Linux db8500-prcmu.c, dbx500-prcmu.h; not in the reference). */
export const PRCMU_LAYOUT_DB8500: PrcmuLayout = {
  mboxCpuVal: 0x0fc,
  mboxCpuSet: 0x100,
  mboxCpuClr: 0x104,
  armIt1Clr: 0x48c,
  armIt1Val: 0x494,
  prcmuWindow: 0x1000,
  mboxHeader: 0xfe8,
  reqMb0: 0xfdc,
  ackMb0: 0xe08,
  xp70CurPwrState: 0xffc,
  tcdmWindow: 0x1000,
  mb0hPowerStateTrans: 0,
  mb0hSetPasrDdr0Cs0: 5,
  apTrans: { noChange: 0x00, sleep: 0x01, deepSleep: 0x04, idle: 0x05, deepIdle: 0x07 },
  apState: { execute: 0x02, deepSleep: 0x03, sleep: 0x04 },
};

const f = field;

function mailboxBits(access: 'ro' | 'wo'): FieldDecl[] {
  const out: FieldDecl[] = [];
  for (let n = 7; n >= 0; n--) out.push(f(`MB${n}`, n, 1, access, `mailbox ${n}`));
  return out;
}

export interface PrcmuDecls {
  readonly prcmu: BlockDecl;
  readonly tcdm: BlockDecl;
  /** PRCM_REQ_MB0 as an MB0H_POWER_STATE_TRANS request reads it (same offset as the PASR view in `tcdm`). */
  readonly reqMb0PowerState: RegisterDecl;
}

/** Register declarations for a layout. */
export function prcmuDecls(layout: PrcmuLayout = PRCMU_LAYOUT_DB8500): PrcmuDecls {
  const prcmu = block('PRCMU', layout.prcmuWindow, [
    reg32('PRCM_MBOX_CPU_VAL', layout.mboxCpuVal, {
      fields: mailboxBits('ro'),
      doc: 'bit n = request pending on mailbox n',
    }),
    reg32('PRCM_MBOX_CPU_SET', layout.mboxCpuSet, {
      fields: mailboxBits('wo'),
      doc: 'write 1 to ring mailbox n (sets PRCM_MBOX_CPU_VAL bit n)',
    }),
    reg32('PRCM_MBOX_CPU_CLR', layout.mboxCpuClr, {
      fields: mailboxBits('wo'),
      doc: 'write 1 to withdraw a mailbox n request',
    }),
    reg32('PRCM_ARM_IT1_CLR', layout.armIt1Clr, {
      fields: mailboxBits('wo'),
      doc: 'write 1 to clear the ack interrupt of mailbox n',
    }),
    reg32('PRCM_ARM_IT1_VAL', layout.armIt1Val, {
      fields: mailboxBits('ro'),
      doc: 'ack interrupt pending for mailbox n',
    }),
  ]);
  const tcdm = block('PRCMU_TCDM', layout.tcdmWindow, [
    reg32('PRCM_ACK_MB0', layout.ackMb0, {
      fields: [f('READ_POINTER', 8, 8, 'ro'), f('AP_PWRSTTR_STATUS', 0, 8, 'ro')],
    }),
    reg32('PRCM_REQ_MB0', layout.reqMb0, {
      fields: [
        f('PASR_MR17', 16, 16, 'rw', 'PRCM_REQ_MB0_PASR_MR17 (u16): segment mask'),
        f('PASR_MR16', 0, 16, 'rw', 'PRCM_REQ_MB0_PASR_MR16 (u16): bank mask'),
      ],
      doc: 'mailbox 0 request; PASR view (see reqMb0PowerState for the power-state view)',
    }),
    opaqueReg32('PRCM_REQ_MB0_WAKEUP_8500', layout.reqMb0 + 4, 'DB8500 wake-up events (fields not modelled)'),
    opaqueReg32('PRCM_REQ_MB0_WAKEUP_4500', layout.reqMb0 + 8, 'AB8500 wake-up events (fields not modelled)'),
    reg32('PRCM_MBOX_HEADER', layout.mboxHeader, {
      fields: [
        f('REQ_MB3', 24, 8),
        f('REQ_MB2', 16, 8),
        f('REQ_MB1', 8, 8),
        f('REQ_MB0', 0, 8, 'rw', 'PRCM_MBOX_HEADER_REQ_MB0'),
      ],
    }),
    reg32('PRCM_MBOX_HEADER_4', layout.mboxHeader + 4, { fields: [f('REQ_MB5', 8, 8), f('REQ_MB4', 0, 8)] }),
    reg32('PRCM_MBOX_HEADER_ACK', layout.mboxHeader + 8, {
      fields: [
        f('ACK_MB3', 24, 8, 'ro'),
        f('ACK_MB2', 16, 8, 'ro'),
        f('ACK_MB1', 8, 8, 'ro'),
        f('ACK_MB0', 0, 8, 'ro', 'PRCM_MBOX_HEADER_ACK_MB0'),
      ],
    }),
    reg32('PRCM_XP70_CUR_PWR_STATE', layout.xp70CurPwrState, {
      fields: [
        f('BOOT_STATUS', 24, 8, 'ro'),
        f('ROMCODE_A2P', 16, 8, 'ro'),
        f('ROMCODE_P2A', 8, 8, 'ro'),
        f('CUR_PWR_STATE', 0, 8, 'ro', 'AP power state (enum ap_pwrst)'),
      ],
    }),
  ]);
  const reqMb0PowerState = reg32('PRCM_REQ_MB0', layout.reqMb0, {
    fields: [f('DO_NOT_WFI', 24, 8), f('ULP_CLOCK_STATE', 16, 8), f('AP_PLL_STATE', 8, 8), f('AP_POWER_STATE', 0, 8)],
    doc: 'mailbox 0 request as MB0H_POWER_STATE_TRANS reads it',
  });
  return { prcmu, tcdm, reqMb0PowerState };
}

/** Image values the PRCMU model refuses: mailbox and firmware state it computes. */
export const prcmuImageRefusal: ImageRefusal = (reg) =>
  ['PRCM_MBOX_CPU_VAL', 'PRCM_ARM_IT1_VAL', 'PRCM_MBOX_HEADER_ACK', 'PRCM_ACK_MB0', 'PRCM_XP70_CUR_PWR_STATE'].includes(
    reg.name,
  )
    ? `${reg.name} is firmware state the model computes`
    : undefined;

export interface StePrcmuOptions {
  readonly layout?: PrcmuLayout;
  /** Time the PRCMU firmware takes to pick up a mailbox-0 request (✖ model parameter; default 5000 ns). */
  readonly firmwareLatencyNs?: number;
}

interface Latch {
  readonly mr16: number;
  readonly mr17: number;
}

export class StePrcmu implements MemoryController {
  readonly kind = 'ste-prcmu' as const;
  readonly id: string;
  readonly devices: readonly MappedDevice[];
  readonly dies: readonly DiePort[];
  readonly blocks: Readonly<Record<string, RegisterBlock>>;
  readonly layout: PrcmuLayout;
  private readonly decls: PrcmuDecls;
  private readonly regs: RegisterBlock;
  private readonly tcdm: RegisterBlock;
  private readonly bound: BoundDie[];
  private readonly firmwareLatencyNs: number;
  private readonly latched = new Map<string, Latch>();
  private handling = false;
  private selfRefresh = false;

  constructor(
    config: ControllerConfig,
    dies: readonly DiePort[],
    private readonly clock: Clock,
    private readonly trace: TraceBus,
    options: StePrcmuOptions = {},
  ) {
    const where = `ste-prcmu ${config.id}`;
    if (config.kind !== 'ste-prcmu') throw new Error(`${where}: config kind is ${config.kind}`);
    checkBlockKeys(where, config, ['tcdm']);
    const tcdmBlock = config.blocks.tcdm;
    if (!tcdmBlock)
      throw new Error(`${where}: needs blocks.tcdm (the PRCMU TCDM mailbox memory; ✖ DB8500: 0x801b8000)`);
    this.id = config.id;
    this.layout = options.layout ?? PRCMU_LAYOUT_DB8500;
    this.firmwareLatencyNs = nonNegativeNs(where, 'firmwareLatencyNs', options.firmwareLatencyNs ?? 5000);
    this.bound = bindDies(where, config, dies);
    for (const b of this.bound) {
      if (b.rank > 1 || b.channel > 1)
        throw new Error(
          `${where}: die ${b.config.id} (rank ${b.rank}, channel ${b.channel}) has no mailbox header: the PRCMU serves DDR0/DDR1 x CS0/CS1`,
        );
    }
    this.dies = this.bound.map((b) => b.port);
    const decls = prcmuDecls(this.layout);
    this.decls = decls;
    this.regs = new RegisterBlock(decls.prcmu, config.id, config.base, trace);
    this.tcdm = new RegisterBlock(decls.tcdm, `${config.id}.tcdm`, tcdmBlock.base, trace);
    applyRegisterImage(where, this.regs, config.registers, prcmuImageRefusal);
    applyRegisterImage(`${where} block tcdm`, this.tcdm, tcdmBlock.registers, prcmuImageRefusal);
    this.tcdm.setField('PRCM_XP70_CUR_PWR_STATE', 'CUR_PWR_STATE', this.layout.apState.execute);
    this.devices = [
      { base: config.base, device: this.regs },
      { base: tcdmBlock.base, device: this.tcdm },
    ];
    this.blocks = { prcmu: this.regs, tcdm: this.tcdm };

    this.regs.onWrite('PRCM_MBOX_CPU_SET', (next) => this.doorbell(next & 0xff));
    this.regs.onWrite('PRCM_MBOX_CPU_CLR', (next) => {
      const bits = next & 0xff;
      if (bits & 1 && this.handling)
        this.guestError(
          'PRCM_MBOX_CPU_CLR bit 0 while the firmware handles the request: the model lets the request complete',
        );
      this.regs.set('PRCM_MBOX_CPU_VAL', (this.regs.get('PRCM_MBOX_CPU_VAL') & ~(bits & ~1)) >>> 0);
    });
    this.regs.onWrite('PRCM_ARM_IT1_CLR', (next) =>
      this.regs.set('PRCM_ARM_IT1_VAL', (this.regs.get('PRCM_ARM_IT1_VAL') & ~(next & 0xff)) >>> 0),
    );
    for (const reg of ['PRCM_MBOX_HEADER', 'PRCM_REQ_MB0']) {
      this.tcdm.onWrite(reg, () => {
        if (this.regs.getField('PRCM_MBOX_CPU_VAL', 'MB0'))
          this.guestError(`${reg} written while PRCM_MBOX_CPU_VAL bit 0 is set (wait for the previous request first)`);
      });
    }
  }

  get inSelfRefresh(): boolean {
    return this.selfRefresh;
  }

  /** Masks posted for a die and not yet applied (applied at the next self-refresh entry). */
  pendingMasks(dieId: string): { mr16: number; mr17: number } | undefined {
    const l = this.latched.get(dieId);
    return l ? { mr16: l.mr16, mr17: l.mr17 } : undefined;
  }

  private guestError(message: string): void {
    this.trace.emit({ kind: 'guest.error', source: this.id, message });
  }

  private doorbell(bits: number): void {
    const val = this.regs.get('PRCM_MBOX_CPU_VAL');
    if (bits & 1) {
      if (val & 1) {
        this.guestError(
          'PRCM_MBOX_CPU_SET bit 0 while a mailbox-0 request is pending (PRCM_MBOX_CPU_VAL bit 0 set); doorbell ignored',
        );
      } else {
        this.handling = true;
        this.clock.schedule(this.firmwareLatencyNs, () => this.handleMailbox0());
      }
    }
    for (let n = 1; n < 8; n++) {
      if ((bits >> n) & 1) this.guestError(`mailbox ${n} is not modelled; its request stays pending`);
    }
    this.regs.set('PRCM_MBOX_CPU_VAL', (val | bits) >>> 0);
  }

  private handleMailbox0(): void {
    const header = this.tcdm.getField('PRCM_MBOX_HEADER', 'REQ_MB0');
    const steps: (() => void)[] = [];
    if (this.selfRefresh) steps.push(() => this.setSelfRefresh(false)); // ✖ wake-up convention
    const L = this.layout;
    if (header >= L.mb0hSetPasrDdr0Cs0 && header <= L.mb0hSetPasrDdr0Cs0 + 3) {
      steps.push(() => this.latchPasr(header));
    } else if (header === L.mb0hPowerStateTrans) {
      const state = fieldIn(this.decls.reqMb0PowerState, 'AP_POWER_STATE', this.tcdm.get('PRCM_REQ_MB0'));
      if (state === L.apTrans.sleep || state === L.apTrans.deepSleep) {
        for (const b of this.bound) {
          const latch = this.latched.get(b.config.id);
          if (!latch) continue;
          steps.push(() => b.port.mrw(16, latch.mr16));
          steps.push(() => b.port.mrw(17, latch.mr17));
          steps.push(() => this.latched.delete(b.config.id));
        }
        steps.push(() => {
          this.setSelfRefresh(true);
          this.tcdm.setField(
            'PRCM_XP70_CUR_PWR_STATE',
            'CUR_PWR_STATE',
            state === L.apTrans.sleep ? L.apState.sleep : L.apState.deepSleep,
          );
        });
      } else if (state !== L.apTrans.noChange && state !== L.apTrans.idle && state !== L.apTrans.deepIdle) {
        this.guestError(`MB0H_POWER_STATE_TRANS with unknown AP_POWER_STATE 0x${state.toString(16)}`);
      }
    } else {
      this.guestError(`mailbox-0 header ${header} is not modelled (acked without effect)`);
    }
    steps.push(() => this.ack(header));
    this.runSteps(steps, 0);
  }

  /** Run firmware steps; an MRW step is followed by the command gap before the next step. */
  private runSteps(steps: (() => void)[], i: number): void {
    if (i >= steps.length) return;
    steps[i]!();
    const gap = this.dies.length ? Math.max(...this.dies.map((d) => MR_COMMAND_GAP_NS[d.standard])) : 0;
    if (i + 1 < steps.length) this.clock.schedule(gap, () => this.runSteps(steps, i + 1));
  }

  private latchPasr(header: number): void {
    const idx = header - this.layout.mb0hSetPasrDdr0Cs0;
    const ddr = idx >> 1;
    const cs = idx & 1;
    const targets = this.bound.filter((b) => b.channel === ddr && b.rank === cs);
    if (targets.length === 0) {
      this.guestError(`MB0H_SET_PASR_DDR${ddr}_CS${cs} (header ${header}) names no die on this board`);
      return;
    }
    let mr16 = this.tcdm.getField('PRCM_REQ_MB0', 'PASR_MR16');
    let mr17 = this.tcdm.getField('PRCM_REQ_MB0', 'PASR_MR17');
    if (mr16 > 0xff || mr17 > 0xff) {
      this.guestError(
        `PASR masks MR16 0x${mr16.toString(16)} / MR17 0x${mr17.toString(16)} do not fit 8 bits; low byte kept`,
      );
      mr16 &= 0xff;
      mr17 &= 0xff;
    }
    for (const t of targets) this.latched.set(t.config.id, { mr16, mr17 });
  }

  private setSelfRefresh(on: boolean): void {
    if (on === this.selfRefresh) return;
    this.selfRefresh = on;
    for (const d of this.dies) {
      if (on) d.enterSelfRefresh();
      else d.exitSelfRefresh();
    }
    if (!on) this.tcdm.setField('PRCM_XP70_CUR_PWR_STATE', 'CUR_PWR_STATE', this.layout.apState.execute);
  }

  private ack(header: number): void {
    this.handling = false;
    this.tcdm.setField('PRCM_MBOX_HEADER_ACK', 'ACK_MB0', header);
    this.regs.setField('PRCM_MBOX_CPU_VAL', 'MB0', 0);
    this.regs.setField('PRCM_ARM_IT1_VAL', 'MB0', 1);
  }

  checkInvariants(): void {
    if ((this.regs.getField('PRCM_MBOX_CPU_VAL', 'MB0') === 1) !== this.handling) {
      throw new Error(
        `${this.id}: invariant (a) broken: PRCM_MBOX_CPU_VAL bit 0 does not match the firmware's request state`,
      );
    }
    const state = this.tcdm.getField('PRCM_XP70_CUR_PWR_STATE', 'CUR_PWR_STATE');
    const asleep = state === this.layout.apState.sleep || state === this.layout.apState.deepSleep;
    if (asleep !== this.selfRefresh)
      throw new Error(
        `${this.id}: invariant (b) broken: CUR_PWR_STATE ${state} with self-refresh flag ${this.selfRefresh}`,
      );
    for (const d of this.dies) {
      if (d.inSelfRefresh !== this.selfRefresh)
        throw new Error(`${this.id}: invariant (b) broken: die ${d.id} self-refresh ${d.inSelfRefresh}`);
    }
    for (const [id, l] of this.latched) {
      if (!this.bound.some((b) => b.config.id === id))
        throw new Error(`${this.id}: invariant (c) broken: mask latched for unknown die ${id}`);
      if (l.mr16 > 0xff || l.mr17 > 0xff)
        throw new Error(`${this.id}: invariant (c) broken: latched mask wider than 8 bits for ${id}`);
    }
  }
}
