import type { DramStandard } from '../../../hal/board/board-config.js';
import type { Clock } from '../../../hal/clock.js';
import type { DiePort } from '../../../hal/lpddr/die-port.js';
import type { TraceBus } from '../../../hal/trace/trace-bus.js';

/** One command a fake die received. */
export type DieCall =
  | { readonly op: 'mrw'; readonly mr: number; readonly value: number; readonly tNs: number }
  | { readonly op: 'mrr'; readonly mr: number; readonly value: number; readonly tNs: number }
  | { readonly op: 'sr.enter'; readonly tNs: number }
  | { readonly op: 'sr.exit'; readonly tNs: number };

export interface FakeDieOptions {
  readonly standard?: DramStandard;
  /** MR values an MRR returns (MRW updates them too). */
  readonly mrs?: Readonly<Record<number, number>>;
  /** MR0.DAI reads 1 until this simulated time. */
  readonly daiUntilNs?: number;
}

/**
 * A DiePort that records what the controller asked for, answers MRR from a small table and
 * emits the `dram.*` trace events a real die would, so tests can assert on both.
 */
export class FakeDie implements DiePort {
  readonly calls: DieCall[] = [];
  readonly standard: DramStandard;
  private readonly mrs = new Map<number, number>();
  private readonly daiUntilNs: number;
  private sr = false;
  private srSince = 0;

  constructor(
    readonly id: string,
    private readonly clock: Clock,
    private readonly trace?: TraceBus,
    options: FakeDieOptions = {},
  ) {
    this.standard = options.standard ?? 'LPDDR2-S4';
    for (const [mr, v] of Object.entries(options.mrs ?? {})) this.mrs.set(Number(mr), v);
    this.daiUntilNs = options.daiUntilNs ?? 0;
  }

  get inSelfRefresh(): boolean {
    return this.sr;
  }

  mr(n: number): number | undefined {
    return this.mrs.get(n);
  }

  mrw(mr: number, value: number): void {
    this.calls.push({ op: 'mrw', mr, value, tNs: this.clock.nowNs });
    this.mrs.set(mr, value);
    this.trace?.emit({ kind: 'dram.mrw', die: this.id, mr, value, register: `MR${mr}` });
  }

  mrr(mr: number): number {
    let value = this.mrs.get(mr) ?? 0;
    if (mr === 0) value = (value & ~1) | (this.clock.nowNs < this.daiUntilNs ? 1 : 0);
    this.calls.push({ op: 'mrr', mr, value, tNs: this.clock.nowNs });
    this.trace?.emit({ kind: 'dram.mrr', die: this.id, mr, value, register: `MR${mr}` });
    return value;
  }

  enterSelfRefresh(): void {
    this.sr = true;
    this.srSince = this.clock.nowNs;
    this.calls.push({ op: 'sr.enter', tNs: this.clock.nowNs });
    this.trace?.emit({
      kind: 'dram.sr.enter',
      die: this.id,
      bankMask: this.mrs.get(16) ?? 0,
      segmentMask: this.mrs.get(17) ?? 0,
      refreshedFraction: 1,
    });
  }

  exitSelfRefresh(): void {
    this.sr = false;
    this.calls.push({ op: 'sr.exit', tNs: this.clock.nowNs });
    this.trace?.emit({
      kind: 'dram.sr.exit',
      die: this.id,
      durationNs: this.clock.nowNs - this.srSince,
      poisonedPages: 0,
    });
  }

  mrwCalls(): { mr: number; value: number }[] {
    return this.calls
      .filter((c): c is Extract<DieCall, { op: 'mrw' }> => c.op === 'mrw')
      .map((c) => ({ mr: c.mr, value: c.value }));
  }
}
