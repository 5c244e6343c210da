import { describe, expect, it } from 'vitest';
import type { TraceEvent, UnstampedEvent } from '../../../hal/trace/events.js';
import {
  TraceFilterError,
  blockOnController,
  controllerOfDie,
  diesOf,
  filterEvents,
  kindsMatching,
} from '../../../hal/trace/query.js';
import { sampleTraceEvents, systemRunEvents } from '../../fixtures/traces/sample-trace.js';

/** A hand-written trace: two controllers, MRWs on both chip selects, reads, SR and errors. */
function trace(): TraceEvent[] {
  const raw: UnstampedEvent[] = [
    { kind: 'mmio.write', address: 0x4c000008, value: 1, block: 'emif1', register: 'SDRAM_CONFIG', fields: {} }, // 0
    {
      kind: 'mmio.write',
      address: 0x4c000050,
      value: 0x11,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_CONFIG',
      fields: { CS: 0, ADDRESS: 0x11 },
    }, // 1
    {
      kind: 'mmio.write',
      address: 0x4c000040,
      value: 0xf0,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_DATA',
      fields: {},
    }, // 2
    { kind: 'dram.mrw', die: 'emif1.cs0', mr: 17, value: 0xf0, register: 'MR17' }, // 3
    {
      kind: 'mmio.write',
      address: 0x4d000050,
      value: 0x11,
      block: 'emif2',
      register: 'LPDDR2_MODE_REG_CONFIG',
      fields: { CS: 0, ADDRESS: 0x11 },
    }, // 4
    {
      kind: 'mmio.write',
      address: 0x4c000050,
      value: 0x80000010,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_CONFIG',
      fields: { CS: 1, ADDRESS: 0x10 },
    }, // 5
    {
      kind: 'mmio.write',
      address: 0x4c000040,
      value: 0x01,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_DATA',
      fields: {},
    }, // 6
    { kind: 'dram.mrw', die: 'emif1.cs1', mr: 16, value: 0x01, register: 'MR16' }, // 7
    {
      kind: 'mmio.write',
      address: 0x4d000040,
      value: 0x0f,
      block: 'emif2',
      register: 'LPDDR2_MODE_REG_DATA',
      fields: {},
    }, // 8
    { kind: 'dram.mrw', die: 'emif2.cs0', mr: 17, value: 0x0f, register: 'MR17' }, // 9
    {
      kind: 'mmio.write',
      address: 0x4c000050,
      value: 0x80000011,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_CONFIG',
      fields: { CS: 1, ADDRESS: 0x11 },
    }, // 10
    { kind: 'mmio.write', address: 0x4c000040, value: 0xff, block: 'emif1.phy', register: 'PHY_CTRL', fields: {} }, // 11 (sub-block)
    { kind: 'dram.mrw', die: 'emif1.cs1', mr: 17, value: 0xff, register: 'MR17' }, // 12
    {
      kind: 'mmio.write',
      address: 0x4c000050,
      value: 0x08,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_CONFIG',
      fields: { CS: 0, ADDRESS: 8 },
    }, // 13
    { kind: 'dram.mrr', die: 'emif1.cs0', mr: 8, value: 0x14, register: 'MR8' }, // 14
    { kind: 'mmio.read', address: 0x4c000040, value: 0x14, block: 'emif1', register: 'LPDDR2_MODE_REG_DATA' }, // 15
    { kind: 'dram.sr.enter', die: 'emif1.cs0', bankMask: 0, segmentMask: 0xf0, refreshedFraction: 0.5 }, // 16
    { kind: 'guest.error', source: 'emif1.cs1', message: 'MRW during self-refresh' }, // 17
    { kind: 'guest.error', source: 'emif1', message: 'write to read-only register' }, // 18
    { kind: 'dram.sr.exit', die: 'emif1.cs0', durationNs: 100, poisonedPages: 4 }, // 19
    {
      kind: 'mmio.write',
      address: 0x4c000050,
      value: 0x11,
      block: 'emif1',
      register: 'LPDDR2_MODE_REG_CONFIG',
      fields: { CS: 0, ADDRESS: 0x11 },
    }, // 20
    { kind: 'dram.mrr', die: 'emif1.cs0', mr: 17, value: 0xf0, register: 'MR17' }, // 21
  ];
  return raw.map((e, i) => ({ ...e, seq: i, tNs: 100 * i }) as TraceEvent);
}

const seqs = (events: TraceEvent[]): number[] => events.map((e) => e.seq);

describe('trace queries (pasr inspect filters)', () => {
  it('maps a die to its controller by the first dot-separated component', () => {
    expect(controllerOfDie('emif1.cs0')).toBe('emif1');
    expect(controllerOfDie('ddrc.rank0.cha')).toBe('ddrc');
    expect(controllerOfDie('mmdc')).toBe('mmdc');
    expect(blockOnController('emif1', 'emif1')).toBe(true);
    expect(blockOnController('emif1.phy', 'emif1')).toBe(true);
    expect(blockOnController('emif10', 'emif1')).toBe(false);
  });

  it("--die keeps that die's dram events and the MMIO traffic and errors of its controller", () => {
    const got = filterEvents(trace(), { die: 'emif1.cs0' });
    // Not emif2 (4, 8, 9), not the other die's MRWs (7, 12) or its guest error (17).
    expect(seqs(got)).toEqual([0, 1, 2, 3, 5, 6, 10, 11, 13, 14, 15, 16, 18, 19, 20, 21]);
  });

  it('--mr keeps the MR accesses plus the MMIO writes that caused each of them', () => {
    const got = filterEvents(trace(), { mr: 17 });
    // MRW emif1.cs0 (3) caused by 0, 1, 2; MRW emif2.cs0 (9) by 4, 8; MRW emif1.cs1 (12) by 10, 11
    // (5, 6 belong to the MR16 write at 7); MRR MR17 (21) by 20 (13 went with the MRR of MR8).
    expect(seqs(got)).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 20, 21]);
  });

  it("--die and --mr combine: only that die's MR accesses and their writes", () => {
    expect(seqs(filterEvents(trace(), { die: 'emif1.cs0', mr: 17 }))).toEqual([0, 1, 2, 3, 20, 21]);
    expect(seqs(filterEvents(trace(), { die: 'emif1.cs1', mr: 17 }))).toEqual([10, 11, 12]);
  });

  it('--kind takes an exact kind, a glob, or a list', () => {
    expect(seqs(filterEvents(trace(), { kind: 'dram.mrw' }))).toEqual([3, 7, 9, 12]);
    expect(seqs(filterEvents(trace(), { kind: 'dram.sr.*' }))).toEqual([16, 19]);
    expect(seqs(filterEvents(trace(), { kind: 'dram.*' }))).toEqual([3, 7, 9, 12, 14, 16, 19, 21]);
    expect(seqs(filterEvents(trace(), { kind: 'mmio.read,guest.error' }))).toEqual([15, 17, 18]);
    expect(seqs(filterEvents(trace(), { kind: 'dram.mr?' }))).toEqual([3, 7, 9, 12, 14, 21]);
  });

  it('several dies, MRs or kinds select the events of any of them', () => {
    const cs0 = seqs(filterEvents(trace(), { die: 'emif1.cs0' }));
    const both = seqs(filterEvents(trace(), { die: ['emif1.cs0', 'emif1.cs1'] }));
    // The other die's MRWs (7, 12) and its guest error (17) come back; emif2 (4, 8, 9) stays out.
    expect(both).toEqual([...cs0, 7, 12, 17].sort((a, b) => a - b));
    expect(seqs(filterEvents(trace(), { die: ['emif1.cs0', 'emif2.cs0'], kind: 'dram.mrw' }))).toEqual([3, 9]);
    expect(seqs(filterEvents(trace(), { mr: [16, 17], kind: 'dram.mrw' }))).toEqual([3, 7, 9, 12]);
    expect(seqs(filterEvents(trace(), { mr: [17, 16], die: 'emif1.cs1' }))).toEqual([5, 6, 7, 10, 11, 12]);
    expect(seqs(filterEvents(trace(), { kind: ['mmio.read', 'guest.error'] }))).toEqual([15, 17, 18]);
  });

  it('--from/--to keep events in the inclusive time window', () => {
    expect(seqs(filterEvents(trace(), { fromNs: 300, toNs: 500 }))).toEqual([3, 4, 5]);
    expect(seqs(filterEvents(trace(), { fromNs: 2000 }))).toEqual([20, 21]);
    expect(seqs(filterEvents(trace(), { toNs: 100 }))).toEqual([0, 1]);
  });

  it('combines every filter with AND', () => {
    expect(seqs(filterEvents(trace(), { die: 'emif1.cs0', mr: 17, kind: 'mmio.*', fromNs: 150 }))).toEqual([2, 20]);
  });

  it('returns the event objects themselves, in trace order', () => {
    const events = trace();
    const got = filterEvents(events, { kind: 'dram.mrw' });
    expect(got[0]).toBe(events[3]);
  });

  it('uses a custom die-to-controller mapping', () => {
    const events = trace().map((e) => (e.kind === 'dram.mrw' && e.die === 'emif1.cs0' ? { ...e, die: 'chip-a' } : e));
    const got = filterEvents(events, { die: 'chip-a', mr: 17 }, (d) => (d === 'chip-a' ? 'emif1' : controllerOfDie(d)));
    expect(seqs(got)).toEqual([0, 1, 2, 3]);
  });

  it('finds the init sequence of one die in the sample boot trace', () => {
    const got = filterEvents(sampleTraceEvents(), { die: 'emif2.cs1', kind: 'dram.mrw' });
    expect(got.map((e) => (e.kind === 'dram.mrw' ? `${e.register}=${e.value}` : ''))).toEqual([
      'MR10=255',
      'MR1=35',
      'MR2=4',
      'MR16=0',
      'MR17=0',
    ]);
  });

  it('rejects a kind pattern that matches nothing, with the list of kinds', () => {
    expect(() => kindsMatching('dram.mrx')).toThrow(TraceFilterError);
    expect(() => filterEvents(trace(), { kind: 'mmio.poke' })).toThrow(
      '--kind "mmio.poke" matches no event kind (kinds: mmio.write, mmio.read, dram.mrw, dram.mrr, dram.sr.enter, dram.sr.exit, guest.error, pasr.mask, pasr.unmask, sys.suspend, sys.resume, policy.decision, mm.batch; globs like dram.* work)',
    );
  });

  it('rejects a bad MR number and an inverted time window', () => {
    expect(() => filterEvents(trace(), { mr: -1 })).toThrow('--mr -1: a mode-register number is an integer >= 0');
    expect(() => filterEvents(trace(), { mr: 1.5 })).toThrow(TraceFilterError);
    expect(() => filterEvents(trace(), { fromNs: 10, toNs: 5 })).toThrow('--from 10 is after --to 5');
  });
});

describe('trace queries on a system run', () => {
  const run = systemRunEvents();
  const kinds = (events: TraceEvent[]): string[] => [...new Set(events.map((e) => e.kind))];

  it('selects PASR, suspend and mm events by kind glob or list', () => {
    expect(kinds(filterEvents(run, { kind: 'pasr.*' }))).toEqual(['pasr.mask', 'pasr.unmask']);
    expect(filterEvents(run, { kind: 'pasr.*' }).map((e) => e.seq)).toEqual([3, 6, 21]);
    expect(kinds(filterEvents(run, { kind: 'sys.*,mm.batch' }))).toEqual(['mm.batch', 'sys.suspend', 'sys.resume']);
    expect(kinds(filterEvents(run, { kind: 'policy.decision' }))).toEqual(['policy.decision']);
    expect([...kindsMatching('*.*')]).toHaveLength(13);
  });

  it('--die selects the PASR units of its interleave group and its DRAM events, not system-wide events', () => {
    const cs1 = filterEvents(run, { die: 'emif2.cs1' });
    expect(kinds(cs1)).toEqual(['pasr.mask', 'dram.mrw', 'dram.sr.enter', 'dram.sr.exit', 'pasr.unmask']);
    expect(cs1.filter((e) => e.kind === 'pasr.mask').map((e) => e.seq)).toEqual([6]);
    expect(filterEvents(run, { die: 'emif2.cs1', kind: 'pasr.*' }).map((e) => e.seq)).toEqual([6, 21]);
    expect(diesOf(run[3]!)).toEqual(['emif1.cs0', 'emif2.cs0']);
    expect(diesOf(run[0]!)).toEqual([]);
  });

  it('--mr keeps only MR accesses and the writes that caused them', () => {
    expect(kinds(filterEvents(run, { mr: 17 }))).toEqual(['dram.mrw']);
  });
});
