import { decodeTrace, encodeTrace } from '../hal/trace/codec.js';
import type { TraceEvent, UnstampedEvent } from '../hal/trace/events.js';

/**
 * Trace file encode/decode rates (`.pasrtrace`, typed-binary object schemas).
 *
 * Workload: 100 000 events in the mix a PASR run produces on a 4-die EMIF board — for each MRW,
 * the CONFIG and DATA MMIO writes that issue it; some MRRs with their data-register read; self-
 * refresh entries/exits; a few guest errors. Figures are the median of REPEATS timed runs after
 * one warm-up run. A bench prints figures and never fails on time.
 */
const EVENTS = 100_000;
const REPEATS = 7;

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

export function benchTraceEvents(count = EVENTS): TraceEvent[] {
  const rand = rng(0x5eed);
  const out: TraceEvent[] = [];
  let t = 0;
  const push = (e: UnstampedEvent, dt: number): void => {
    out.push({ ...e, seq: out.length, tNs: t } as TraceEvent);
    t += dt;
  };
  while (out.length < count) {
    const emif = rand(2) === 0 ? 'emif1' : 'emif2';
    const base = emif === 'emif1' ? 0x4c000000 : 0x4d000000;
    const cs = rand(2);
    const die = `${emif}.cs${cs}`;
    const r = rand(100);
    if (r < 70) {
      const mr = [16, 17, 17, 17, 1, 2, 10][rand(7)]!;
      const value = rand(256);
      push(
        {
          kind: 'mmio.write',
          address: base + 0x50,
          value: ((cs << 31) | mr) >>> 0,
          block: emif,
          register: 'LPDDR2_MODE_REG_CONFIG',
          fields: { CS: cs, REFRESH_EN: 0, ADDRESS: mr },
        },
        40,
      );
      push(
        {
          kind: 'mmio.write',
          address: base + 0x40,
          value,
          block: emif,
          register: 'LPDDR2_MODE_REG_DATA',
          fields: { VALUE_0: value },
        },
        0,
      );
      push({ kind: 'dram.mrw', die, mr, value, register: `MR${mr}` }, 100);
    } else if (r < 85) {
      const mr = 5 + rand(4);
      push(
        {
          kind: 'mmio.write',
          address: base + 0x50,
          value: ((cs << 31) | mr) >>> 0,
          block: emif,
          register: 'LPDDR2_MODE_REG_CONFIG',
          fields: { CS: cs, REFRESH_EN: 0, ADDRESS: mr },
        },
        40,
      );
      push({ kind: 'dram.mrr', die, mr, value: rand(256), register: `MR${mr}` }, 0);
      push(
        { kind: 'mmio.read', address: base + 0x40, value: rand(256), block: emif, register: 'LPDDR2_MODE_REG_DATA' },
        60,
      );
    } else if (r < 98) {
      const seg = rand(256);
      push(
        {
          kind: 'dram.sr.enter',
          die,
          bankMask: 0,
          segmentMask: seg,
          refreshedFraction: 1 - (seg.toString(2).split('1').length - 1) / 8,
        },
        1_000_000 + rand(1_000_000),
      );
      push({ kind: 'dram.sr.exit', die, durationNs: 1_000_000, poisonedPages: rand(65536) }, 500);
    } else {
      push({ kind: 'guest.error', source: die, message: `MRW to read-only MR${5 + rand(4)} ignored` }, 10);
    }
  }
  return out.slice(0, count);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median seconds per call of fn over REPEATS runs (after one warm-up). */
function time(fn: () => unknown): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    fn();
    runs.push((performance.now() - t0) / 1000);
  }
  return median(runs);
}

export function runTraceBench(): Record<string, number> {
  const events = benchTraceEvents();
  const trace = { board: 'pandaboard-es', events };
  const bytes = encodeTrace(trace);
  const encodeS = time(() => encodeTrace(trace));
  const decodeS = time(() => decodeTrace(bytes, 'bench.pasrtrace'));
  return {
    'trace.encode.eventsPerSec': Math.round(events.length / encodeS),
    'trace.decode.eventsPerSec': Math.round(events.length / decodeS),
    'trace.bytesPerEvent': Math.round((bytes.length / events.length) * 100) / 100,
  };
}
