import type { Clock } from '../clock.js';
import type { TraceBus } from '../trace/trace-bus.js';
import { MmioBus } from '../mmio-bus.js';
import { LpddrDie, type LpddrDieOptions } from '../lpddr/die.js';
import type { PoisonSink } from '../lpddr/die-port.js';
import { createController, type ControllerOptions } from '../memctrl/create-controller.js';
import { mapController, type MemoryController } from '../memctrl/memory-controller.js';
import { AddressMap } from '../address-map/address-map.js';
import type { BoardConfig } from './board-config.js';

export interface BoardOptions {
  readonly die?: LpddrDieOptions;
  readonly controllers?: ControllerOptions;
}

/**
 * An emulated board: its dies, memory controllers mapped on an MMIO bus, its address map
 * and the state of its DRAM contents.
 *
 * DRAM contents are modelled only as far as PASR needs: one byte per page frame that says
 * whether the page has lost its data (it sat, wholly or partly, in a bank or segment that was
 * masked during a self-refresh). The firmware's integrity checker compares that with the pages
 * it considers live.
 *
 * Invariants (checkInvariants):
 *  (a) every die belongs to exactly one controller, and the address map knows every die;
 *  (b) every controller's register state agrees with its model (the controller's own check);
 *  (c) poisoned[] has one entry per page frame of DRAM, each 0 or 1.
 */
export class Board implements PoisonSink {
  readonly bus = new MmioBus();
  readonly dies: readonly LpddrDie[];
  readonly controllers: readonly MemoryController[];
  readonly addressMap: AddressMap;
  /** First page frame of DRAM. */
  readonly firstPfn: number;
  /** poisoned[pfn - firstPfn] = 1 once that page's contents were lost. */
  readonly poisoned: Uint8Array;
  private readonly dieById = new Map<string, LpddrDie>();
  private readonly poisonedRanges: number[] = [];

  constructor(
    readonly config: BoardConfig,
    readonly clock: Clock,
    readonly trace: TraceBus,
    options: BoardOptions = {},
  ) {
    const pageSize = config.kernel.pageSize;
    this.firstPfn = config.dramBase / pageSize;
    this.poisoned = new Uint8Array(config.dramSize / pageSize);
    // A die's own temperature (die config) wins over the board's; options.die over both.
    const dieOptions = (d: (typeof config.dies)[number]): LpddrDieOptions => ({
      temperatureC: d.temperatureC ?? config.temperatureC,
      ...options.die,
    });
    this.dies = config.dies.map((d) => new LpddrDie(d, config.standard, clock, trace, this, dieOptions(d)));
    for (const d of this.dies) this.dieById.set(d.id, d);
    this.controllers = config.controllers.map((c) =>
      createController(
        c,
        c.dies.map((d) => this.die(d.id)),
        clock,
        trace,
        options.controllers,
      ),
    );
    for (const c of this.controllers) mapController(this.bus, c);
    this.addressMap = new AddressMap(
      config.addressMap,
      config.dramBase,
      config.dramSize,
      this.dies.map((d) => ({
        id: d.id,
        controller: d.config.controller,
        rank: d.config.rank,
        channel: d.config.channel,
        rows: d.geometry.rows,
      })),
      pageSize,
    );
  }

  die(id: string): LpddrDie {
    const d = this.dieById.get(id);
    if (!d)
      throw new Error(`board ${this.config.name} has no die ${id} (dies: ${[...this.dieById.keys()].join(', ')})`);
    return d;
  }

  controller(id: string): MemoryController {
    const c = this.controllers.find((x) => x.id === id);
    if (!c) throw new Error(`board ${this.config.name} has no controller ${id}`);
    return c;
  }

  /**
   * The masks a die will latch at its next self-refresh entry: those its controller will write
   * first (the PRCMU mailbox applies PASR masks at sleep), else those its mode registers hold.
   */
  masksAtNextSelfRefresh(dieId: string): { bankMask: number; segmentMask: number; refreshedFraction: number } {
    const die = this.die(dieId);
    const pending = this.controller(die.config.controller).pendingMasks?.(dieId);
    return pending === undefined ? die.currentMasks : die.masksFor(pending.mr16, pending.mr17);
  }

  /** Forget which pages lost their data: a new self-refresh cycle starts (see countLostPages()). */
  clearPoison(): void {
    const r = this.poisonedRanges;
    for (let i = 0; i < r.length; i += 2) this.poisoned.fill(0, r[i]! - this.firstPfn, r[i + 1]! - this.firstPfn);
    r.length = 0;
  }

  /** PoisonSink: a die left self-refresh with these banks/segments unrefreshed. */
  poison(dieId: string, maskedBanks: number, maskedSegments: number): number {
    return this.addressMap.forEachTouchedRange(dieId, maskedBanks, maskedSegments, (s, e) => {
      const a = Math.max(s, this.firstPfn);
      const z = Math.min(e, this.firstPfn + this.poisoned.length);
      if (a >= z) return;
      this.poisonedRanges.push(a, z);
      this.poisoned.fill(1, a - this.firstPfn, z - this.firstPfn);
    });
  }

  /**
   * Calls cb(startPfn, endPfn) for the pfn ranges poisoned since the last clearPoison(), sorted
   * and merged (interleaved dies poison the same frames): checks visit what was lost instead of
   * scanning all of DRAM.
   */
  forEachPoisonedRange(cb: (startPfn: number, endPfn: number) => void): void {
    const r = this.poisonedRanges;
    const order = Array.from({ length: r.length / 2 }, (_, i) => i).sort((a, b) => r[2 * a]! - r[2 * b]!);
    let s = -1;
    let e = -1;
    for (const i of order) {
      const a = r[2 * i]!;
      const z = r[2 * i + 1]!;
      if (a > e) {
        if (s >= 0) cb(s, e);
        s = a;
        e = z;
      } else if (z > e) e = z;
    }
    if (s >= 0) cb(s, e);
  }

  /** Number of poisoned pages in [startPfn, endPfn). */
  poisonedIn(startPfn: number, endPfn: number): number {
    let n = 0;
    const a = Math.max(0, startPfn - this.firstPfn);
    const z = Math.min(this.poisoned.length, endPfn - this.firstPfn);
    for (let i = a; i < z; i++) n += this.poisoned[i]!;
    return n;
  }

  checkInvariants(): void {
    const owners = new Map<string, string>();
    for (const c of this.controllers) {
      for (const d of c.dies) {
        const prev = owners.get(d.id);
        if (prev !== undefined) throw new Error(`die ${d.id} belongs to ${prev} and ${c.id}`);
        owners.set(d.id, c.id);
      }
      c.checkInvariants();
    }
    for (const d of this.dies) {
      if (!owners.has(d.id)) throw new Error(`die ${d.id} has no controller`);
      if (!this.addressMap.dieIds.includes(d.id)) throw new Error(`die ${d.id} is not in the address map`);
      d.checkInvariants();
    }
    for (let i = 0; i < this.poisoned.length; i++) {
      if (this.poisoned[i]! > 1) throw new Error(`poisoned[${i}] = ${this.poisoned[i]}`);
    }
  }
}
