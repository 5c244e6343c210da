/**
 * balloon: the design Mel Gorman proposed in his review of the 2012 PASR RFC (linux-mm.md §1.8,
 * §8 item 6): no hook in the page allocator; a balloon driver that takes whole PASR units
 * (balloon-driver.ts) and a governor that decides when, with the memory given back under
 * pressure by one of three deflate triggers (`--deflate`).
 *
 * Governor (nothing on the allocator's paths): it runs when the system is idle (onIdle), before
 * a suspend (beforeSuspend), on the userspace knob (onKnob 'inflate'), and every
 * GOVERNOR_POLL_NS of awake time (the "no memory pressure" trigger). It inflates only without
 * memory pressure: free pages above the zones' high watermarks plus FREE_MARGIN_SHARE of their
 * managed pages, so that inflating does not itself wake kswapd. It sizes the balloon so that the
 * workload's expected demand (ctx.expectedDemandPages()) still fits above that floor after
 * inflating: a unit is taken only if
 *     free - need(unit) >= sum(high) + sum(margin) + expected demand
 * and, in a zone other than the highest, the zone stays above its high watermark plus margin
 * (it serves allocations that cannot fall back), where need(unit) = its free,
 * anon and dirty page-cache pages (the free frames it takes and the frames its movable pages
 * migrate to; its clean page cache is dropped, which frees as many frames as it takes).
 * Units are taken cheapest first and re-ranked after each one (migration moves pages around):
 * never one with unmovable, pinned or reclaimable-slab pages, nor one overlapping a CMA area
 * (device drivers' memory); by estimated cost, clean page cache dropped at contig.discardNsPerMiB
 * and anon and dirty pages migrated at contig.migrateNsPerMiB, so a unit with only free pages
 * comes before one with page cache, before one with anon pages; ties go to the highest unit.
 * A unit whose emptying fails is given back whole by the driver, recorded, and not tried again
 * for BUSY_BACKOFF_NS.
 *
 * Deflate (release) triggers, by `--deflate`:
 *  - shrinker (default; virtio-balloon 2018, commit 71994620bb25, linux-mm.md §4.1, §4.3): a
 *    shrinker whose count is the balloon's pages and whose scan releases units, lowest zone
 *    first, newest first, until nr_to_scan pages are back. Reclaim of page cache then shrinks
 *    the balloon, which the governor inflates again at the next idle: the "busy no-op" that
 *    made virtio-balloon go back to an OOM notifier in 2020.
 *  - oom (virtio-balloon 2020, DEFLATE_ON_OOM): only the OOM notifier releases, one unit per
 *    call, before the OOM killer picks a victim.
 *  - psi: when the share of the last PSI_WINDOW_NS spent stalled in direct reclaim and direct
 *    compaction (mech.psi, PSI memory `some`) reaches PSI_THRESHOLD at the end of a stall, the
 *    whole balloon is released (the governor sized it wrong); events are rate-limited to one per
 *    window, as PSI triggers are. The OOM notifier stays as the backstop for demand that arrives
 *    faster than the signal builds up (counted apart: releasesOom).
 * The knob's 'deflate' releases everything. After any release the poll does not inflate again
 * until the system is next idle. A request made inside a clock alarm (kswapd runs on one) is
 * carried out right after it, from the system's event queue: a mask program waits for the
 * memory controller, which cannot complete inside an alarm (hal/clock.ts); the scan returns
 * SHRINK_STOP meanwhile.
 *
 * Flaps (`balloonFlaps` in stats()): an inflation that comes at most FLAP_WINDOW_NS after a unit
 * was released by a pressure trigger (shrinker, OOM notifier or PSI, not the knob), each release
 * matched by at most one inflation, oldest first: the balloon growing back what pressure just
 * took from it. (Not only the same unit: after a shrinker release the governor often takes
 * another one, whose page cache it drops, and the next reclaim releases that one.)
 * deflateLatenciesNs(): for each pressure request (a shrinker scan, an OOM notification, a PSI
 * event) that released memory, the time from the request to the last released frame being free.
 *
 * Invariants (checkInvariants()): the driver's; a unit is masked exactly when the balloon holds
 * it (this policy is the run's only masker); no inflation is in progress between steps.
 */
import type { Zone } from '../../mm/zone.js';
import { SHRINK_EMPTY, SHRINK_STOP } from '../../mm/shrinker.js';
import { PasrBalloon } from '../balloon-driver.js';
import type { UnitCensus } from '../census.js';
import type { PasrPolicy, PolicyContext } from '../policy.js';

export const DEFLATE_MODES = ['shrinker', 'oom', 'psi'] as const;
export type DeflateMode = (typeof DEFLATE_MODES)[number];

/** Free pages kept above each zone's high watermark, as a share of its managed pages. */
export const FREE_MARGIN_SHARE = 0.01;
/** Period of the governor's "no memory pressure" check while awake. */
export const GOVERNOR_POLL_NS = 60e9;
/** A unit whose emptying failed is not tried again for this long. */
export const BUSY_BACKOFF_NS = 600e9;
/** An inflation this soon after a pressure release is a flap. */
export const FLAP_WINDOW_NS = 60e9;
/** PSI window (avg10's). */
export const PSI_WINDOW_NS = 10e9;
/**
 * Stall share of the window that triggers a release: 10 ms in 10 s. Low because giving memory
 * back is cheap and undone at the next idle, and because the model's direct reclaim costs only
 * its CPU work (no I/O waits, no throttling) while kswapd keeps up between allocations that
 * advance the clock, so its stalls are short.
 */
export const PSI_THRESHOLD = 0.001;

type Trigger = 'idle' | 'suspend' | 'knob' | 'poll';
type Releaser = 'shrinker' | 'oom' | 'psi' | 'knob';

interface Candidate {
  readonly unit: number;
  readonly c: UnitCensus;
  /** Frames the unit takes from the free pool (free + migrated). */
  readonly need: number;
  readonly estimateNs: number;
}

export function balloonPolicy(options: Readonly<Record<string, string>>): PasrPolicy {
  const mode = (options.deflate ?? 'shrinker') as DeflateMode;
  if (!DEFLATE_MODES.includes(mode)) throw new Error(`balloon: unknown deflate mode '${mode}'`);
  let ctx: PolicyContext;
  let balloon: PasrBalloon;
  /** Units overlapping a CMA area or memblock-reserved memory: never candidates. */
  let structural: (string | null)[] = [];
  let failedAt = new Float64Array(0);
  /** Times of the pressure releases no inflation has matched yet, oldest first. */
  const unmatchedReleases: number[] = [];
  let inflating = false;
  let holdUntilIdle = false;
  let lastNote = '';
  let lastPsiEvent = -Infinity;
  let deferred: { by: Releaser; want: number; t0: number } | null = null;
  const latencies: number[] = [];
  const s = {
    balloonFlaps: 0,
    inflates: 0,
    inflateFailures: 0,
    inflateMigratedPages: 0,
    inflateDiscardedPages: 0,
    releasesShrinker: 0,
    releasesOom: 0,
    releasesPsi: 0,
    releasesKnob: 0,
    psiEvents: 0,
    maxHeldUnits: 0,
  };

  const now = (): number => ctx.mech.ledger.nowNs;

  /** Decisions that repeat (the same skip at every idle) are recorded once. */
  const note = (action: string, key: string, detail: string, trigger: Trigger): void => {
    if (key === lastNote) return;
    lastNote = key;
    ctx.decide(action, `${detail} (${trigger})`);
  };

  const zones = (): Zone[] => ctx.mm.pa.zones.filter((z) => z.populated && z.managedPages > 0);
  const zoneMargin = (z: Zone): number => Math.ceil(FREE_MARGIN_SHARE * z.managedPages);

  const candidates = (): { ranked: Candidate[]; excluded: string[] } => {
    const costs = ctx.mech.costs;
    const ranked: Candidate[] = [];
    const excluded: string[] = [];
    const t = now();
    for (const u of ctx.map.units) {
      if (!u.usable || balloon.isHeld(u.index)) continue;
      const why = structural[u.index];
      if (why) continue;
      const c = ctx.census.unit(u.index);
      if (c.unmovable + c.pinned + c.slab > 0) {
        excluded.push(`${u.index} (${c.unmovable} unmovable, ${c.pinned} pinned, ${c.slab} slab)`);
        continue;
      }
      if (t - failedAt[u.index]! < BUSY_BACKOFF_NS) {
        excluded.push(`${u.index} (busy recently)`);
        continue;
      }
      ranked.push({
        unit: u.index,
        c,
        need: c.free + c.anon + c.fileDirty,
        estimateNs: c.fileClean * costs.contigDiscardPageNs + (c.anon + c.fileDirty) * costs.contigMigratePageNs,
      });
    }
    ranked.sort((a, b) => a.estimateNs - b.estimateNs || b.unit - a.unit);
    return { ranked, excluded };
  };

  /**
   * Whether taking `need` frames of this unit leaves its zones above high watermark + margin.
   * The highest zone is exempt: what may use it may use every zone below it, which the node-wide
   * check keeps above its watermarks; a lower zone also serves allocations that cannot fall back.
   */
  const zonesFit = (unit: number, need: number): boolean => {
    const u = ctx.map.units[unit]!;
    const all = zones();
    for (const z of all.slice(0, -1)) {
      let inZone = 0;
      for (const r of u.ranges)
        inZone += Math.max(0, Math.min(r.endPfn, z.endPfn) - Math.max(r.startPfn, z.zoneStartPfn));
      if (inZone === 0) continue;
      const share = Math.ceil((need * inZone) / u.pfnCount);
      if (z.nrFreePages - share < z.highWmark + zoneMargin(z)) return false;
    }
    return true;
  };

  const governor = (trigger: Trigger): void => {
    if (inflating || ctx.suspended) return;
    if (trigger === 'poll' && holdUntilIdle) return;
    if (trigger === 'idle' || trigger === 'suspend' || trigger === 'knob') holdUntilIdle = false;
    for (;;) {
      let free = 0;
      let floor = 0;
      for (const z of zones()) {
        free += z.nrFreePages;
        floor += z.highWmark + zoneMargin(z);
      }
      if (free <= floor) {
        note(
          'skip',
          'pressure',
          `memory pressure: free pages at or below high watermarks + margin (${floor})`,
          trigger,
        );
        return;
      }
      const demand = ctx.expectedDemandPages();
      const budget = free - floor - demand;
      const { ranked, excluded } = candidates();
      const pick = ranked.find((c) => c.need <= budget && zonesFit(c.unit, c.need));
      if (pick === undefined) {
        const cheapest = ranked[0];
        note(
          'hold',
          `${balloon.heldUnits().join(',')}/${cheapest?.unit}/${excluded.length}`,
          `${balloon.heldUnits().length} units held; ${
            cheapest
              ? `cheapest unit ${cheapest.unit} needs ${cheapest.need} pages, ${Math.max(0, budget)} free above high watermarks + margin + expected demand ${demand}`
              : 'no unit can be emptied'
          }${excluded.length ? `; not candidates: ${excluded.join(', ')}` : ''}`,
          trigger,
        );
        return;
      }
      inflate(pick, trigger);
    }
  };

  const inflate = (pick: Candidate, trigger: Trigger): void => {
    inflating = true;
    let r: ReturnType<PasrBalloon['inflate']>;
    try {
      r = balloon.inflate(pick.unit);
    } finally {
      inflating = false;
    }
    s.inflateMigratedPages += r.migrated;
    s.inflateDiscardedPages += r.discarded;
    const c = pick.c;
    const what = `unit ${pick.unit} (${c.free} free, ${c.fileClean} clean cache, ${c.fileDirty} dirty cache, ${c.anon} anon)`;
    if (!r.ok) {
      s.inflateFailures++;
      failedAt[pick.unit] = now();
      ctx.decide('inflate-failed', `${what}: ${r.reason}: ${r.detail}; given back whole (${trigger})`);
      return;
    }
    s.inflates++;
    s.maxHeldUnits = Math.max(s.maxHeldUnits, balloon.heldUnits().length);
    while (unmatchedReleases.length > 0 && now() - unmatchedReleases[0]! > FLAP_WINDOW_NS) unmatchedReleases.shift();
    if (unmatchedReleases.length > 0) {
      unmatchedReleases.shift();
      s.balloonFlaps++;
    }
    lastNote = '';
    ctx.decide(
      'inflate',
      `${what}: migrated ${r.migrated}, dropped ${r.discarded}, ${(r.ns / 1e6).toFixed(3)} ms (${trigger})`,
    );
  };

  /** Held units in release order: lowest zone first (it serves every allocation), newest first. */
  const releaseOrder = (): number[] => {
    const held = balloon.heldUnits();
    const zoneOf = (u: number): number => ctx.mm.pa.zoneIdxOf(ctx.map.units[u]!.ranges[0]!.startPfn);
    return held
      .map((u, i) => ({ u, i, z: zoneOf(u) }))
      .sort((a, b) => a.z - b.z || b.i - a.i)
      .map((x) => x.u);
  };

  /**
   * A request from inside a clock alarm (kswapd's reclaim runs on one): the mask program cannot
   * wait for the controller there, so the release runs right after, from the system's event
   * queue (a workqueue item); the deflate latency counts from the request.
   */
  const defer = (by: Releaser, want: number): void => {
    // Requests repeated while one is pending ask for the same memory.
    if (deferred !== null) return;
    const req = { by, want, t0: now() };
    deferred = req;
    ctx.schedule(0, () => {
      deferred = null;
      release(req.by, req.want, req.t0);
    });
  };

  /** Release units until `want` pages are back (or none is held); returns pages released. */
  const release = (by: Releaser, want: number, requestedAt?: number): number => {
    const t0 = requestedAt ?? now();
    let freed = 0;
    const done: number[] = [];
    for (const u of releaseOrder()) {
      if (freed >= want) break;
      freed += balloon.release(u).pages;
      done.push(u);
      if (by !== 'knob') unmatchedReleases.push(now());
    }
    if (done.length === 0) return 0;
    if (by === 'shrinker') s.releasesShrinker += done.length;
    else if (by === 'oom') s.releasesOom += done.length;
    else if (by === 'psi') s.releasesPsi += done.length;
    else s.releasesKnob += done.length;
    holdUntilIdle = true;
    lastNote = '';
    const ns = now() - t0;
    if (by !== 'knob') latencies.push(ns);
    ctx.decide('deflate', `units ${done.join(', ')} (${freed} pages) back in ${(ns / 1e6).toFixed(3)} ms (${by})`);
    return freed;
  };

  const poll = (): void => {
    governor('poll');
    ctx.schedule(GOVERNOR_POLL_NS, poll);
  };

  return {
    name: 'balloon',
    attach(c) {
      ctx = c;
      balloon = new PasrBalloon(c.map, c.census, c.core, c.mech, c.trace, 'balloon');
      failedAt = new Float64Array(c.map.units.length).fill(-Infinity);
      const layout = c.mm.layout;
      structural = c.map.units.map((u) => {
        if (!u.usable) return 'not whole page frames';
        const hits = (r: { name: string; startPfn: number; endPfn: number }): boolean =>
          u.ranges.some((x) => x.startPfn < r.endPfn && r.startPfn < x.endPfn);
        const cma = layout.cma.find(hits);
        if (cma) return `holds CMA area ${cma.name}`;
        const res = layout.reserved.find(hits);
        if (res) return `holds reserved memory ${res.name}`;
        return null;
      });
      if (mode === 'shrinker') {
        c.mech.shrinkers.register({
          name: 'pasr-balloon',
          countObjects: () => (inflating ? 0 : balloon.pages === 0 ? SHRINK_EMPTY : balloon.pages),
          scanObjects: (sc) => {
            if (inflating) return SHRINK_STOP;
            if (c.clock.inAlarm) {
              defer('shrinker', sc.nrToScan);
              return SHRINK_STOP;
            }
            const freed = release('shrinker', sc.nrToScan);
            return freed > 0 ? freed : SHRINK_STOP;
          },
        });
      }
      if (mode === 'psi') {
        c.mech.psi.subscribe(() => {
          if (balloon.pages === 0 || now() - lastPsiEvent < PSI_WINDOW_NS) return;
          if (c.mech.psi.someShare(PSI_WINDOW_NS) < PSI_THRESHOLD) return;
          lastPsiEvent = now();
          s.psiEvents++;
          if (c.clock.inAlarm) defer('psi', Infinity);
          else release('psi', Infinity);
        });
      }
      c.schedule(GOVERNOR_POLL_NS, poll);
    },
    cannotAct() {
      if (!ctx.map.units.some((u) => u.usable)) return 'no usable PASR unit on this board';
      if (structural.every((w) => w !== null))
        return `no unit can be ballooned: ${ctx.map.units
          .filter((u) => u.usable)
          .map((u) => `unit ${u.index} ${structural[u.index]}`)
          .join('; ')}`;
      return null;
    },
    onIdle() {
      governor('idle');
    },
    beforeSuspend() {
      governor('suspend');
    },
    onKnob(action) {
      if (action === 'inflate') governor('knob');
      else release('knob', Infinity);
    },
    onOom() {
      if (mode === 'shrinker' || ctx.clock.inAlarm) return 0;
      return release('oom', 1);
    },
    deflateLatenciesNs() {
      return latencies;
    },
    stats() {
      return {
        ...s,
        heldUnits: balloon.heldUnits().length,
        balloonPages: balloon.pages,
      };
    },
    checkInvariants() {
      balloon.checkInvariants();
      if (inflating) throw new Error('balloon invariant violated: an inflation is in progress between steps');
      for (let u = 0; u < ctx.map.units.length; u++) {
        if (ctx.core.isMasked(u) !== balloon.isHeld(u))
          throw new Error(
            `balloon invariant violated: unit ${u} is ${ctx.core.isMasked(u) ? '' : 'not '}masked but ${balloon.isHeld(u) ? '' : 'not '}held`,
          );
      }
    },
  };
}
