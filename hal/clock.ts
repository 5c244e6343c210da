/**
 * Simulated time, in nanoseconds, injected from above.
 *
 * Nothing below cli/ reads the wall clock. Models advance this clock by the cost of what
 * they do (an MRW, a page migration, a hotplug offline) and schedule work with alarms.
 *
 * Invariants:
 *  (a) nowNs never decreases;
 *  (b) alarms fire in due-time order (ties in creation order), each exactly once per schedule,
 *      with nowNs equal to their due time while their callback runs.
 */
export interface Clock {
  readonly nowNs: number;
  /** Move time forward by deltaNs, firing every alarm that falls due on the way. */
  advance(deltaNs: number): void;
  /** Move time forward to an absolute time (no-op when already past it). */
  advanceTo(tNs: number): void;
  /** Schedule cb at nowNs + deltaNs; returns a cancel function. */
  schedule(deltaNs: number, cb: () => void): () => void;
  /** Due time of the next pending alarm, or Infinity. */
  nextAlarmNs(): number;
}

interface Alarm {
  dueNs: number;
  order: number;
  cb: () => void;
  cancelled: boolean;
}

export class SimClock implements Clock {
  private now = 0;
  private alarms: Alarm[] = [];
  private order = 0;

  constructor(startNs = 0) {
    if (!Number.isFinite(startNs) || startNs < 0)
      throw new RangeError(`clock start ${startNs} ns is not a finite non-negative time`);
    this.now = startNs;
  }

  get nowNs(): number {
    return this.now;
  }

  advance(deltaNs: number): void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs)) {
      throw new RangeError(`cannot advance the clock by ${deltaNs} ns`);
    }
    this.advanceTo(this.now + deltaNs);
  }

  advanceTo(tNs: number): void {
    if (!Number.isFinite(tNs)) throw new RangeError(`cannot advance the clock to ${tNs} ns`);
    for (;;) {
      const next = this.alarms[0];
      if (next === undefined || next.dueNs > tNs) break;
      this.alarms.shift();
      if (next.cancelled) continue;
      if (next.dueNs > this.now) this.now = next.dueNs;
      next.cb();
    }
    if (tNs > this.now) this.now = tNs;
  }

  schedule(deltaNs: number, cb: () => void): () => void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs))
      throw new RangeError(`cannot schedule an alarm ${deltaNs} ns ahead`);
    const alarm: Alarm = { dueNs: this.now + deltaNs, order: this.order++, cb, cancelled: false };
    // Sorted insert: alarms are few (governor ticks, timeouts), so a linear scan is fine.
    let i = this.alarms.length;
    while (i > 0) {
      const prev = this.alarms[i - 1]!;
      if (prev.dueNs < alarm.dueNs || (prev.dueNs === alarm.dueNs && prev.order < alarm.order)) break;
      i--;
    }
    this.alarms.splice(i, 0, alarm);
    return () => {
      alarm.cancelled = true;
    };
  }

  nextAlarmNs(): number {
    for (const a of this.alarms) if (!a.cancelled) return a.dueNs;
    return Infinity;
  }
}
