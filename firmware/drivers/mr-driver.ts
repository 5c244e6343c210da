import type { ControllerConfig, ControllerKind, DieConfig, DramStandard } from '../../hal/board/board-config.js';
import { hex } from '../../hal/bits.js';
import { specOf } from '../../hal/lpddr/standards.js';
import { type Hazard, type RegOp, type RegisterProgram, program } from '../../hal/register-program.js';
import { compose, fieldOf, registerOf, type BlockDecl, type RegisterDecl } from '../../hal/regs/register.js';

/**
 * What the firmware asks of a memory controller, as register programs.
 *
 * A driver never touches a controller model: it builds register programs (hal/register-program.ts)
 * from the controller's register declarations and the board's register image. The same program runs
 * on the emulated MMIO bus (`runProgram`) and on a real board through the U-Boot console (`mw.l` /
 * `md.l`), so the emulator and the hardware share one driver. Register addresses and values come
 * from the declarations (`compose(reg, {FIELD: v})`), never from literals.
 */

/** A die by id or by its board-config entry. */
export type DieRef = string | DieConfig;

/** An MRR as a program plus the function that turns the program's reads into the MR byte. */
export interface MrReadProgram {
  readonly program: RegisterProgram;
  /** The MR byte from `runProgram(...).reads` (throws a clear Error when the reads are inconsistent). */
  decode(reads: Readonly<Record<string, number>>): number;
}

/** MR values the boot loader writes; defaults are per controller kind (see each driver). */
export interface DramInitOptions {
  readonly mr1?: number;
  readonly mr2?: number;
  readonly mr3?: number;
  /** Issue the reset MRW (MR63) where the standard has one and the boot loader does it. Default: per driver. */
  readonly reset?: boolean;
}

export interface MemoryControllerDriver {
  readonly kind: ControllerKind;
  readonly controller: ControllerConfig;
  readonly standard: DramStandard;
  /** False when the CPU has no MRR path (PRCMU mailbox): `mrr` throws. */
  readonly canMrr: boolean;
  /** Every die one MRW addressed to `die` reaches (itself included): e.g. both channels of an LPDDR4 rank. */
  mrwReach(die: DieRef): readonly DieConfig[];
  /** Mode-register write. */
  mrw(die: DieRef, mr: number, value: number): RegisterProgram;
  /** Mode-register read. */
  mrr(die: DieRef, mr: number): MrReadProgram;
  /** Set the PASR masks of a die: bank mask (MR16) and segment mask (MR17, or MR23 on LPDDR5). */
  pasrMasks(die: DieRef, bankMask: number, segmentMask: number): RegisterProgram;
  /** Put every die of the controller into self-refresh (and wait until the controller says so). */
  selfRefreshEnter(): RegisterProgram;
  selfRefreshExit(): RegisterProgram;
  /** The boot loader's DRAM mode-register init, as U-Boot/SPL does it for this controller. */
  dramInit(options?: DramInitOptions): RegisterProgram;
}

/** Known-dangerous sequences on a real board (the console executor refuses them unless forced). */
export const HAZARDS = {
  mmdcConReq: {
    code: 'mmdc-con-req-stall',
    message: 'CON_REQ stalls AXI; a U-Boot running from this DRAM hangs',
  },
  dramInitLive: {
    code: 'dram-init-live',
    message: 'the DRAM init sequence resets/recalibrates the DRAM; a U-Boot running from this DRAM loses its memory',
  },
  partialInterleave: {
    code: 'partial-interleave-group',
    message:
      'masking part of an interleave group loses data in every page of the masked range, whatever the kernel freed',
  },
  selfRefreshLive: {
    code: 'dram-self-refresh-live',
    message:
      'puts the DRAM into self-refresh until software takes it out; a U-Boot running from this DRAM stops answering',
  },
} as const satisfies Record<string, Hazard>;

/** Poll timing used by the drivers: generous timeouts (the console executor spreads the reads over them). */
export const POLL = {
  /** Controller handshakes (CON_ACK, MRSTAT, MRR data valid, self-refresh status). */
  controller: { timeoutNs: 1_000_000, intervalNs: 1_000 },
  /** MR0.DAI after power-up (tINIT5 <= 10 us). */
  dai: { timeoutNs: 1_000_000, intervalNs: 1_000 },
  /** PRCMU firmware mailbox acks. */
  firmware: { timeoutNs: 100_000_000, intervalNs: 1_000_000 },
} as const;

/** Addresses and op builders for one register block at one base. */
export class RegisterWindow {
  constructor(
    readonly decl: BlockDecl,
    readonly base: number,
  ) {}

  reg(name: string): RegisterDecl {
    return registerOf(this.decl, name);
  }

  addr(name: string): number {
    return this.base + this.reg(name).offset;
  }

  write(name: string, fields: Readonly<Record<string, number>>, note: string, base = 0): RegOp {
    return { op: 'write', address: this.addr(name), value: compose(this.reg(name), fields, base), note };
  }

  read(name: string, label: string, note: string): RegOp {
    return { op: 'read', address: this.addr(name), label, note };
  }

  /** Poll until every listed field has its value. */
  poll(
    name: string,
    fields: Readonly<Record<string, number>>,
    timing: { timeoutNs: number; intervalNs: number },
    note: string,
  ): RegOp {
    const reg = this.reg(name);
    let mask = 0;
    for (const f of Object.keys(fields)) {
      const fd = fieldOf(reg, f);
      mask = (mask | ((2 ** fd.width - 1) * 2 ** fd.shift)) >>> 0;
    }
    return {
      op: 'poll',
      address: this.addr(name),
      mask,
      expect: compose(reg, fields),
      timeoutNs: timing.timeoutNs,
      intervalNs: timing.intervalNs,
      note,
    };
  }
}

/** The value a register has after boot: the board image's, else the declared reset value. */
export function imageValue(
  config: ControllerConfig,
  reg: RegisterDecl,
  image: Readonly<Record<string, number>> = config.registers,
): number {
  return (image[reg.name] ?? reg.reset) >>> 0;
}

export function checkByte(where: string, what: string, x: number): void {
  if (!Number.isInteger(x) || x < 0 || x > 0xff) throw new RangeError(`${where}: ${what} ${x} is not a byte (0..255)`);
}

/** Resolve a die reference against the controller's dies. */
export function resolveDie(where: string, config: ControllerConfig, die: DieRef): DieConfig {
  const id = typeof die === 'string' ? die : die.id;
  const d = config.dies.find((x) => x.id === id);
  if (!d)
    throw new Error(`${where}: no die ${id} on this controller (dies: ${config.dies.map((x) => x.id).join(', ')})`);
  return d;
}

/** The MRs that carry the PASR masks of a die, and whether its part has them. */
export interface PasrRegisters {
  readonly bankMr: number | null;
  readonly segmentMr: number | null;
}

export function pasrRegisters(standard: DramStandard, die: DieConfig): PasrRegisters {
  const p = specOf(standard).pasr;
  const d = die.part.densityMbit;
  const segOk =
    p.segmentMaskMr !== null &&
    (p.segmentMaskDensities === null || (d >= p.segmentMaskDensities[0] && d <= p.segmentMaskDensities[1]));
  return { bankMr: p.bankMaskMr, segmentMr: segOk ? p.segmentMaskMr : null };
}

/** The (mr, value) MRWs that set a die's masks; refuses masks its part cannot hold. */
export function pasrWrites(
  where: string,
  standard: DramStandard,
  die: DieConfig,
  bankMask: number,
  segmentMask: number,
): { mr: number; value: number }[] {
  checkByte(where, 'bank mask', bankMask);
  checkByte(where, 'segment mask', segmentMask);
  const regs = pasrRegisters(standard, die);
  const out: { mr: number; value: number }[] = [];
  if (regs.bankMr !== null) out.push({ mr: regs.bankMr, value: bankMask });
  else if (bankMask !== 0)
    throw new RangeError(
      `${where}: ${die.id} (${standard}) has no bank-mask MR; bank mask ${hex(bankMask, 2)} cannot be set`,
    );
  if (regs.segmentMr !== null) out.push({ mr: regs.segmentMr, value: segmentMask });
  else if (segmentMask !== 0)
    throw new RangeError(
      `${where}: ${die.id} (${standard}, ${die.part.densityMbit} Mbit) has no segment-mask MR; segment mask ${hex(segmentMask, 2)} cannot be set`,
    );
  return out;
}

export function makeProgram(name: string, ops: readonly RegOp[], hazards: readonly Hazard[] = []): RegisterProgram {
  return program(name, ops, hazards);
}

export function fmtMr(mr: number, value: number): string {
  return `MR${mr}=${hex(value, 2)}`;
}
