import { MinHeap } from './min-heap.js';

/**
 * Simulated time, in nanoseconds, injected from above.
 *
 * Nothing below cli/ reads the wall clock. Models advance this clock by the cost of what
 * they do (an MRW, a page migration, a hotplug offline) and schedule work with alarms; a run
 * is a discrete-event simulation driven by these alarms. There are two kinds:
 *  - hardware alarms (`schedule`): a device completing something (a handshake ack, a mode-register
 *    busy window, a firmware mailbox). Their callbacks only change device state;
 *  - tasks (`scheduleTask`): software work the kernel defers (kswapd, kcompactd), which may
 *    itself run mechanisms that advance the clock.
 *
 * Invariants:
 *  (a) nowNs never decreases;
 *  (b) alarms fire in due-time order (ties in creation order), each exactly once per schedule,
 *      with nowNs equal to their due time when it is still ahead (an alarm that fell due while
 *      a callback advanced time fires late, at the time reached);
 *  (c) tasks never nest: while a task runs, or while atomic(fn) runs, advances fire hardware
 *      alarms only; the tasks that fall due meanwhile run after, from the outermost advance;
 *  (d) hardware alarms never nest: an advance inside a hardware callback only moves time;
 *  (e) so a register program can wait for its device from anywhere but a hardware callback:
 *      from a task (kswapd shrinking a balloon), from atomic code (an allocator hook), or from
 *      the top.
 */
export interface Clock {
  readonly nowNs: number;
  /** Move time forward by deltaNs, firing every alarm that falls due on the way. */
  advance(deltaNs: number): void;
  /** Move time forward to an absolute time (no-op when already past it). */
  advanceTo(tNs: number): void;
  /** Schedule a hardware alarm: cb at nowNs + deltaNs; returns a cancel function. */
  schedule(deltaNs: number, cb: () => void): () => void;
  /** Schedule a task (software work that may advance the clock): cb at nowNs + deltaNs. */
  scheduleTask(deltaNs: number, cb: () => void): () => void;
  /** Due time of the next pending alarm or task, or Infinity. */
  nextAlarmNs(): number;
  /**
   * Run fn in atomic context, as a driver that polls its hardware with interrupts off (a PASR
   * mask programmed from an allocator hook): the hardware answers (hardware alarms fire as fn
   * advances time), and no task runs until fn returns.
   */
  atomic<T>(fn: () => T): T;
  /** True while a task or a hardware callback runs (the code there runs in the middle of other work). */
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
  /** Pending hardware alarms and tasks (cancelled ones are dropped when they reach the top). */
  private readonly hardware = new MinHeap<Alarm>(before);
  private readonly tasks = new MinHeap<Alarm>(before);
  private order = 0;
  private hardwareFiring = false;
  private taskFiring = false;
  private atomicDepth = 0;

  constructor(startNs = 0) {
    if (!Number.isFinite(startNs) || startNs < 0)
      throw new RangeError(`clock start ${startNs} ns is not a finite non-negative time`);
    this.now = startNs;
  }

  get nowNs(): number {
    return this.now;
  }

  get inAlarm(): boolean {
    return this.taskFiring || this.hardwareFiring;
  }

  advance(deltaNs: number): void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs)) {
      throw new RangeError(`cannot advance the clock by ${deltaNs} ns`);
    }
    this.advanceTo(this.now + deltaNs);
  }

  advanceTo(tNs: number): void {
    if (!Number.isFinite(tNs)) throw new RangeError(`cannot advance the clock to ${tNs} ns`);
    if (!this.hardwareFiring) {
      for (;;) {
        const limit = Math.max(tNs, this.now);
        const hw = this.peek(this.hardware);
        // Tasks wait while a task or atomic code runs (invariant c).
        const task = this.taskFiring || this.atomicDepth > 0 ? undefined : this.peek(this.tasks);
        const next = hw !== undefined && (task === undefined || before(hw, task)) ? hw : task;
        if (next === undefined || next.dueNs > limit) break;
        const isTask = next === task;
        (isTask ? this.tasks : this.hardware).pop();
        if (next.dueNs > this.now) this.now = next.dueNs;
        if (isTask) this.taskFiring = true;
        else this.hardwareFiring = true;
        try {
          next.cb();
        } finally {
          if (isTask) this.taskFiring = false;
          else this.hardwareFiring = false;
        }
      }
    }
    if (tNs > this.now) this.now = tNs;
  }

  atomic<T>(fn: () => T): T {
    this.atomicDepth++;
    try {
      return fn();
    } finally {
      this.atomicDepth--;
    }
  }

  schedule(deltaNs: number, cb: () => void): () => void {
    return this.add(this.hardware, deltaNs, cb);
  }

  scheduleTask(deltaNs: number, cb: () => void): () => void {
    return this.add(this.tasks, deltaNs, cb);
  }

  private add(heap: MinHeap<Alarm>, deltaNs: number, cb: () => void): () => void {
    if (!(deltaNs >= 0) || !Number.isFinite(deltaNs))
      throw new RangeError(`cannot schedule an alarm ${deltaNs} ns ahead`);
    const alarm: Alarm = { dueNs: this.now + deltaNs, order: this.order++, cb, cancelled: false };
    heap.push(alarm);
    return () => {
      alarm.cancelled = true;
    };
  }

  /** The first live alarm of a heap (cancelled ones are dropped). */
  private peek(heap: MinHeap<Alarm>): Alarm | undefined {
    while (heap.peek()?.cancelled) heap.pop();
    return heap.peek();
  }

  nextAlarmNs(): number {
    return Math.min(this.peek(this.hardware)?.dueNs ?? Infinity, this.peek(this.tasks)?.dueNs ?? Infinity);
  }

  /** Pending alarms and tasks, cancelled ones included until they reach the top. */
  get pendingAlarms(): number {
    return this.hardware.size + this.tasks.size;
  }
}
