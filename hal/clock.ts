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
 *      the outermost advance;
 *  (d) inside atomic(fn), advances fire only the alarms scheduled inside fn (in order, not
 *      nested), wherever fn is called from; alarms pending before fn fire after it, from the
 *      next advance outside (late, at the time reached), as in (b).
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
   * Run fn in atomic context, as a driver that polls its hardware with interrupts off (a PASR
   * mask programmed from an allocator hook): the hardware answers fn's own accesses (alarms
   * scheduled inside fn fire as fn advances time, even when fn runs inside an alarm callback),
   * and nothing else runs meanwhile (alarms pending before fn wait until it returns).
   */
  atomic<T>(fn: () => T): T;
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
  /** Alarms scheduled inside atomic(), while it runs; null outside. */
  private scope: MinHeap<Alarm> | null = null;
  /** The heap atomic() uses (empty outside it: what is left joins the main heap). */
  private readonly scopeHeap = new MinHeap<Alarm>(before);
  /** True while an alarm of the atomic scope runs. */
  private scopeFiring = false;

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
    // Inside atomic(), only the scope's own alarms fire (invariant d).
    const scope = this.scope;
    if (scope !== null ? this.scopeFiring : this.firing) {
      if (tNs > this.now) this.now = tNs;
      return;
    }
    const heap = scope ?? this.heap;
    for (;;) {
      const next = heap.peek();
      if (next === undefined || next.dueNs > Math.max(tNs, this.now)) break;
      heap.pop();
      if (next.cancelled) continue;
      if (next.dueNs > this.now) this.now = next.dueNs;
      if (scope !== null) this.scopeFiring = true;
      else this.firing = true;
      try {
        next.cb();
      } finally {
        if (scope !== null) this.scopeFiring = false;
        else this.firing = false;
      }
    }
    if (tNs > this.now) this.now = tNs;
  }

  atomic<T>(fn: () => T): T {
    if (this.scope !== null) return fn();
    const scope = this.scopeHeap;
    this.scope = scope;
    try {
      return fn();
    } finally {
      this.scope = null;
      // What the scope left pending joins the other alarms (creation order is kept).
      for (let a = scope.pop(); a !== undefined; a = scope.pop()) if (!a.cancelled) this.heap.push(a);
    }
  }

  schedule(deltaNs: number, cb: () => void): () => void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs))
      throw new RangeError(`cannot schedule an alarm ${deltaNs} ns ahead`);
    const alarm: Alarm = { dueNs: this.now + deltaNs, order: this.order++, cb, cancelled: false };
    (this.scope ?? this.heap).push(alarm);
    return () => {
      alarm.cancelled = true;
    };
  }

  nextAlarmNs(): number {
    while (this.heap.peek()?.cancelled) this.heap.pop();
    while (this.scope?.peek()?.cancelled) this.scope.pop();
    return Math.min(this.heap.peek()?.dueNs ?? Infinity, this.scope?.peek()?.dueNs ?? Infinity);
  }

  /** Pending alarms, cancelled ones included until they reach the top. */
  get pendingAlarms(): number {
    return this.heap.size + (this.scope?.size ?? 0);
  }
}
