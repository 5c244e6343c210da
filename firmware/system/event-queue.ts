/**
 * The run loop's pending events (workload activities, policy timers, phase ends), ordered by
 * time, ties in insertion order. Invariant: pop() returns events in (tNs, seq) order and never
 * a cancelled one.
 */
import { MinHeap } from '../../hal/min-heap.js';

export interface QueuedEvent {
  readonly tNs: number;
  readonly seq: number;
  readonly name: string;
  readonly run: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private readonly heap = new MinHeap<QueuedEvent>((a, b) => a.tNs < b.tNs || (a.tNs === b.tNs && a.seq < b.seq));
  private seq = 0;

  push(tNs: number, name: string, run: () => void): QueuedEvent {
    if (!Number.isFinite(tNs)) throw new RangeError(`event ${name}: time ${tNs} is not finite`);
    const e: QueuedEvent = { tNs, seq: this.seq++, name, run, cancelled: false };
    this.heap.push(e);
    return e;
  }

  /** The next event that is not cancelled, or undefined. */
  peek(): QueuedEvent | undefined {
    while (this.heap.peek()?.cancelled) this.heap.pop();
    return this.heap.peek();
  }

  pop(): QueuedEvent | undefined {
    this.peek();
    return this.heap.pop();
  }
}
