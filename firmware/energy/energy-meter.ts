import type { Board } from '../../hal/board/board.js';
import type { PlatformPower } from '../../hal/board/board-config.js';
import { ARRAY_SHARE_ANCHORS } from '../../hal/lpddr/array-share.js';
import { awakePower } from '../../hal/lpddr/awake-power.js';
import type { LpddrDie } from '../../hal/lpddr/die.js';
import { selfRefreshPower, type ShareChoice } from '../../hal/lpddr/power.js';
import { refreshRateAt } from '../../hal/lpddr/standards.js';
import { applyCostOverrides, type MechanismCosts } from '../mm/costs.js';

/**
 * The energy meter of a system run: DRAM energy per die and per interval, event-based (one call per
 * awake or self-refresh interval, never per clock), plus the CPU energy of mechanism work and, when the
 * board config gives it, the whole platform's.
 *
 *  - awake(ns, activeShare): every die draws its background (power-down when idle, active standby for
 *    `activeShare` of the time) and auto-refresh power at its temperature; on LPDDR5 with PARC set
 *    (MR25), auto-refresh skips the segments MR23 masks now (hal/lpddr/awake-power.ts).
 *  - selfRefresh(ns, fractions?): every die draws IDD6 for the refreshed fraction of its masks (the
 *    latched ones while in self-refresh, else the ones it would latch), at its temperature
 *    (hal/lpddr/power.ts). The platform is suspended for the interval.
 *  - mechanism(cpuNs): CPU energy of mechanism work at the cost table's energy.cpuActiveW. The caller's
 *    awake intervals must cover that time too: this is the CPU's extra power, not a separate interval.
 *
 * Part currents are per chip; a die id that stands for several chips receiving the same MRWs (`chips`)
 * draws that many times as much. Every DRAM figure is a band: `mid` with the default arrayShare, `low` and `high` with the lowest and
 * the highest share the LPDDR1 data allow (rails with an explicit arrayShare use it in all three).
 * `savedJ` is what the masks (and PARC) saved against the same intervals with every die fully
 * refreshed. Temperatures outside a part's self-refresh table are clamped and listed in `clamped`.
 *
 * Invariants (checkInvariants): every accumulated figure is finite and >= 0; per die, the self-refresh
 * energy with the low share >= with the default >= with the high share (a larger share means less IDD6
 * at f < 1) and the saving the other way round; the refresh part of the awake energy <= the awake energy.
 * The totals of report() are sums over the dies.
 */

export interface Band {
  readonly mid: number;
  readonly low: number;
  readonly high: number;
}

export interface DieEnergy {
  /** Temperature used at the last interval. */
  readonly temperatureC: number;
  /** Background plus auto-refresh, awake intervals. */
  readonly awakeJ: number;
  /** The auto-refresh part of awakeJ. */
  readonly awakeRefreshJ: number;
  readonly selfRefreshJ: Band;
  /** Energy the masks saved against full-array refresh over the same intervals. */
  readonly savedJ: Band;
}

export interface PlatformEnergy {
  readonly joules: number;
  readonly awakeJ: number;
  readonly suspendedJ: number;
  readonly source: string;
  readonly estimate: boolean;
  /** savedJ as a share of the platform's energy over the same intervals. */
  readonly savedShare: Band;
}

export interface EnergyReport {
  /** awakeJ + selfRefreshJ, per share choice. */
  readonly dramJ: Band;
  readonly awakeJ: number;
  readonly selfRefreshJ: Band;
  readonly savedJ: Band;
  readonly cpuJ: number;
  readonly awakeNs: number;
  readonly selfRefreshNs: number;
  readonly cpuNs: number;
  /** Present when the board config gives platform power. */
  readonly platform?: PlatformEnergy;
  readonly perDie: Readonly<Record<string, DieEnergy>>;
  /** Dies and temperatures outside a table, as sentences; [] when none. */
  readonly clamped: readonly string[];
}

export interface EnergyMeterOptions {
  /** One temperature for every die (a run's --temperature); default: each die's own. */
  readonly temperatureC?: number;
  /** Mechanism costs; default: the board config's kernel.costs over the defaults. */
  readonly costs?: MechanismCosts;
}

const SHARES: readonly ShareChoice[] = ['mid', 'low', 'high'];

interface BandAcc {
  mid: number;
  low: number;
  high: number;
}

const zero = (): BandAcc => ({ mid: 0, low: 0, high: 0 });

/** Self-refresh watts of one die as fixed + f * array, per share choice, at one temperature. */
interface SrLine {
  readonly temperatureC: number;
  readonly fixedW: Band;
  readonly arrayW: Band;
}

interface DieAcc {
  readonly die: LpddrDie;
  temperatureC: number;
  awakeJ: number;
  awakeRefreshJ: number;
  selfRefreshJ: BandAcc;
  savedJ: BandAcc;
  line: SrLine | null;
  awakeLine: AwakeLine | null;
}

/** Awake watts of one die at one temperature: background idle and active, auto-refresh of the full array. */
interface AwakeLine {
  readonly temperatureC: number;
  readonly idleW: number;
  readonly activeW: number;
  readonly refreshFullW: number;
}

export class EnergyMeter {
  private readonly dies: DieAcc[];
  private readonly dieIds: ReadonlySet<string>;
  private readonly platformPower: PlatformPower | undefined;
  private readonly costs: MechanismCosts;
  private readonly temperatureC: number | undefined;
  private readonly clampNotes = new Set<string>();
  private awakeNs = 0;
  private selfRefreshNs = 0;
  private cpuNs = 0;
  private cpuJ = 0;
  private platformAwakeJ = 0;
  private platformSuspendedJ = 0;

  constructor(
    private readonly board: Pick<Board, 'config' | 'dies'>,
    opts: EnergyMeterOptions = {},
  ) {
    if (opts.temperatureC !== undefined && !Number.isFinite(opts.temperatureC))
      throw new RangeError(`temperature ${opts.temperatureC} C is not a finite number`);
    this.temperatureC = opts.temperatureC;
    this.platformPower = board.config.platform;
    this.costs =
      opts.costs ??
      applyCostOverrides(board.config.kernel.costs, {
        where: `${board.config.file}: kernel.costs`,
        pageBytes: board.config.kernel.pageSize,
        blockBytes: board.config.kernel.memoryBlockBytes,
      });
    this.dies = board.dies.map((die) => ({
      die,
      temperatureC: this.temperatureOf(die),
      awakeJ: 0,
      awakeRefreshJ: 0,
      selfRefreshJ: zero(),
      savedJ: zero(),
      line: null,
      awakeLine: null,
    }));
    this.dieIds = new Set(board.dies.map((d) => d.id));
  }

  /** An awake interval: background and auto-refresh on every die, platform awake. */
  awake(durationNs: number, activeShare: number): void {
    checkDuration(durationNs, 'awake');
    if (!(activeShare >= 0 && activeShare <= 1)) throw new RangeError(`active share ${activeShare} is outside 0..1`);
    const s = durationNs * 1e-9;
    for (const d of this.dies) {
      const line = this.awakeLineOf(d);
      // PARC (LPDDR5 MR25): REFab skips the segments MR23 masks now.
      const p = d.die.parc ? d.die.refreshedFraction : 1;
      const refreshW = line.refreshFullW * p;
      d.awakeJ += (line.idleW + activeShare * (line.activeW - line.idleW) + refreshW) * s;
      d.awakeRefreshJ += refreshW * s;
      if (p < 1) {
        const saved = line.refreshFullW * (1 - p) * s;
        for (const k of SHARES) d.savedJ[k] += saved;
      }
    }
    this.awakeNs += durationNs;
    if (this.platformPower) this.platformAwakeJ += this.platformPower.awakeW * s;
  }

  /**
   * A self-refresh interval (system suspended): every die at the refreshed fraction of its masks, or
   * at `fractions[dieId]` when given.
   */
  selfRefresh(durationNs: number, fractions?: Readonly<Record<string, number>>): void {
    checkDuration(durationNs, 'self-refresh');
    if (fractions !== undefined)
      for (const id in fractions)
        if (!this.dieIds.has(id))
          throw new Error(`self-refresh fraction for unknown die ${id} (dies: ${[...this.dieIds].join(', ')})`);
    const s = durationNs * 1e-9;
    for (const d of this.dies) {
      const f = fractions?.[d.die.id] ?? d.die.refreshedFraction;
      if (!(f >= 0 && f <= 1)) throw new RangeError(`die ${d.die.id}: refreshed fraction ${f} is outside 0..1`);
      const line = this.lineOf(d);
      for (const k of SHARES) {
        d.selfRefreshJ[k] += (line.fixedW[k] + f * line.arrayW[k]) * s;
        d.savedJ[k] += (1 - f) * line.arrayW[k] * s;
      }
    }
    this.selfRefreshNs += durationNs;
    if (this.platformPower) this.platformSuspendedJ += this.platformPower.suspendedW * s;
  }

  /** CPU energy of `cpuNs` of mechanism work (migration, reclaim, hotplug, ...). */
  mechanism(cpuNs: number): void {
    checkDuration(cpuNs, 'mechanism');
    this.cpuNs += cpuNs;
    this.cpuJ += this.costs.energyJ(cpuNs);
  }

  report(): EnergyReport {
    const perDie: Record<string, DieEnergy> = {};
    const selfRefreshJ = zero();
    const savedJ = zero();
    let awakeJ = 0;
    for (const d of this.dies) {
      perDie[d.die.id] = {
        temperatureC: d.temperatureC,
        awakeJ: d.awakeJ,
        awakeRefreshJ: d.awakeRefreshJ,
        selfRefreshJ: { ...d.selfRefreshJ },
        savedJ: { ...d.savedJ },
      };
      awakeJ += d.awakeJ;
      for (const k of SHARES) {
        selfRefreshJ[k] += d.selfRefreshJ[k];
        savedJ[k] += d.savedJ[k];
      }
    }
    const dramJ = { mid: awakeJ + selfRefreshJ.mid, low: awakeJ + selfRefreshJ.low, high: awakeJ + selfRefreshJ.high };
    const p = this.platformPower;
    const platformJ = this.platformAwakeJ + this.platformSuspendedJ;
    const share = (x: number): number => (platformJ > 0 ? x / platformJ : 0);
    return {
      dramJ,
      awakeJ,
      selfRefreshJ,
      savedJ,
      cpuJ: this.cpuJ,
      awakeNs: this.awakeNs,
      selfRefreshNs: this.selfRefreshNs,
      cpuNs: this.cpuNs,
      ...(p
        ? {
            platform: {
              joules: platformJ,
              awakeJ: this.platformAwakeJ,
              suspendedJ: this.platformSuspendedJ,
              source: p.source,
              estimate: p.estimate,
              savedShare: { mid: share(savedJ.mid), low: share(savedJ.low), high: share(savedJ.high) },
            },
          }
        : {}),
      perDie,
      clamped: [...this.clampNotes],
    };
  }

  checkInvariants(): void {
    const bad: string[] = [];
    const ok = (x: number): boolean => Number.isFinite(x) && x >= 0;
    for (const d of this.dies) {
      const all = [
        d.awakeJ,
        d.awakeRefreshJ,
        ...SHARES.map((k) => d.selfRefreshJ[k]),
        ...SHARES.map((k) => d.savedJ[k]),
      ];
      if (!all.every(ok)) bad.push(`${d.die.id}: a figure is negative or not finite (${all.join(', ')})`);
      const e = d.selfRefreshJ;
      const v = d.savedJ;
      const eps = 1e-12 * Math.max(1, e.low);
      if (!(e.high <= e.mid + eps && e.mid <= e.low + eps))
        bad.push(`${d.die.id}: self-refresh energy ${e.low}/${e.mid}/${e.high} (low/mid/high share) is not descending`);
      if (!(v.low <= v.mid + eps && v.mid <= v.high + eps))
        bad.push(`${d.die.id}: saving ${v.low}/${v.mid}/${v.high} (low/mid/high share) is not ascending`);
      if (d.awakeRefreshJ > d.awakeJ + 1e-12) bad.push(`${d.die.id}: refresh part exceeds the awake energy`);
    }
    if (![this.awakeNs, this.selfRefreshNs, this.cpuNs, this.cpuJ].every(ok)) bad.push('a total is negative');
    if (bad.length > 0) throw new Error(`energy meter invariants broken: ${bad.join('; ')}`);
  }

  private temperatureOf(die: LpddrDie): number {
    return this.temperatureC ?? die.temperatureC;
  }

  /** The die's awake power at its current temperature (recomputed when that changes), chips included. */
  private awakeLineOf(d: DieAcc): AwakeLine {
    const die = d.die;
    const t = this.temperatureOf(die);
    d.temperatureC = t;
    if (d.awakeLine !== null && d.awakeLine.temperatureC === t) return d.awakeLine;
    const part = die.config.part;
    if (part.awake === undefined)
      throw new Error(
        `${this.board.config.file}: dram.parts.${part.name}.awake: no awake power table (IDD2P, IDD3N, IDD5 per rail), so die ${die.id} has no awake energy`,
      );
    const chips = die.config.chips ?? 1;
    const at = (activeShare: number) =>
      awakePower(part.awake!, {
        activeShare,
        tRFCabNs: die.timings.tRFCab,
        tREFIns: die.timings.tREFI,
        refreshRate: refreshRateAt(die.standard, t),
        refreshedFraction: 1,
      });
    const idle = at(0);
    d.awakeLine = {
      temperatureC: t,
      idleW: idle.backgroundW * chips,
      activeW: at(1).backgroundW * chips,
      refreshFullW: idle.refreshW * chips,
    };
    return d.awakeLine;
  }

  /** The die's self-refresh power line at its current temperature (recomputed when that changes). */
  private lineOf(d: DieAcc): SrLine {
    const t = this.temperatureOf(d.die);
    d.temperatureC = t;
    if (d.line !== null && d.line.temperatureC === t) return d.line;
    const part = d.die.config.part;
    const chips = d.die.config.chips ?? 1;
    const fixedW = zero();
    const arrayW = zero();
    for (const k of SHARES) {
      const empty = selfRefreshPower(part.power, t, 0, k);
      const full = selfRefreshPower(part.power, t, 1, k);
      fixedW[k] = empty.watts * chips;
      arrayW[k] = (full.watts - empty.watts) * chips;
      if (k === 'mid') this.noteClamps(d.die, t, full);
    }
    d.line = { temperatureC: t, fixedW, arrayW };
    return d.line;
  }

  private noteClamps(die: LpddrDie, t: number, p: ReturnType<typeof selfRefreshPower>): void {
    const part = die.config.part;
    const span = `${part.power[0]!.temperatureC}-${part.power[part.power.length - 1]!.temperatureC} °C`;
    if (p.clamped !== 'none')
      this.clampNotes.add(
        `${die.id}: ${t} °C is ${p.clamped} the ${part.name} self-refresh table (${span}): evaluated at ${p.tableTemperatureC} °C`,
      );
    const lo = ARRAY_SHARE_ANCHORS[0]!.temperatureC;
    const hi = ARRAY_SHARE_ANCHORS[ARRAY_SHARE_ANCHORS.length - 1]!.temperatureC;
    for (const at of p.shareRuleClampedAtC)
      this.clampNotes.add(
        `${part.name}: default arrayShare for the ${at} °C table point taken at ${at < lo ? lo : hi} °C (the LPDDR1 data span ${lo}-${hi} °C)`,
      );
  }
}

function checkDuration(ns: number, what: string): void {
  if (!(ns >= 0) || !Number.isFinite(ns))
    throw new RangeError(`${what} duration ${ns} ns is not a finite non-negative time`);
}
