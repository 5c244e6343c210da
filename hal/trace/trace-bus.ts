import type { Clock } from '../clock.js';
import type { TraceEvent, TraceKind, UnstampedEvent } from './events.js';

export type TraceListener = (event: TraceEvent) => void;

/**
 * The trace bus stamps events with a sequence number and the simulated time, keeps them
 * (when recording) and hands them to subscribers. Register traces are small (thousands of
 * events), so recording everything in memory is the default.
 */
export class TraceBus {
  private seq = 0;
  private readonly listeners = new Set<TraceListener>();
  readonly events: TraceEvent[] = [];
  /** Kinds that are emitted; others are dropped before they are built into objects. */
  private readonly disabled = new Set<TraceKind>();

  constructor(
    private readonly clock: Clock,
    private readonly recording = true,
  ) {}

  isEnabled(kind: TraceKind): boolean {
    return !this.disabled.has(kind);
  }

  setEnabled(kind: TraceKind, enabled: boolean): void {
    if (enabled) this.disabled.delete(kind);
    else this.disabled.add(kind);
  }

  emit(event: UnstampedEvent): void {
    if (this.disabled.has(event.kind)) return;
    const stamped = { ...event, seq: this.seq++, tNs: this.clock.nowNs } as TraceEvent;
    if (this.recording) this.events.push(stamped);
    for (const l of this.listeners) l(stamped);
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Events of one kind, in order. */
  ofKind<K extends TraceKind>(kind: K): Extract<TraceEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
  }
}
