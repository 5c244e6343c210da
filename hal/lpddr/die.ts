import type { DieConfig, DramStandard } from '../board/board-config.js';
import type { Clock } from '../clock.js';
import { fieldOf, type RegisterDecl } from '../regs/register.js';
import type { TraceBus } from '../trace/trace-bus.js';
import type { DiePort, PoisonSink } from './die-port.js';
import { MODE_REGISTERS } from './mode-registers.js';
import {
  accessOf,
  effectiveMasks,
  geometryOf,
  mr4CodeFor,
  refreshedFraction,
  specOf,
  timingsOf,
  type EffectiveMasks,
  type Geometry,
  type StandardSpec,
  type Timings,
} from './standards.js';
import { hex } from '../bits.js';

export interface LpddrDieOptions {
  /** Die temperature (drives MR4). Default 25 °C. */
  readonly temperatureC?: number;
  /** How long MR0.DAI reads 1 after power-up or MR63 reset. Default: the standard's tDAI. */
  readonly daiBusyNs?: number;
  /** What an MRR of a write-only or unknown MR returns. Default: the standard's ✖ MRR_UNDEFINED_VALUE. */
  readonly mrrUndefinedValue?: number;
  /**
   * A self-refresh shorter than this loses nothing in masked banks/segments. Default 0: masked data is
   * always lost (✖ retention is part- and temperature-specific; 0 is the conservative model).
   */
  readonly retentionNs?: number;
  /** Clock period for the timing formulas. Default: the part's tCK override, else the standard's tCK. */
  readonly tckNs?: number;
}

/**
 * One LPDDR die (one chip select / rank, one channel where channels have their own MRs): its mode-register
 * file, geometry and self-refresh state. Controllers talk to it through DiePort.
 *
 * Misprogramming is reported as `guest.error` and the offending command is dropped (MRW) or answered with
 * the undefined value (MRR); nothing throws once the die is built. The die does not advance the clock:
 * controller models account tMRW/tMRR, the die only checks tMRW between accepted MRWs.
 *
 * Invariants (checkInvariants):
 *  (a) MR5-MR8 read back exactly the part's identity values;
 *  (b) no stored MR value has a bit set outside the MR's declared fields;
 *  (c) inSelfRefresh ⇔ an entry time and the masks latched at entry are recorded;
 *  (d) 0 <= selfRefreshNs <= time since the die was built.
 */
export class LpddrDie implements DiePort {
  readonly id: string;
  readonly standard: DramStandard;
  readonly spec: StandardSpec;
  readonly geometry: Geometry;
  readonly timings: Timings;

  private readonly decls = new Map<number, RegisterDecl>();
  /** Stored MR values (writable MRs as written; identity from the part). */
  private readonly values = new Uint8Array(256);
  private readonly builtNs: number;
  private readonly daiBusyNs: number;
  private readonly undefinedValue: number;
  private readonly retentionNs: number;
  /** Start of the current DAI window (power-up or MR63 reset). */
  private initStartNs: number;
  private lastMrwNs = -Infinity;
  private srEnteredNs: number | null = null;
  private srMasks: EffectiveMasks | null = null;
  private srAccumNs = 0;
  private tempC: number;
  private mr4Code: number;
  private tuf = false;

  constructor(
    readonly config: DieConfig,
    standard: DramStandard,
    private readonly clock: Clock,
    private readonly trace: TraceBus,
    private readonly poison: PoisonSink,
    opts: LpddrDieOptions = {},
  ) {
    this.id = config.id;
    this.standard = standard;
    const where = `die ${config.id} (${standard}, part ${config.part.name})`;
    this.spec = specOf(standard);
    try {
      this.geometry = geometryOf(standard, config.part.densityMbit, config.part.ioWidth);
      this.timings = timingsOf(standard, opts.tckNs, config.part.timings, config.part.densityMbit);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    for (const r of MODE_REGISTERS[standard].registers) this.decls.set(r.offset, r);
    const part = config.part;
    for (const [mr, v] of [
      [5, part.mr5],
      [6, part.mr6],
      [7, part.mr7],
      [8, part.mr8],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xff)
        throw new Error(`${where}: MR${mr} identity value ${v} is not a byte`);
    }
    const undef = opts.mrrUndefinedValue ?? this.spec.mrrUndefinedValue;
    if (!Number.isInteger(undef) || undef < 0 || undef > 0xff)
      throw new Error(`${where}: mrrUndefinedValue ${undef} is not a byte`);
    this.undefinedValue = undef;
    this.daiBusyNs = opts.daiBusyNs ?? this.timings.tDAI;
    this.retentionNs = opts.retentionNs ?? 0;
    if (!(this.daiBusyNs >= 0) || !(this.retentionNs >= 0))
      throw new Error(`${where}: daiBusyNs and retentionNs must be non-negative`);
    this.tempC = opts.temperatureC ?? 25;
    this.mr4Code = mr4CodeFor(standard, this.tempC);
    this.builtNs = clock.nowNs;
    this.initStartNs = clock.nowNs;
    this.resetValues();
  }

  // ------------------------------------------------------------------ DiePort

  get inSelfRefresh(): boolean {
    return this.srEnteredNs !== null;
  }

  mrw(mr: number, value: number): void {
    const name = `MR${mr}`;
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      this.guestError(`MRW ${name} value ${value} is not a byte; ignored`);
      return;
    }
    const what = `MRW ${name} = ${hex(value, 2)}`;
    const decl = this.decls.get(mr);
    if (decl === undefined) {
      this.guestError(`${what}: ${this.standard} has no ${name}${this.note(mr)}; ignored`);
      return;
    }
    if (mr === this.spec.pasr.segmentMaskMr && this.geometry.segmentMaskMr === null) {
      this.guestError(`${what}: this ${this.partLabel()} part has no ${name}${this.note(mr)}; ignored`);
      return;
    }
    if (this.inSelfRefresh) {
      const masks =
        mr === this.geometry.bankMaskMr || mr === this.geometry.segmentMaskMr
          ? ' (PASR masks are latched at self-refresh entry)'
          : '';
      this.guestError(`${what} while in self-refresh${masks}; ignored`);
      return;
    }
    const sinceNs = this.clock.nowNs - this.lastMrwNs;
    if (sinceNs + 1e-9 < this.timings.tMRW) {
      this.guestError(
        `${what} only ${fmtNs(sinceNs)} after the previous MRW (tMRW = ${fmtNs(this.timings.tMRW)}); ignored`,
      );
      return;
    }
    if (accessOf(decl) === 'ro') {
      this.guestError(`${what}: ${name} (${decl.doc ?? ''}) is read-only; ignored`);
      return;
    }
    if (mr === 10 && this.spec.zqCodes !== null && this.spec.zqCodes[value] === undefined) {
      const codes = Object.entries(this.spec.zqCodes).map(([c, n]) => `${hex(Number(c), 2)} ${n.split(' ')[0]}`);
      this.guestError(`${what}: not a ZQ calibration code (${codes.join(', ')}); ignored`);
      return;
    }
    if ((value & decl.reservedMask) !== 0) {
      this.guestError(`${what} sets reserved bits ${hex(value & decl.reservedMask, 2)} of ${name}; they are dropped`);
    }
    const writable = this.writableMask(decl);
    this.values[mr] = ((this.values[mr]! & ~writable) | (value & writable)) & 0xff;
    this.lastMrwNs = this.clock.nowNs;
    this.trace.emit({ kind: 'dram.mrw', die: this.id, mr, value, register: name });
    if (mr === this.spec.resetMr) this.reset();
  }

  mrr(mr: number): number {
    const name = `MR${mr}`;
    const decl = this.decls.get(mr);
    let value: number;
    if (decl === undefined) {
      value = this.undefinedValue;
      this.guestError(
        `MRR of ${name}, which ${this.standard} does not define${this.note(mr)}, returns undefined data (${hex(value, 2)})`,
      );
    } else if (this.inSelfRefresh) {
      value = this.undefinedValue;
      this.guestError(`MRR of ${name} while in self-refresh returns undefined data (${hex(value, 2)})`);
    } else if (accessOf(decl) === 'wo') {
      value = this.undefinedValue;
      this.guestError(`MRR of write-only ${name} (${decl.doc ?? ''}) returns undefined data (${hex(value, 2)})`);
    } else {
      value = this.read(mr, decl);
      if (mr === 4) this.tuf = false; // TUF clears once MR4 has been read (✖ JESD209 wording not read)
    }
    this.trace.emit({ kind: 'dram.mrr', die: this.id, mr, value, register: name });
    return value;
  }

  enterSelfRefresh(): void {
    if (this.inSelfRefresh) {
      this.guestError('self-refresh entry while already in self-refresh; ignored');
      return;
    }
    const masks = effectiveMasks(this.standard, this.geometry, this.rawBankMr(), this.rawSegmentMr());
    this.srMasks = masks;
    this.srEnteredNs = this.clock.nowNs;
    this.trace.emit({
      kind: 'dram.sr.enter',
      die: this.id,
      bankMask: masks.bankMask,
      segmentMask: masks.segmentMask,
      refreshedFraction: this.refreshedFraction,
    });
  }

  exitSelfRefresh(): void {
    if (this.srEnteredNs === null || this.srMasks === null) {
      this.guestError('self-refresh exit while not in self-refresh; ignored');
      return;
    }
    const durationNs = this.clock.nowNs - this.srEnteredNs;
    if (durationNs + 1e-9 < this.timings.tSR) {
      this.guestError(
        `self-refresh exit ${fmtNs(durationNs)} after entry (minimum residency tSR = ${fmtNs(this.timings.tSR)})`,
      );
    }
    const { bankMask, segmentMask } = this.srMasks;
    this.srAccumNs += durationNs;
    this.srEnteredNs = null;
    this.srMasks = null;
    let poisonedPages = 0;
    if ((bankMask !== 0 || segmentMask !== 0) && durationNs >= this.retentionNs) {
      poisonedPages = this.poison.poison(this.id, bankMask, segmentMask);
    }
    this.trace.emit({ kind: 'dram.sr.exit', die: this.id, durationNs, poisonedPages });
  }

  // ------------------------------------------------------------------ state for other models

  /** Last value written to MR16 (0 when never written or not defined, e.g. LPDDR5). */
  get mr16(): number {
    return this.decls.has(16) ? this.values[16]! : 0;
  }

  /** Last value written to MR17 (0 when never written or not defined). */
  get mr17(): number {
    return this.decls.has(17) ? this.values[17]! : 0;
  }

  /** Banks that self-refresh would leave unrefreshed with the current MRs (S2: from the PASR code). */
  get bankMask(): number {
    return effectiveMasks(this.standard, this.geometry, this.rawBankMr(), this.rawSegmentMr()).bankMask;
  }

  /** Segments that self-refresh would leave unrefreshed (MR17, MR23 on LPDDR5; S2: 1/8 code). */
  get segmentMask(): number {
    return effectiveMasks(this.standard, this.geometry, this.rawBankMr(), this.rawSegmentMr()).segmentMask;
  }

  /**
   * The masks self-refresh would latch if the bank-mask and segment-mask MRs held these raw
   * values (MR16, and MR17 or MR23), with the refreshed fraction: what a controller that writes
   * the MRs just before self-refresh entry (a firmware mailbox) will put in force.
   */
  masksFor(rawBankMr: number, rawSegmentMr: number): EffectiveMasks & { refreshedFraction: number } {
    const m = effectiveMasks(this.standard, this.geometry, rawBankMr, rawSegmentMr);
    return { ...m, refreshedFraction: refreshedFraction(this.standard, this.geometry, rawBankMr, rawSegmentMr) };
  }

  /** The masks of the current MR values (see masksFor()). */
  get currentMasks(): EffectiveMasks & { refreshedFraction: number } {
    return this.masksFor(this.rawBankMr(), this.rawSegmentMr());
  }

  /** Fraction of the array self-refresh refreshes with the current masks (1 = full array). */
  get refreshedFraction(): number {
    return refreshedFraction(this.standard, this.geometry, this.rawBankMr(), this.rawSegmentMr());
  }

  /** LPDDR5 MR25 PARC bit (0 elsewhere): auto-refresh skips the MR23-masked segments (the energy meter's awake refresh). */
  get parc(): number {
    const p = this.spec.pasr.parc;
    return p === undefined ? 0 : (this.values[p.mr]! >>> p.bit) & 1;
  }

  /** Time spent in self-refresh so far, including the current interval. */
  get selfRefreshNs(): number {
    return this.srAccumNs + (this.srEnteredNs === null ? 0 : this.clock.nowNs - this.srEnteredNs);
  }

  get temperatureC(): number {
    return this.tempC;
  }

  /** Set the die temperature; MR4's refresh-rate code follows and TUF is set when the code changes. */
  set temperatureC(t: number) {
    const code = mr4CodeFor(this.standard, t);
    if (code !== this.mr4Code) this.tuf = true;
    this.tempC = t;
    this.mr4Code = code;
  }

  /** Current value of an MR without trace or side effects (undefined when the standard lacks it). */
  peek(mr: number): number | undefined {
    const decl = this.decls.get(mr);
    return decl === undefined ? undefined : this.read(mr, decl);
  }

  checkInvariants(): void {
    const bad: string[] = [];
    const p = this.config.part;
    (
      [
        [5, p.mr5],
        [6, p.mr6],
        [7, p.mr7],
        [8, p.mr8],
      ] as const
    ).forEach(([mr, v]) => {
      if (this.values[mr] !== v) bad.push(`(a) MR${mr} holds ${hex(this.values[mr]!, 2)}, part says ${hex(v, 2)}`);
    });
    for (const [mr, d] of this.decls)
      if ((this.values[mr]! & d.reservedMask) !== 0) bad.push(`(b) MR${mr} has reserved bits set`);
    if ((this.srEnteredNs === null) !== (this.srMasks === null))
      bad.push('(c) self-refresh entry time and latched masks disagree');
    const s = this.selfRefreshNs;
    if (s < 0 || s > this.clock.nowNs - this.builtNs + 1e-9)
      bad.push(`(d) selfRefreshNs ${s} outside [0, ${this.clock.nowNs - this.builtNs}]`);
    if (bad.length > 0) throw new Error(`die ${this.id} invariants broken: ${bad.join('; ')}`);
  }

  // ------------------------------------------------------------------ internals

  private read(mr: number, decl: RegisterDecl): number {
    if (mr === 4) {
      const rate = fieldOf(decl, 'REFRESH_RATE');
      const tuf = fieldOf(decl, 'TUF');
      return ((this.mr4Code << rate.shift) | ((this.tuf ? 1 : 0) << tuf.shift)) & 0xff;
    }
    let v = this.values[mr]! & this.readableMask(decl);
    if (mr === 0 && decl.fields.some((f) => f.name === 'DAI')) {
      const busy = this.clock.nowNs < this.initStartNs + this.daiBusyNs;
      v = (v & ~(1 << fieldOf(decl, 'DAI').shift)) | ((busy ? 1 : 0) << fieldOf(decl, 'DAI').shift);
    }
    return v & 0xff;
  }

  /** Power-up values: declared resets, identity from the part. */
  private resetValues(): void {
    for (const [mr, d] of this.decls) this.values[mr] = d.reset;
    const p = this.config.part;
    this.values[5] = p.mr5;
    this.values[6] = p.mr6;
    this.values[7] = p.mr7;
    this.values[8] = p.mr8;
  }

  /** MR63 reset: defaults restored, device auto-initialisation (MR0.DAI = 1) restarts. */
  private reset(): void {
    this.resetValues();
    this.initStartNs = this.clock.nowNs;
  }

  private writableMask(decl: RegisterDecl): number {
    let m = 0;
    for (const f of decl.fields) if (f.access !== 'ro') m |= ((1 << f.width) - 1) << f.shift;
    return m & 0xff;
  }

  private readableMask(decl: RegisterDecl): number {
    let m = 0;
    for (const f of decl.fields) if (f.access !== 'wo' && f.access !== 'wsc') m |= ((1 << f.width) - 1) << f.shift;
    return m & 0xff;
  }

  private rawBankMr(): number {
    return this.geometry.bankMaskMr === null ? 0 : this.values[this.geometry.bankMaskMr]!;
  }

  private rawSegmentMr(): number {
    return this.geometry.segmentMaskMr === null ? 0 : this.values[this.geometry.segmentMaskMr]!;
  }

  private partLabel(): string {
    const d = this.config.part.densityMbit;
    const size = d >= 1024 && d % 1024 === 0 ? `${d / 1024} Gb` : `${d} Mb`;
    return `${this.standard} ${size} x${this.config.part.ioWidth}`;
  }

  private note(mr: number): string {
    const n = this.spec.mrNotes[mr];
    return n === undefined ? '' : ` (${n})`;
  }

  private guestError(message: string): void {
    this.trace.emit({ kind: 'guest.error', source: this.id, message: `${this.id}: ${message}` });
  }
}

function fmtNs(ns: number): string {
  return `${Number(ns.toFixed(3))} ns`;
}
