/**
 * The PASR core: the only code that masks and unmasks. Policies decide; the core checks and
 * programs.
 *
 * A unit is masked by setting its bit in the PASR mask register (MR17/MR23 segments, MR16 banks)
 * of every die of its interleave group, through the controller drivers' register programs on the
 * board's MMIO bus: what a run does to the hardware is the trace a real board can replay.
 *
 * Invariants (checkInvariants()):
 *  (a) masked[u] = 1 exactly for the units masked through this core (and not unmasked since);
 *  (b) the mask register each die was last programmed with by this core holds the bits of its
 *      group's masked units, and nothing else;
 *  (c) a unit is masked only when the census says it holds no live page: mask() refuses
 *      otherwise. maskUnchecked() exists to show what the safety check catches, nothing else.
 * The order rule (nothing live appears in a masked unit: a policy unmasks before it releases the
 * frames it held there) is checked by maskedLivePages() after every step of a run, and
 * ultimately by the safety check at each self-refresh entry.
 */
import type { Board } from '../../hal/board/board.js';
import { runProgram } from '../../hal/register-program.js';
import type { MemoryControllerDriver } from '../drivers/mr-driver.js';
import type { PasrCensus } from './census.js';
import type { PasrMap, PasrUnit } from './pasr-map.js';

export type MaskResult = { ok: true } | { ok: false; reason: string };

/** A change of mask state, for the run's timeline. */
export interface MaskChange {
  readonly tNs: number;
  readonly unit: number;
  readonly masked: boolean;
  readonly policy: string;
}

export class PasrCore {
  /** 1 for every masked unit. */
  readonly masked: Uint8Array;
  /** Segment (or bank) mask this core last programmed, per die id. */
  private readonly dieMask = new Map<string, number>();
  private maskedCount = 0;
  readonly changes: MaskChange[] = [];
  /** Register-program failures (should never happen on the emulated bus). */
  readonly errors: string[] = [];
  /** Called after every change (the run's trace and meters). */
  onChange: ((unit: PasrUnit, masked: boolean, policy: string) => void) | null = null;

  constructor(
    readonly board: Board,
    readonly drivers: ReadonlyMap<string, MemoryControllerDriver>,
    readonly map: PasrMap,
    readonly census: PasrCensus,
  ) {
    this.masked = new Uint8Array(map.units.length);
    for (const d of board.dies) this.dieMask.set(d.id, 0);
  }

  get nrMasked(): number {
    return this.maskedCount;
  }

  isMasked(unit: number): boolean {
    return this.masked[unit] === 1;
  }

  /** Mask a unit that holds no live page. */
  mask(unit: number, policy: string): MaskResult {
    const u = this.map.units[unit];
    if (u === undefined) return { ok: false, reason: `no PASR unit ${unit}` };
    if (!u.usable) return { ok: false, reason: `unit ${unit} is not whole page frames (unusable)` };
    if (this.masked[unit]) return { ok: true };
    const live = this.census.livePages(unit);
    if (live > 0) return { ok: false, reason: `unit ${unit} holds ${live} live pages` };
    this.program(u, true, policy);
    return { ok: true };
  }

  /**
   * Mask a unit whatever it holds. Only a deliberately unsafe policy uses this, to show that the
   * safety check at self-refresh entry and the integrity check after it catch the loss.
   */
  maskUnchecked(unit: number, policy: string): void {
    const u = this.map.units[unit]!;
    if (!this.masked[unit] && u.usable) this.program(u, true, policy);
  }

  unmask(unit: number, policy: string): void {
    const u = this.map.units[unit];
    if (u === undefined || !this.masked[unit]) return;
    this.program(u, false, policy);
  }

  unmaskAll(policy: string): void {
    for (let u = 0; u < this.masked.length; u++) if (this.masked[u]) this.unmask(u, policy);
  }

  /** Live pages now sitting in masked units (must be 0 after every step of a correct policy). */
  maskedLivePages(): { unit: number; live: number }[] {
    const out: { unit: number; live: number }[] = [];
    for (let u = 0; u < this.masked.length; u++) {
      if (!this.masked[u]) continue;
      const live = this.census.livePages(u);
      if (live > 0) out.push({ unit: u, live });
    }
    return out;
  }

  /** The refreshed fraction each die would have with the masked units (for meters and the oracle). */
  refreshedFractions(masked: Uint8Array = this.masked): Map<string, number> {
    const bits = new Map<string, number>();
    for (const d of this.board.dies) bits.set(d.id, 0);
    for (const u of this.map.units) {
      if (!masked[u.index]) continue;
      for (const d of u.dies) bits.set(d, bits.get(d)! | (2 ** u.bit));
    }
    const out = new Map<string, number>();
    for (const d of this.board.dies) {
      const m = bits.get(d.id)!;
      const bank = this.map.register === 'MR16' ? m : 0;
      const seg = this.map.register === 'MR16' ? 0 : m;
      out.set(d.id, d.masksFor(bank, seg).refreshedFraction);
    }
    return out;
  }

  /**
   * Program one mask change on every die of the unit's group. It runs in atomic context: the
   * controllers answer, but no task (kswapd, kcompactd: they may ask for another mask change)
   * runs in the middle of it.
   */
  private program(u: PasrUnit, on: boolean, policy: string): void {
    this.board.clock.atomic(() => this.programDies(u, on));
    this.changes.push({ tNs: this.board.clock.nowNs, unit: u.index, masked: on, policy });
    this.onChange?.(u, on, policy);
  }

  private programDies(u: PasrUnit, on: boolean): void {
    this.masked[u.index] = on ? 1 : 0;
    this.maskedCount += on ? 1 : -1;
    const bit = 2 ** u.bit;
    for (const dieId of u.dies) {
      const old = this.dieMask.get(dieId)!;
      const next = on ? old | bit : old & ~bit;
      this.dieMask.set(dieId, next);
      const die = this.board.die(dieId);
      const driver = this.drivers.get(die.config.controller);
      if (!driver) {
        this.errors.push(`${dieId}: no driver for controller ${die.config.controller}`);
        continue;
      }
      const p =
        this.map.register === 'MR16' ? driver.pasrMasks(die.config, next, 0) : driver.pasrMasks(die.config, 0, next);
      const r = runProgram(p, this.board.bus, this.board.clock);
      if (!r.ok) this.errors.push(`${p.name}: step ${r.failedAt + 1}: ${r.reason}`);
    }
  }

  checkInvariants(): void {
    let n = 0;
    const want = new Map<string, number>();
    for (const d of this.board.dies) want.set(d.id, 0);
    for (const u of this.map.units) {
      if (!this.masked[u.index]) continue;
      n++;
      for (const d of u.dies) want.set(d, want.get(d)! | (2 ** u.bit));
    }
    if (n !== this.maskedCount)
      throw new Error(`PASR core invariant violated: ${this.maskedCount} masked, ${n} flagged`);
    for (const [d, m] of want) {
      if (this.dieMask.get(d) !== m)
        throw new Error(
          `PASR core invariant violated: die ${d} was programmed with mask 0x${this.dieMask.get(d)!.toString(16)}, its masked units make 0x${m.toString(16)}`,
        );
    }
  }
}
