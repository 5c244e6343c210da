import { describe, expect, it } from 'vitest';
import type { DieConfig, DramPart, DramStandard } from '../../../hal/board/board-config.js';
import { SimClock } from '../../../hal/clock.js';
import { LpddrDie, type LpddrDieOptions } from '../../../hal/lpddr/die.js';
import type { PoisonSink } from '../../../hal/lpddr/die-port.js';
import { encodeMr8 } from '../../../hal/lpddr/standards.js';
import type { TraceEvent } from '../../../hal/trace/events.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';

interface Bench {
  die: LpddrDie;
  clock: SimClock;
  trace: TraceBus;
  poisoned: [string, number, number][];
  /** Events after the die was built, without seq/tNs. */
  events(): Omit<TraceEvent, 'seq' | 'tNs'>[];
  errors(): string[];
}

function bench(
  standard: DramStandard,
  densityMbit: number,
  ioWidth: 8 | 16 | 32,
  opts: LpddrDieOptions = {},
  part: Partial<DramPart> = {},
): Bench {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const poisoned: [string, number, number][] = [];
  const sink: PoisonSink = {
    poison(dieId, banks, segments) {
      poisoned.push([dieId, banks, segments]);
      return 4096;
    },
  };
  const config: DieConfig = {
    id: 'emif1.cs0',
    controller: 'emif1',
    rank: 0,
    part: {
      name: 'test-part',
      densityMbit,
      ioWidth,
      mr5: 3,
      mr6: 0x01,
      mr7: 0x02,
      mr8: encodeMr8(standard, densityMbit, ioWidth),
      power: [],
      ...part,
    },
  };
  const die = new LpddrDie(config, standard, clock, trace, sink, opts);
  return {
    die,
    clock,
    trace,
    poisoned,
    events: () => trace.events.map(({ seq: _s, tNs: _t, ...e }) => e as Omit<TraceEvent, 'seq' | 'tNs'>),
    errors: () => trace.ofKind('guest.error').map((e) => e.message),
  };
}

/** LPDDR2-S4 2 Gb x32 (PandaBoard's Elpida ECB240ABACN), past its auto-initialisation. */
function panda(opts: LpddrDieOptions = {}): Bench {
  const b = bench('LPDDR2-S4', 2048, 32, opts);
  b.clock.advance(20_000);
  return b;
}

describe('LpddrDie identity and status registers', () => {
  it('answers MRR of MR5-MR8 with the part identity and traces each read by register name', () => {
    const b = panda();
    expect([5, 6, 7, 8].map((mr) => b.die.mrr(mr))).toEqual([3, 1, 2, 0x14]);
    expect(b.events()).toEqual([
      { kind: 'dram.mrr', die: 'emif1.cs0', mr: 5, value: 3, register: 'MR5' },
      { kind: 'dram.mrr', die: 'emif1.cs0', mr: 6, value: 1, register: 'MR6' },
      { kind: 'dram.mrr', die: 'emif1.cs0', mr: 7, value: 2, register: 'MR7' },
      { kind: 'dram.mrr', die: 'emif1.cs0', mr: 8, value: 0x14, register: 'MR8' },
    ]);
    b.die.checkInvariants();
  });

  it('reads MR0.DAI = 1 until the auto-initialisation time has passed, and again after MR63 reset', () => {
    const b = bench('LPDDR2-S4', 2048, 32, { daiBusyNs: 1000 });
    expect(b.die.mrr(0) & 1).toBe(1);
    b.clock.advance(999);
    expect(b.die.mrr(0) & 1).toBe(1);
    b.clock.advance(1);
    expect(b.die.mrr(0) & 1).toBe(0);
    b.die.mrw(63, 0);
    expect(b.die.mrr(0) & 1).toBe(1);
    b.clock.advance(1000);
    expect(b.die.mrr(0)).toBe(0);
  });

  it('defaults the DAI window to the standard tDAI and has none on LPDDR4', () => {
    const b = bench('LPDDR2-S4', 2048, 32);
    b.clock.advance(9_999);
    expect(b.die.peek(0)).toBe(1);
    b.clock.advance(1);
    expect(b.die.peek(0)).toBe(0);
    expect(bench('LPDDR4', 8192, 16).die.peek(0)).toBe(0);
  });

  it('derives MR4 from the die temperature and sets TUF until MR4 is read', () => {
    const b = panda({ temperatureC: 25 });
    expect(b.die.mrr(4)).toBe(0x02);
    b.die.temperatureC = 90;
    expect(b.die.mrr(4)).toBe(0x85);
    expect(b.die.mrr(4)).toBe(0x05);
    b.die.temperatureC = 95; // same code: TUF stays clear
    expect(b.die.mrr(4)).toBe(0x05);
    b.die.temperatureC = 60;
    expect(b.die.peek(4)).toBe(0x83);
    expect(b.die.temperatureC).toBe(60);
  });
});

describe('LpddrDie MRW/MRR access rules', () => {
  it('reports an MRW to a read-only MR as a guest error and keeps the value', () => {
    const b = panda();
    b.die.mrw(5, 0x12);
    expect(b.events()).toEqual([
      {
        kind: 'guest.error',
        source: 'emif1.cs0',
        message: 'emif1.cs0: MRW MR5 = 0x12: MR5 (Basic Configuration 1) is read-only; ignored',
      },
    ]);
    expect(b.die.mrr(5)).toBe(3);
  });

  it('answers an MRR of a write-only MR with the undefined value and a guest error', () => {
    const b = panda();
    b.die.mrw(17, 0x0f);
    expect(b.die.mrr(17)).toBe(0xff);
    expect(b.events().slice(1)).toEqual([
      {
        kind: 'guest.error',
        source: 'emif1.cs0',
        message: 'emif1.cs0: MRR of write-only MR17 (PASR Segment Mask) returns undefined data (0xff)',
      },
      { kind: 'dram.mrr', die: 'emif1.cs0', mr: 17, value: 0xff, register: 'MR17' },
    ]);
    expect(panda({ mrrUndefinedValue: 0x5a }).die.mrr(16)).toBe(0x5a);
  });

  it('drops an MRW issued before tMRW has elapsed since the previous one', () => {
    const b = panda(); // tMRW = 5 tCK = 12.5 ns at 400 MHz
    b.die.mrw(16, 0x01);
    b.clock.advance(5);
    b.die.mrw(17, 0x0f);
    expect(b.errors()).toEqual([
      'emif1.cs0: MRW MR17 = 0x0f only 5 ns after the previous MRW (tMRW = 12.5 ns); ignored',
    ]);
    expect(b.die.mr17).toBe(0);
    b.clock.advance(7.5);
    b.die.mrw(17, 0x0f);
    expect(b.die.mr17).toBe(0x0f);
    expect(b.trace.ofKind('dram.mrw').map((e) => [e.register, e.value, e.tNs])).toEqual([
      ['MR16', 0x01, 20_000],
      ['MR17', 0x0f, 20_012.5],
    ]);
  });

  it('follows the tCK given for the timings (tMRW = 10 tCK on LPDDR3 at 533 MHz is 18.75 ns, above 14 ns)', () => {
    const b = bench('LPDDR3', 4096, 32, { tckNs: 1.875 });
    b.clock.advance(20_000);
    b.die.mrw(16, 1);
    b.clock.advance(18);
    b.die.mrw(16, 2);
    expect(b.errors()).toEqual([
      'emif1.cs0: MRW MR16 = 0x02 only 18 ns after the previous MRW (tMRW = 18.75 ns); ignored',
    ]);
  });

  it('rejects MR17 on a part without it: LPDDR2-S4 below 1 Gb and LPDDR2-S2', () => {
    const small = bench('LPDDR2-S4', 512, 32);
    small.die.mrw(17, 0x0f);
    const s2 = bench('LPDDR2-S2', 1024, 32);
    s2.die.mrw(17, 0x0f);
    expect([...small.errors(), ...s2.errors()]).toEqual([
      'emif1.cs0: MRW MR17 = 0x0f: this LPDDR2-S4 512 Mb x32 part has no MR17 (MR17 (PASR segment mask) exists only on 1-8 Gb S4 SDRAM); ignored',
      'emif1.cs0: MRW MR17 = 0x0f: LPDDR2-S2 has no MR17 (MR17 (PASR segment mask) exists only on 1-8 Gb S4 SDRAM; S2 parts set their PASR fraction in MR16 OP[1:0]); ignored',
    ]);
    expect(small.trace.ofKind('dram.mrw')).toEqual([]);
  });

  it('reports unknown MRs, non-byte values, reserved bits and bad ZQ codes', () => {
    const b = panda();
    b.die.mrw(42, 1);
    expect(b.die.mrr(42)).toBe(0xff);
    b.die.mrw(3, 256);
    b.die.mrw(10, 0x12);
    b.die.mrw(10, 0xff);
    expect(b.errors()).toEqual([
      'emif1.cs0: MRW MR42 = 0x01: LPDDR2-S4 has no MR42; ignored',
      'emif1.cs0: MRR of MR42, which LPDDR2-S4 does not define, returns undefined data (0xff)',
      'emif1.cs0: MRW MR3 value 256 is not a byte; ignored',
      'emif1.cs0: MRW MR10 = 0x12: not a ZQ calibration code (0x56 ZQCS, 0xab ZQCL, 0xc3 ZQRESET, 0xff ZQINIT); ignored',
    ]);
    expect(b.trace.ofKind('dram.mrw').map((e) => e.value)).toEqual([0xff]);

    const s2 = bench('LPDDR2-S2', 1024, 32);
    s2.die.mrw(16, 0x07);
    expect(s2.errors()).toEqual(['emif1.cs0: MRW MR16 = 0x07 sets reserved bits 0x04 of MR16; they are dropped']);
    expect(s2.die.mr16).toBe(0x03);
    s2.die.checkInvariants();
  });

  it('tells LPDDR5 firmware that the segment mask lives in MR23', () => {
    const b = bench('LPDDR5', 8192, 16);
    b.die.mrw(17, 0x0f);
    expect(b.errors()).toEqual([
      'emif1.cs0: MRW MR17 = 0x0f: LPDDR5 has no MR17 (the LPDDR5 PASR segment mask is MR23); ignored',
    ]);
  });

  it('restores writable MRs to their defaults on MR63 reset, keeping identity', () => {
    const b = panda();
    b.die.mrw(17, 0xf0);
    b.clock.advance(100);
    b.die.mrw(16, 0x0f);
    b.clock.advance(100);
    b.die.mrw(63, 0xfc);
    expect([b.die.mr16, b.die.mr17, b.die.peek(8)]).toEqual([0, 0, 0x14]);
    b.die.checkInvariants();
  });
});

describe('LpddrDie self-refresh', () => {
  it('latches the masks at entry and poisons the masked segments on exit', () => {
    const b = panda();
    b.die.mrw(17, 0xf0);
    b.die.enterSelfRefresh();
    b.clock.advance(1_000_000);
    b.die.exitSelfRefresh();
    expect(b.events().slice(1)).toEqual([
      { kind: 'dram.sr.enter', die: 'emif1.cs0', bankMask: 0, segmentMask: 0xf0, refreshedFraction: 0.5 },
      { kind: 'dram.sr.exit', die: 'emif1.cs0', durationNs: 1_000_000, poisonedPages: 4096 },
    ]);
    expect(b.poisoned).toEqual([['emif1.cs0', 0, 0xf0]]);
    expect(b.die.selfRefreshNs).toBe(1_000_000);
    b.die.checkInvariants();
  });

  it('passes bank and segment masks together and does not call the sink when nothing is masked', () => {
    const b = panda();
    b.die.enterSelfRefresh();
    b.clock.advance(100);
    b.die.exitSelfRefresh();
    expect(b.poisoned).toEqual([]);
    expect(b.trace.ofKind('dram.sr.exit')[0]?.poisonedPages).toBe(0);
    b.die.mrw(16, 0x81);
    b.clock.advance(100);
    b.die.mrw(17, 0x02);
    expect(b.die.refreshedFraction).toBe((6 / 8) * (7 / 8));
    b.die.enterSelfRefresh();
    b.clock.advance(100);
    b.die.exitSelfRefresh();
    expect(b.poisoned).toEqual([['emif1.cs0', 0x81, 0x02]]);
  });

  it('reports an MR16/MR17 change while in self-refresh and keeps the latched masks', () => {
    const b = panda();
    b.die.mrw(17, 0x01);
    b.die.enterSelfRefresh();
    b.clock.advance(50);
    b.die.mrw(17, 0xff);
    expect(b.die.mrr(8)).toBe(0xff);
    b.die.exitSelfRefresh();
    expect(b.errors()).toEqual([
      'emif1.cs0: MRW MR17 = 0xff while in self-refresh (PASR masks are latched at self-refresh entry); ignored',
      'emif1.cs0: MRR of MR8 while in self-refresh returns undefined data (0xff)',
    ]);
    expect(b.poisoned).toEqual([['emif1.cs0', 0, 0x01]]);
  });

  it('translates an S2 PASR code to the dropped top banks (and the upper half of bank 0 for 1/8)', () => {
    const b = bench('LPDDR2-S2', 1024, 32);
    b.die.mrw(16, 3);
    expect([b.die.bankMask, b.die.segmentMask, b.die.refreshedFraction]).toEqual([0b1110, 0xf0, 0.125]);
    b.die.enterSelfRefresh();
    b.clock.advance(100);
    b.die.exitSelfRefresh();
    expect(b.trace.ofKind('dram.sr.enter')[0]).toMatchObject({
      bankMask: 0b1110,
      segmentMask: 0xf0,
      refreshedFraction: 0.125,
    });
    expect(b.poisoned).toEqual([['emif1.cs0', 0b1110, 0xf0]]);
  });

  it('takes the LPDDR5 segment mask from MR23 and only the existing segments of a 3/4-density part', () => {
    const l5 = bench('LPDDR5', 8192, 16);
    l5.die.mrw(23, 0x0f);
    expect([l5.die.bankMask, l5.die.segmentMask, l5.die.mr17]).toEqual([0, 0x0f, 0]);
    l5.clock.advance(10); // tMRW = max(10 ns, 5 nCK)
    l5.die.mrw(25, 0x40);
    expect(l5.die.parc).toBe(1);
    const l4 = bench('LPDDR4', 6144, 16);
    l4.die.mrw(17, 0xff);
    expect([l4.die.segmentMask, l4.die.refreshedFraction]).toEqual([0x3f, 0]);
  });

  it('accumulates self-refresh time across intervals, including the current one', () => {
    const b = panda();
    b.die.enterSelfRefresh();
    b.clock.advance(300);
    b.die.exitSelfRefresh();
    b.clock.advance(1000);
    b.die.enterSelfRefresh();
    b.clock.advance(200);
    expect(b.die.selfRefreshNs).toBe(500);
    expect(b.die.inSelfRefresh).toBe(true);
    b.die.checkInvariants();
  });

  it('reports double entry, exit without entry and an exit before tSR', () => {
    const b = panda();
    b.die.exitSelfRefresh();
    b.die.enterSelfRefresh();
    b.die.enterSelfRefresh();
    b.clock.advance(10);
    b.die.exitSelfRefresh();
    expect(b.errors()).toEqual([
      'emif1.cs0: self-refresh exit while not in self-refresh; ignored',
      'emif1.cs0: self-refresh entry while already in self-refresh; ignored',
      'emif1.cs0: self-refresh exit 10 ns after entry (minimum residency tSR = 15 ns)',
    ]);
    expect(b.die.inSelfRefresh).toBe(false);
  });

  it('keeps masked data through a self-refresh shorter than the configured retention time', () => {
    const b = panda({ retentionNs: 1_000_000 });
    b.die.mrw(17, 0x80);
    b.die.enterSelfRefresh();
    b.clock.advance(999_999);
    b.die.exitSelfRefresh();
    b.die.enterSelfRefresh();
    b.clock.advance(1_000_000);
    b.die.exitSelfRefresh();
    expect(b.poisoned).toEqual([['emif1.cs0', 0, 0x80]]);
  });
});

describe('LpddrDie configuration errors', () => {
  it('names the die when its part has a geometry the standard lacks', () => {
    expect(() => bench('LPDDR2-S4', 2048, 8, {}, { mr8: 0x94 })).toThrow(
      'die emif1.cs0 (LPDDR2-S4, part test-part): LPDDR2-S4 has no x8 part of 2 Gb (2048 Mbit); widths at that density: x32, x16',
    );
    expect(() => bench('LPDDR2-S4', 2048, 32, {}, { mr5: 300 })).toThrow(
      'die emif1.cs0 (LPDDR2-S4, part test-part): MR5 identity value 300 is not a byte',
    );
    expect(() => bench('LPDDR2-S4', 2048, 32, {}, { timings: { tBOGUS: 1 } })).toThrow(
      "unknown timing override 'tBOGUS'",
    );
  });
});
