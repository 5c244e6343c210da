/**
 * Memory stalls (kernel/sched/psi.c, the memory resource's "some" state, for the model's one
 * allocating task): the simulated time an allocation spends in direct reclaim or direct
 * compaction, marked by psi_memstall_enter() / psi_memstall_leave() around
 * __perform_reclaim() and __alloc_pages_direct_compact() (mechanisms.ts installs them). The
 * background daemons' work (kswapd, kcompactd) is charged to the ledger like any mechanism but
 * is not a stall here: nothing waits for it. (Linux also marks kswapd's balance_pgdat() and
 * refaults of thrashing pages as memstalls; this signal is the allocating task's own wait.)
 *
 * Stalls are intervals of simulated time [start, end) taken from the cost ledger's clock
 * (charges still pending in an outer mechanism included), merged when they touch, kept for the
 * last HORIZON_NS (10 s: PSI's avg10 and its longest trigger window). stalledNs(w) is the stalled
 * time in the sliding window (now - w, now]; someShare(w) its share: PSI's `some` ratio over a
 * sliding window of simulated time (Linux's avg10 is an exponential average updated every 2 s;
 * its triggers use the sliding window, as here).
 *
 * Listeners are called at every psi_memstall_leave() of an outermost stall (a PSI trigger's
 * growth check), with the stall's length.
 *
 * Invariants (checkInvariants()):
 *  (a) the kept intervals are non-empty, ordered, disjoint, and end no later than now;
 *  (b) totalNs = the length of every stall recorded (pruned ones included) and is >= the kept sum;
 *  (c) depth >= 0, and 0 between allocations (nothing stalls across steps).
 */
import type { CostLedger } from './costs.js';

/** The longest window kept: PSI's avg10 and its longest trigger window. */
export const PSI_HORIZON_NS = 10e9;

export type MemstallListener = (stallNs: number) => void;

export class MemoryStalls {
  private readonly ledger: CostLedger;
  private starts = new Float64Array(64);
  private ends = new Float64Array(64);
  /** Ring of kept intervals: first slot and count. */
  private head = 0;
  private count = 0;
  private depth = 0;
  private enteredAt = 0;
  /** Stalled time ever (ns) and number of outermost stalls. */
  totalNs = 0;
  stalls = 0;
  private readonly listeners: MemstallListener[] = [];

  constructor(ledger: CostLedger) {
    this.ledger = ledger;
  }

  /** psi_memstall_enter(): a nested enter (PF_MEMSTALL already set) only counts depth. */
  enter(): void {
    if (this.depth++ === 0) this.enteredAt = this.ledger.nowNs;
  }

  /** psi_memstall_leave(). */
  leave(): void {
    if (this.depth <= 0) throw new Error('psi_memstall_leave() without psi_memstall_enter()');
    if (--this.depth > 0) return;
    const start = this.enteredAt;
    const end = this.ledger.nowNs;
    const ns = end - start;
    this.stalls++;
    if (ns > 0) {
      this.totalNs += ns;
      this.record(start, end);
    }
    for (const l of this.listeners) l(ns);
  }

  /**
   * Run fn as a memory stall. It runs inside a ledger run, so the stall ends when fn's own work
   * is charged, before the clock moves and the daemons' alarms that fall due run.
   */
  stall<T>(fn: () => T): T {
    return this.ledger.run(() => {
      this.enter();
      try {
        return fn();
      } finally {
        this.leave();
      }
    });
  }

  /** Be told at the end of every stall; returns the unsubscribe function. */
  subscribe(l: MemstallListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private slot(k: number): number {
    return (this.head + k) % this.starts.length;
  }

  private record(start: number, end: number): void {
    const horizon = end - PSI_HORIZON_NS;
    while (this.count > 0 && this.ends[this.head]! <= horizon) {
      this.head = (this.head + 1) % this.starts.length;
      this.count--;
    }
    if (this.count > 0) {
      const last = this.slot(this.count - 1);
      if (this.ends[last]! >= start) {
        this.ends[last] = Math.max(this.ends[last]!, end);
        return;
      }
    }
    if (this.count === this.starts.length) {
      const n = this.starts.length * 2;
      const s = new Float64Array(n);
      const e = new Float64Array(n);
      for (let k = 0; k < this.count; k++) {
        s[k] = this.starts[this.slot(k)]!;
        e[k] = this.ends[this.slot(k)]!;
      }
      this.starts = s;
      this.ends = e;
      this.head = 0;
    }
    const k = this.slot(this.count++);
    this.starts[k] = start;
    this.ends[k] = end;
  }

  /** Stalled time in the sliding window (now - windowNs, now], ns (windowNs <= PSI_HORIZON_NS). */
  stalledNs(windowNs = PSI_HORIZON_NS): number {
    if (!(windowNs > 0) || windowNs > PSI_HORIZON_NS)
      throw new RangeError(`psi: window ${windowNs} ns is not in (0, ${PSI_HORIZON_NS}]`);
    const now = this.ledger.nowNs;
    const from = now - windowNs;
    let ns = 0;
    for (let k = this.count - 1; k >= 0; k--) {
      const i = this.slot(k);
      const e = Math.min(this.ends[i]!, now);
      if (e <= from) break;
      ns += e - Math.max(this.starts[i]!, from);
    }
    // A stall in progress counts up to now (the stalls kept ended before it began).
    if (this.depth > 0 && now > Math.max(this.enteredAt, from)) ns += now - Math.max(this.enteredAt, from);
    return ns;
  }

  /** Share of the sliding window spent stalled, 0..1 (PSI memory `some` over windowNs). */
  someShare(windowNs = PSI_HORIZON_NS): number {
    return this.stalledNs(windowNs) / windowNs;
  }

  checkInvariants(): void {
    const fail = (m: string): never => {
      throw new Error(`psi invariant violated: ${m}`);
    };
    if (this.depth !== 0) fail(`memstall depth ${this.depth} between steps`);
    let prevEnd = -Infinity;
    let kept = 0;
    for (let k = 0; k < this.count; k++) {
      const i = this.slot(k);
      const s = this.starts[i]!;
      const e = this.ends[i]!;
      if (!(e > s)) fail(`empty interval [${s}, ${e})`);
      if (s < prevEnd) fail(`interval [${s}, ${e}) overlaps the one before (ends ${prevEnd})`);
      prevEnd = e;
      kept += e - s;
    }
    if (prevEnd > this.ledger.nowNs) fail(`a stall ends at ${prevEnd}, after now (${this.ledger.nowNs})`);
    if (kept > this.totalNs + 1e-6) fail(`kept ${kept} ns of stalls, more than the ${this.totalNs} ns recorded`);
  }
}
