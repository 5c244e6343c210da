/**
 * hotplug-suspend: Samsung's exynos_pasr route (linux-mm.md §3.2). Before every suspend it
 * offlines the memory blocks of ZONE_MOVABLE, lowest first, and masks the PASR units they empty
 * (mem-offline.ts); at resume it onlines them all again, unmasking each unit before its pages go
 * back to the buddy allocator. Every suspend pays the offline (migrating whatever the awake time
 * put in ZONE_MOVABLE: movable allocations prefer it) and every resume the online: stats() shows
 * that cost per suspend.
 *
 * As in exynos_pasr, the first block that fails to go offline stops the loop for this suspend
 * ("segment N offline is stopped"); the blocks already offline stay so (those of a unit left
 * half offline go back online, as mem-offline v2 rolls back). Unlike exynos_pasr, which knows
 * no units and tries every block at every suspend, it offlines whole units only, remembers a
 * block that can never go (a firmware carve-out: it is skipped from then on, and the unit's
 * note says why), skips a unit with long-term pinned pages (exynos_pasr's kthread would migrate
 * the rest, then retry the pin for ever: offline_pages() has no time limit since 2017 and the
 * driver arms no timer), and bounds each attempt by the offline timeout.
 *
 * Invariants (checkInvariants()): the driver's; no block is offline outside the span from
 * beforeSuspend to afterResume (every offlined block is onlined at resume).
 */
import type { PasrPolicy, PolicyContext } from '../policy.js';
import { cannotActReason, parseDurationOption } from './hotplug.js';
import { MemOffline } from './mem-offline.js';

export function hotplugSuspendPolicy(options: Readonly<Record<string, string>> = {}): PasrPolicy {
  const timeoutNs = parseDurationOption('offline-timeout', options['offline-timeout'] ?? '7s');
  const kernelBlocks = options['kernel-blocks'] === 'try';
  let ctx: PolicyContext;
  let drv: MemOffline;
  const counts = { suspends: 0, unitsMaskedAtSuspend: 0, stoppedLoops: 0 };
  /** Between beforeSuspend and afterResume. */
  let suspending = false;

  return {
    name: 'hotplug-suspend',
    attach(c) {
      ctx = c;
      drv = new MemOffline(c, { policy: 'hotplug-suspend', offlineTimeoutNs: timeoutNs, kernelBlocks });
    },
    cannotAct() {
      return cannotActReason(ctx, drv);
    },
    beforeSuspend() {
      suspending = true;
      counts.suspends++;
      const units = ctx.map.units
        .filter((u) => drv.isCandidate(u.index) && !ctx.core.isMasked(u.index))
        .map((u) => u.index)
        .sort((a, b) => drv.unitStart(a) - drv.unitStart(b));
      const done: string[] = [];
      let stop = '';
      for (const u of units) {
        if (ctx.core.isMasked(u)) continue;
        if (drv.isNever(u)) continue;
        const not = drv.prepare(u);
        if (not !== null) {
          if (drv.isNever(u)) {
            done.push(`${u} never (${not})`);
            continue;
          }
          stop = not;
          break;
        }
        const r = drv.offlineUnit(u);
        if (!r.ok) {
          const back = r.rolledBack.length > 0 ? `, memory${r.rolledBack.join(',')} back online` : '';
          stop = `memory${r.failed.blockId} ${r.failed.status}: ${r.failed.reason}${back}`;
          break;
        }
        done.push(`${u} masked (${r.migrated} pages migrated)`);
      }
      if (stop !== '') counts.stoppedLoops++;
      counts.unitsMaskedAtSuspend += ctx.core.nrMasked;
      ctx.decide(
        'offline',
        `before suspend: ${done.length > 0 ? `unit ${done.join(', unit ')}` : 'no unit masked'}${stop !== '' ? `; offline stopped: ${stop}` : ''}`,
      );
    },
    afterResume() {
      suspending = false;
      const blocks = drv.offlineBlocks();
      for (const b of blocks) drv.onlineBlock(b);
      if (blocks.length > 0) ctx.decide('online', `after resume: memory${blocks.join(',')} onlined, units unmasked`);
    },
    notes() {
      return drv.notes();
    },
    stats() {
      const c = drv.counters;
      const n = Math.max(1, counts.suspends);
      return {
        ...c,
        ...counts,
        offlineMsPerSuspend: Number((c.offlineNs / 1e6 / n).toFixed(3)),
        onlineMsPerSuspend: Number((c.onlineNs / 1e6 / n).toFixed(3)),
        migratedPagesPerSuspend: Number((c.offlineMigratedPages / n).toFixed(1)),
      };
    },
    checkInvariants() {
      drv.checkInvariants();
      const offline = drv.offlineBlocks();
      if (!suspending && offline.length > 0)
        throw new Error(`hotplug-suspend invariant violated: memory${offline.join(',')} offline outside a suspend`);
    },
  };
}
