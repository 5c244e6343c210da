/**
 * hotplug: the vendor route (Qualcomm mem-offline with its PSI daemon, linux-mm.md §3.1).
 * Memory blocks of ZONE_MOVABLE are offlined through memory hotplug (linux-mm.md §4.5) and the
 * PASR units they empty are masked (mem-offline.ts); the memory stays offline across suspends
 * and comes back when memory pressure asks for it.
 *
 * When it offlines: when the system is idle (onIdle, just before autosleep) and when userspace
 * asks (the knob's inflate), unless pressure was seen within the holdoff. It offlines units one
 * by one while what would stay available covers the demand:
 *     MemAvailable - pages of the unit's online blocks >= Σ zone high watermarks + expected demand
 * (MemAvailable as si_mem_available() computes it; the demand is the scenario's hint, as for a
 * balloon governor). Order: cheapest first (the unit whose offline migrates the fewest live
 * pages: every unit saves the same, and the cost is the pages migrated; mem-offline exposes
 * memoryN/allocated_bytes so its daemon can pick the same way), ties and `--order top-down`
 * from the top of memory down, where vendors place their hotplugged memory.
 *
 * When it onlines (the pressure signal): Qualcomm's daemon hot-adds segments one after the
 * other when PSI memory-stall triggers fire; the model's stand-in for memory stall is
 * direct reclaim (allocstall) and OOM kills since the last look, and MemAvailable below the
 * offline threshold. It looks once per PSI window (1 s, lmkd's PSI_WINDOW_SIZE_MS) while
 * something is offline, at every resume and on the knob's deflate (which onlines everything).
 * On a stall it onlines at least one unit, and enough units to cover the shortfall, the most
 * recently offlined first. The OOM notifier (before the killer) onlines one unit at once: the
 * low-memory notification path (`--oom none` leaves the OOM to the killer, as a PSI daemon
 * alone would). After pressure no offlining for the holdoff.
 *
 * Invariants (checkInvariants()): the driver's (mem-offline.ts); the units offlined here and
 * not onlined since are exactly the wholly offline candidate units.
 */
import { ZONE_MOVABLE } from '../../mm/layout.js';
import { totalreservePages } from '../../mm/proc-views.js';
import { PageKind } from '../../mm/page-flags.js';
import type { PasrPolicy, PolicyContext } from '../policy.js';
import { MemOffline } from './mem-offline.js';

/**
 * The pressure monitor: like Android lmkd's PSI trigger (PSI_WINDOW_SIZE_MS 1000, default
 * ro.lmk.psi_partial_stall_ms 70: "some" memory stall of 70 ms within a 1 s window;
 * https://source.android.com/docs/core/perf/lmkd), it looks once per window while memory is
 * offline and fires on PSI_SOME_STALL_NS of memory stall since its last look.
 */
export const PSI_WINDOW_NS = 1e9;
export const PSI_SOME_STALL_NS = 70e6;

/**
 * Memory stall time the counters imply, ns (what PSI's "some memory" line accumulates): direct
 * reclaim (pages scanned and reclaimed in the allocating task) and refaults of pages still in
 * the workingset (thrashing), at the ledger's per-page costs.
 */
export function memoryStallNs(ctx: PolicyContext): number {
  const ev = ctx.mm.events;
  const c = ctx.mech.costs;
  return (
    ev.pgscan_direct * c.get('reclaim.scanPageNs') +
    ev.pgsteal_direct * c.get('reclaim.dropCleanPageNs') +
    (ev.workingset_activate_file + ev.workingset_activate_anon) * c.perPage('refault.pageNs')
  );
}

/** A duration option value ('7s', '100ms', '5m', '0s') in ns. */
export function parseDurationOption(name: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (!m) throw new Error(`option --${name}: '${v}' is not a duration (like 7s, 100ms, 5m)`);
  const unit = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/**
 * si_mem_available(): free pages above the reserves, plus the page cache and reclaimable slab
 * that reclaim can give back (each less the part it keeps: min(half, the low watermarks)).
 */
export function memAvailablePages(ctx: PolicyContext): number {
  const pa = ctx.mm.pa;
  let free = 0;
  let low = 0;
  let cache = 0;
  let slab = 0;
  for (const z of pa.zones) {
    free += z.nrFreePages;
    low += z.lowWmark;
    cache += z.nrKind[PageKind.FILE_CLEAN]! + z.nrKind[PageKind.FILE_DIRTY]!;
    slab += z.nrKind[PageKind.SLAB_RECLAIMABLE]!;
  }
  let available = free - totalreservePages(pa);
  available += cache - Math.min(cache / 2, low);
  available += slab - Math.min(slab / 2, low);
  return Math.max(0, available);
}

export interface HotplugOptions {
  readonly offlineTimeoutNs: number;
  readonly order: 'cheapest' | 'top-down';
  readonly kernelBlocks: boolean;
  readonly followKnob: boolean;
  readonly oomOnline: boolean;
  readonly holdoffNs: number;
  readonly dropClean: boolean;
}

export function hotplugOptions(o: Readonly<Record<string, string>>): HotplugOptions {
  return {
    offlineTimeoutNs: parseDurationOption('offline-timeout', o['offline-timeout'] ?? '7s'),
    order: o.order === 'top-down' ? 'top-down' : 'cheapest',
    kernelBlocks: o['kernel-blocks'] === 'try',
    followKnob: o.knob !== 'ignore',
    oomOnline: o.oom !== 'none',
    holdoffNs: parseDurationOption('holdoff', o.holdoff ?? '5m'),
    dropClean: o.evict === 'drop-clean',
  };
}

export function hotplugPolicy(options: Readonly<Record<string, string>> = {}): PasrPolicy {
  const opt = hotplugOptions(options);
  let ctx: PolicyContext;
  let drv: MemOffline;
  /** Units offlined by the governor, oldest first (onlined last first). */
  const stack: number[] = [];
  let holdoffUntilNs = -Infinity;
  let holdoffWhy = '';
  let lastStalls = 0;
  let lastKills = 0;
  let cancelTimer: (() => void) | null = null;
  let lastSkip = '';
  const counts = { pressureOnlines: 0, oomOnlines: 0, knobOnlines: 0, unitsOnlined: 0, maxUnitsMasked: 0 };

  const stalls = (): number => memoryStallNs(ctx);
  const need = (): number => {
    let high = 0;
    for (const z of ctx.mm.pa.zones) high += z.highWmark;
    return high + ctx.expectedDemandPages();
  };
  /** Forget stalls and kills the policy's own work caused (migration targets may reclaim). */
  const resetSignals = (): void => {
    lastStalls = stalls();
    lastKills = ctx.mm.events.oom_kill;
  };

  const order = (units: number[]): number[] => {
    const top = (a: number, b: number): number => drv.unitStart(b) - drv.unitStart(a);
    if (opt.order === 'top-down') return units.sort(top);
    const cost = new Map(units.map((u) => [u, drv.migrationEstimate(u)]));
    return units.sort((a, b) => cost.get(a)! - cost.get(b)! || top(a, b));
  };

  const armMonitor = (): void => {
    if (cancelTimer !== null || stack.length === 0) return;
    cancelTimer = ctx.schedule(PSI_WINDOW_NS, () => {
      cancelTimer = null;
      checkPressure('psi window');
      armMonitor();
    });
  };

  /** Offline units while the demand stays covered. */
  const offlineSized = (why: string): void => {
    const now = ctx.clock.nowNs;
    if (now < holdoffUntilNs) {
      skip(`no offlining for ${((holdoffUntilNs - now) / 1e9).toFixed(0)} s more: ${holdoffWhy}`);
      return;
    }
    const candidates = order(
      ctx.map.units.filter((u) => drv.isCandidate(u.index) && !ctx.core.isMasked(u.index)).map((u) => u.index),
    );
    let acted = false;
    const held: string[] = [];
    for (const u of candidates) {
      // Masked meanwhile: its block, larger than the unit, went offline with another unit.
      if (ctx.core.isMasked(u)) continue;
      const not = drv.prepare(u);
      if (not !== null) {
        held.push(not);
        continue;
      }
      const pages = drv.pagesToOffline(u);
      const avail = memAvailablePages(ctx);
      if (avail - pages < need()) {
        held.push(`unit ${u}: MemAvailable ${avail} - ${pages} pages < ${need()} needed`);
        continue;
      }
      acted = true;
      const before = drv.maskedUnits();
      const r = drv.offlineUnit(u);
      if (r.ok) {
        stack.push(u);
        const now = drv.maskedUnits().filter((v) => !before.includes(v));
        ctx.decide(
          'offline',
          `${why}: unit${now.length > 1 ? 's' : ''} ${now.join(', ')} masked (memory${r.blocks.join(',')} offline, ${r.migrated} pages migrated; MemAvailable was ${avail}, need ${need()})`,
        );
      } else {
        const back = r.rolledBack.length > 0 ? `; memory${r.rolledBack.join(',')} back online` : '';
        ctx.decide(
          'offline-failed',
          `${why}: unit ${u}: memory${r.failed.blockId} ${r.failed.status}: ${r.failed.reason}${back}`,
        );
      }
    }
    resetSignals();
    counts.maxUnitsMasked = Math.max(counts.maxUnitsMasked, ctx.core.nrMasked);
    armMonitor();
    if (held.length > 0) skip(held.join('; '));
    else if (!acted) skip('no candidate unit left');
  };

  const holdOff = (why: string): void => {
    holdoffUntilNs = ctx.clock.nowNs + opt.holdoffNs;
    holdoffWhy = why;
  };

  /** Log why nothing was done, once per distinct reason. */
  const skip = (reason: string): void => {
    if (reason === lastSkip) return;
    lastSkip = reason;
    ctx.decide('hold', reason);
  };

  /** Online units from the most recent, until `pages` are back (at least one unit). */
  const onlineUnits = (pages: number, why: string): number => {
    let back = 0;
    let n = 0;
    const before = drv.maskedUnits();
    while (stack.length > 0 && (n === 0 || back < pages)) {
      back += drv.onlineUnit(stack.pop()!);
      n++;
    }
    // A unit that shared a block with one onlined here is no longer masked either.
    for (let i = stack.length - 1; i >= 0; i--) if (!ctx.core.isMasked(stack[i]!)) stack.splice(i, 1);
    const units = before.filter((u) => !ctx.core.isMasked(u));
    if (n > 0) {
      counts.unitsOnlined += n;
      ctx.decide('online', `${why}: unit${units.length > 1 ? 's' : ''} ${units.join(', ')} unmasked and onlined`);
    }
    return back;
  };

  const checkPressure = (when: string): void => {
    if (stack.length === 0) return;
    const st = stalls() - lastStalls;
    const kills = ctx.mm.events.oom_kill - lastKills;
    const avail = memAvailablePages(ctx);
    const short = need() - avail;
    if (st >= PSI_SOME_STALL_NS || kills > 0 || short > 0) {
      const signal = [
        st >= PSI_SOME_STALL_NS ? `memory stall ${(st / 1e6).toFixed(0)} ms` : '',
        kills > 0 ? `${kills} OOM kills` : '',
        short > 0 ? `MemAvailable ${avail} < ${need()}` : '',
      ]
        .filter((s) => s !== '')
        .join(', ');
      counts.pressureOnlines++;
      onlineUnits(Math.max(short, 1), `${when}: ${signal}`);
      holdOff('memory pressure was seen');
    }
    resetSignals();
  };

  return {
    name: 'hotplug',
    attach(c) {
      ctx = c;
      drv = new MemOffline(c, {
        policy: 'hotplug',
        offlineTimeoutNs: opt.offlineTimeoutNs,
        kernelBlocks: opt.kernelBlocks,
        dropClean: opt.dropClean,
      });
      resetSignals();
    },
    cannotAct() {
      return cannotActReason(ctx, drv);
    },
    onIdle() {
      checkPressure('idle');
      offlineSized('idle');
    },
    afterResume() {
      checkPressure('resume');
    },
    onKnob(action) {
      if (!opt.followKnob) return;
      if (action === 'deflate') {
        if (stack.length > 0) {
          counts.knobOnlines++;
          onlineUnits(Infinity, 'userspace asked for the memory back');
        }
        holdOff('userspace asked for the memory back');
      } else {
        holdoffUntilNs = -Infinity;
        offlineSized('userspace asked to offline');
      }
    },
    onOom() {
      if (!opt.oomOnline || stack.length === 0) return 0;
      counts.oomOnlines++;
      holdOff('the OOM notifier ran');
      return onlineUnits(1, 'OOM notifier');
    },
    notes() {
      return drv.notes();
    },
    stats() {
      return { ...drv.counters, ...counts, unitsMasked: ctx.core.nrMasked };
    },
    checkInvariants() {
      drv.checkInvariants();
      const masked = drv.maskedUnits();
      const want = [...stack].sort((a, b) => a - b);
      // Units masked as a side effect (a block larger than a unit) are masked but not stacked.
      for (const u of want)
        if (!masked.includes(u))
          throw new Error(`hotplug invariant violated: unit ${u} was offlined but is not masked`);
      for (const u of masked) {
        const via = stack.some((s) => drv.unitBlocks[s]!.some((b) => drv.unitBlocks[u]!.includes(b)));
        if (!via)
          throw new Error(`hotplug invariant violated: unit ${u} is masked but no offlined unit shares its blocks`);
      }
    },
  };
}

/** Why a hotplug policy cannot act on this board, or null. */
export function cannotActReason(ctx: PolicyContext, drv: MemOffline): string | null {
  const movable = ctx.mm.pa.zones[ZONE_MOVABLE];
  if (!movable || movable.presentPages === 0)
    return 'no ZONE_MOVABLE on this board: hotplug offlines only movable memory blocks (give kernel.movableBytes, the movablecore= boot parameter)';
  const candidates = ctx.map.units.filter((u) => drv.isCandidate(u.index));
  if (candidates.length === 0)
    return `no PASR unit lies wholly in offlinable memory blocks (ZONE_MOVABLE ${movable.spannedPages} pages; memory blocks of ${drv.blockPages(drv.ctx.mech.hotplug.firstBlock)} pages)`;
  if (candidates.every((u) => drv.isNever(u.index)))
    return `no PASR unit with memory in ZONE_MOVABLE can be masked: ${drv
      .refreshedUnits()
      .map((r) => `unit ${r.unit}: ${r.why}`)
      .join('; ')}`;
  return null;
}
