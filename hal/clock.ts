import { MinHeap } from './min-heap.js';

/**
 * Simulated time, in nanoseconds, injected from above.
 *
 * Nothing below cli/ reads the wall clock. Models advance this clock by the cost of what
 * they do (an MRW, a page migration, a hotplug offline) and schedule work with alarms; a run
 * is a discrete-event simulation driven by these alarms.
 *
 * Invariants:
 *  (a) nowNs never decreases;
 *  (b) alarms fire in due-time order (ties in creation order), each exactly once per schedule,
 *      with nowNs equal to their due time when it is still ahead (an alarm that fell due while
 *      an earlier callback advanced time fires late, at the time reached);
 *  (c) alarms never nest: a callback that advances the clock (a mechanism charging its cost)
 *      only moves time; alarms that fall due meanwhile fire after that callback returns, from
 *      the outermost advance.
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
  /**
   * True while an alarm callback runs. Time then only moves (invariant (c)), so a register
   * program that waits for hardware completing on an alarm (a handshake, a mailbox) cannot
   * finish there: such work must be deferred to after the callback.
   */
  readonly inAlarm: boolean;
}

interface Alarm {
  dueNs: number;
  order: number;
  cb: () => void;
  cancelled: boolean;
}

/** Heap order: earlier due time first, then creation order. */
function before(a: Alarm, b: Alarm): boolean {
  return a.dueNs < b.dueNs || (a.dueNs === b.dueNs && a.order < b.order);
}

export class SimClock implements Clock {
  private now = 0;
  /** Pending alarms (cancelled ones are dropped when they reach the top). */
  private readonly heap = new MinHeap<Alarm>(before);
  private order = 0;
  /** True while an alarm callback runs (nested advances only move time). */
  private firing = false;

  constructor(startNs = 0) {
    if (!Number.isFinite(startNs) || startNs < 0)
      throw new RangeError(`clock start ${startNs} ns is not a finite non-negative time`);
    this.now = startNs;
  }

  get nowNs(): number {
    return this.now;
  }

  get inAlarm(): boolean {
    return this.firing;
  }

  advance(deltaNs: number): void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs)) {
      throw new RangeError(`cannot advance the clock by ${deltaNs} ns`);
    }
    this.advanceTo(this.now + deltaNs);
  }

  advanceTo(tNs: number): void {
    if (!Number.isFinite(tNs)) throw new RangeError(`cannot advance the clock to ${tNs} ns`);
    if (this.firing) {
      if (tNs > this.now) this.now = tNs;
      return;
    }
    for (;;) {
      const next = this.heap.peek();
      if (next === undefined || next.dueNs > Math.max(tNs, this.now)) break;
      this.heap.pop();
      if (next.cancelled) continue;
      if (next.dueNs > this.now) this.now = next.dueNs;
      this.firing = true;
      try {
        next.cb();
      } finally {
        this.firing = false;
      }
    }
    if (tNs > this.now) this.now = tNs;
  }

  schedule(deltaNs: number, cb: () => void): () => void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs))
      throw new RangeError(`cannot schedule an alarm ${deltaNs} ns ahead`);
    const alarm: Alarm = { dueNs: this.now + deltaNs, order: this.order++, cb, cancelled: false };
    this.heap.push(alarm);
    return () => {
      alarm.cancelled = true;
    };
  }

  nextAlarmNs(): number {
    while (this.heap.peek()?.cancelled) this.heap.pop();
    return this.heap.peek()?.dueNs ?? Infinity;
  }

  /** Pending alarms, cancelled ones included until they reach the top. */
  get pendingAlarms(): number {
    return this.heap.size;
  }
}
