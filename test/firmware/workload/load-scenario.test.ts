import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_PROBLEMS } from '../../../hal/json/json-problem.js';
import {
  formatProblem,
  MAX_RUN_EVENTS,
  MIN_PERIOD_NS,
  MIN_PHASE_NS,
  parseScenario,
  runLoad,
  runLoadProblem,
  SCENARIO_FILE,
} from '../../../firmware/workload/load-scenario.js';
import {
  formatDuration,
  MAX_DURATION_NS,
  parseDuration,
  parseFraction,
} from '../../../firmware/workload/quantities.js';
import type { Scenario } from '../../../firmware/workload/scenario.js';

const WORKLOADS = join(import.meta.dirname, '../../../workloads');
const SECOND = 1e9;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const example = readFileSync(join(WORKLOADS, 'example-nap.json'), 'utf8');

/** What `pasr workloads validate FILE` prints for a text: one line per problem, [] when valid. */
function validate(file: string, text: string): string[] {
  const r = parseScenario(text);
  return r.ok ? [] : r.problems.map((p) => formatProblem(file, p));
}

function load(text: string): Scenario {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem('s.json', p)).join('\n'));
  return r.scenario;
}

/** A scenario file from its parts (JSON.stringify: positions are on line 1). */
function scenarioText(over: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 's', description: 'd', phases: [{ name: 'p', duration: '1h' }], ...over });
}

describe('shipped scenarios (every file in workloads/)', () => {
  const files = readdirSync(WORKLOADS).filter((f) => f.endsWith('.json') && f !== 'workload.schema.json');

  it('has the example, at least', () => {
    expect(files).toContain('example-nap.json');
  });

  for (const f of files) {
    it(`${f}: loads with no problem, names the schema and is named after its file`, () => {
      const text = readFileSync(join(WORKLOADS, f), 'utf8');
      expect(validate(`workloads/${f}`, text)).toEqual([]);
      expect((JSON.parse(text) as { $schema: string }).$schema).toBe('./workload.schema.json');
      const s = load(text);
      expect(s.name).toBe(f.replace(/\.json$/, ''));
      expect(s.description.length).toBeGreaterThan(0);
      expect(runLoadProblem(s, s.durationNs)).toBeUndefined();
    });
  }
});

describe('example-nap', () => {
  it('becomes the Scenario the run loop takes, with every default filled in', () => {
    expect(load(example)).toEqual({
      name: 'example-nap',
      description: expect.stringMatching(/^Two hours of a phone on a desk after an app launch/),
      durationNs: 2 * HOUR,
      sets: [
        { name: 'system', type: 'file', size: 0.1 },
        { name: 'app-code', type: 'file', size: 0.04 },
        { name: 'app', type: 'anon', size: 0.08 },
        { name: 'drivers', type: 'kernel', size: 0.02 },
      ],
      slabCaches: [],
      setup: [
        { op: 'kalloc', set: 'drivers', size: 0.01 },
        { op: 'read', set: 'system', size: 0.05, pattern: 'sequential', writeShare: 0 },
      ],
      phases: [
        {
          name: 'launch',
          durationNs: 2 * MINUTE,
          suspend: false,
          idleBeforeSuspendNs: SECOND,
          activeShare: 0.3,
          expectedDemand: 0,
          activities: [
            {
              name: 'app-launch',
              at: 'start',
              jitter: 0,
              wake: false,
              busyNs: 20 * SECOND,
              ops: [
                { op: 'read', set: 'app-code', size: 0.04, pattern: 'sequential', writeShare: 0 },
                { op: 'touch', set: 'app', size: 0.06, pattern: 'sequential' },
              ],
            },
          ],
        },
        {
          name: 'nap',
          durationNs: 118 * MINUTE,
          suspend: true,
          idleBeforeSuspendNs: SECOND,
          activeShare: 0.05,
          expectedDemand: 0.06,
          activities: [
            { name: 'app-exit', at: 'start', jitter: 0, wake: false, busyNs: 0, ops: [{ op: 'release', set: 'app' }] },
            { name: 'modem', everyNs: 15 * MINUTE, jitter: 1, wake: true, busyNs: 0.5 * SECOND, ops: [] },
            {
              name: 'sync',
              everyNs: 20 * MINUTE,
              jitter: 0.2,
              wake: true,
              busyNs: 3 * SECOND,
              ops: [{ op: 'read', set: 'system', size: 0.005, pattern: 'hot', writeShare: 0 }],
            },
          ],
        },
      ],
    });
  });

  it('has the expected load: 17.8 events and 0.19 times RAM of page operations in its 2 h', () => {
    const s = load(example);
    const { events, volume } = runLoad(s, s.durationNs);
    // 2 phase starts, app-launch, app-exit, 118/15 modem and 118/20 sync firings.
    expect(events).toBeCloseTo(4 + 118 / 15 + 118 / 20, 9);
    // setup 6 %, launch 4 + 6 %, 5.9 syncs of 0.5 % (app-exit frees what the launch touched: counted there).
    expect(volume).toBeCloseTo(0.06 + 0.1 + (118 / 20) * 0.005, 9);
    // Ten cycles fire ten times as much.
    expect(runLoad(s, 20 * HOUR).events).toBeCloseTo(10 * events, 6);
  });
});

describe('defaults, durations and sizes', () => {
  it('a minimal scenario: no sets, the duration is the sum of the phases, phase defaults', () => {
    const s = load(
      scenarioText({
        phases: [
          { name: 'a', duration: '90s' },
          { name: 'b', duration: '1.5h', suspend: true },
        ],
      }),
    );
    expect(s.durationNs).toBe(90 * SECOND + 1.5 * HOUR);
    expect(s.sets).toEqual([]);
    expect(s.setup).toEqual([]);
    expect(s.phases[1]).toEqual({
      name: 'b',
      durationNs: 1.5 * HOUR,
      suspend: true,
      idleBeforeSuspendNs: SECOND,
      activeShare: 0.1,
      expectedDemand: 0,
      activities: [],
    });
  });

  it('takes sizes as percentages or fractions, file sets above RAM, and the optional fields of ops', () => {
    const s = load(
      scenarioText({
        sets: {
          f: { type: 'file', size: '150%' },
          a: { type: 'anon', size: 0.25 },
          k: { type: 'kernel', size: '5%', order: 3 },
        },
        slabCaches: { dentry: { objectBytes: 192 } },
        setup: [
          { op: 'read', set: 'f', size: '0.2%', pattern: 'random', writeShare: 0.3 },
          { op: 'touch', set: 'a', size: 1 },
          { op: 'release', set: 'f', size: '1%' },
          { op: 'kfree', set: 'k' },
          { op: 'slab', cache: 'dentry', size: '2%' },
          { op: 'slabFree', cache: 'dentry' },
          { op: 'pin', set: 'a', size: '1%' },
          { op: 'unpin', set: 'a' },
          { op: 'knob', action: 'inflate' },
        ],
      }),
    );
    expect(s.sets).toEqual([
      { name: 'f', type: 'file', size: 1.5 },
      { name: 'a', type: 'anon', size: 0.25 },
      { name: 'k', type: 'kernel', size: 0.05, order: 3 },
    ]);
    expect(s.slabCaches).toEqual([{ name: 'dentry', objectBytes: 192 }]);
    expect(s.setup).toEqual([
      { op: 'read', set: 'f', size: 0.002, pattern: 'random', writeShare: 0.3 },
      { op: 'touch', set: 'a', size: 1, pattern: 'sequential' },
      { op: 'release', set: 'f', size: 0.01 },
      { op: 'kfree', set: 'k' },
      { op: 'slab', cache: 'dentry', size: 0.02 },
      { op: 'slabFree', cache: 'dentry' },
      { op: 'pin', set: 'a', size: 0.01 },
      { op: 'unpin', set: 'a' },
      { op: 'knob', action: 'inflate' },
    ]);
  });

  it('parses durations with a unit, to whole nanoseconds', () => {
    const cases: [string, number][] = [
      ['90s', 90 * SECOND],
      ['15m', 15 * MINUTE],
      ['2h', 2 * HOUR],
      ['1d', 24 * HOUR],
      ['1.5h', 1.5 * HOUR],
      ['250ms', 250e6],
      ['10us', 10e3],
      ['7ns', 7],
      ['0.5ns', 1],
      ['0s', 0],
      ['100d', MAX_DURATION_NS],
    ];
    for (const [text, ns] of cases) expect(parseDuration(text), text).toEqual({ ok: true, value: ns });
  });

  it('refuses other durations with the command-line message', () => {
    expect(parseDuration('5 parsecs')).toEqual({
      ok: false,
      message: "duration '5 parsecs': expected a number followed by ns, us, ms, s, m, h or d",
      reason: 'expected a number followed by ns, us, ms, s, m, h or d',
    });
    for (const bad of ['5', 'h', '-1s', '1e3s', '1,5h', ' 1h', '1h ', '1 h', '.5h', '1H', '1h30m', ''])
      expect(parseDuration(bad), bad).toMatchObject({
        ok: false,
        message: `duration '${bad}': expected a number followed by ns, us, ms, s, m, h or d`,
      });
    expect(parseDuration('101d')).toMatchObject({
      ok: false,
      message: "duration '101d': longer than 100d, the longest simulated time kept to the nanosecond",
    });
  });

  it('parses sizes and prints durations the way scenario files write them', () => {
    expect(parseFraction('15%')).toEqual({ ok: true, value: 0.15 });
    expect(parseFraction('0.2%')).toEqual({ ok: true, value: 0.002 });
    expect(parseFraction(0.15)).toEqual({ ok: true, value: 0.15 });
    expect(parseFraction('15 %')).toMatchObject({
      ok: false,
      message: `size '15 %': expected a percentage of RAM like "15%" or a fraction like 0.15`,
    });
    expect(parseFraction('9'.repeat(400) + '%')).toMatchObject({ ok: false, reason: 'too large' });
    expect(parseFraction(-0.1)).toMatchObject({ ok: false });
    expect([24 * HOUR, 90 * MINUTE, 90 * SECOND, 1.5 * SECOND, 100 * 24 * HOUR, 0, 7].map(formatDuration)).toEqual([
      '24h',
      '90m',
      '90s',
      '1500ms',
      '100d',
      '0s',
      '7ns',
    ]);
  });
});

describe('checks the schema cannot express, each at its place', () => {
  it('reports every problem of a file, in file order', () => {
    const text = [
      '{',
      '  "name": "s", "description": "d",',
      '  "sets": { "f": { "type": "file", "size": "10%" }, "a": { "type": "anon", "size": "10%" } },',
      '  "setup": [',
      '    { "op": "touch", "set": "f", "size": "1%" },',
      '    { "op": "kfree", "set": "a" },',
      '    { "op": "pin", "set": "nope", "size": "1%" },',
      '    { "op": "slabFree", "cache": "inode" }',
      '  ],',
      '  "phases": [ { "name": "p", "duration": "1h" } ]',
      '}',
    ].join('\n');
    expect(validate('s.json', text)).toEqual([
      's.json:5:29: setup[0].set: touch needs an anon set; "f" is a file set',
      's.json:6:29: setup[1].set: kfree needs a kernel set; "a" is an anon set',
      's.json:7:27: setup[2].set: no set "nope" (anon sets: a)',
      's.json:8:34: setup[3].cache: no slab cache "inode" (slabCaches: none)',
    ]);
  });

  it('refuses phases longer than the clock keeps exact unless a shorter duration is given', () => {
    const long = {
      phases: [
        { name: 'a', duration: '60d' },
        { name: 'b', duration: '60d' },
      ],
    };
    expect(validate('s.json', scenarioText(long))).toEqual([
      's.json:1:40: phases: the phases add up to 120d, longer than 100d: give a shorter "duration" for the run',
    ]);
    expect(load(scenarioText({ ...long, duration: '90d' })).durationNs).toBe(90 * 24 * HOUR);
  });

  it('refuses a scenario of no time, and activities the run loop could not keep up with', () => {
    expect(validate('s.json', scenarioText({ duration: '0s' }))).toEqual([
      's.json:1:82: duration: a scenario must last at least 1ms, got 0s',
    ]);
    const flood = {
      duration: '1d',
      phases: [{ name: 'p', duration: '1h', activities: [{ name: 'tick', every: '5ms', ops: [] }] }],
    };
    expect(validate('s.json', scenarioText(flood))).toEqual([
      's.json:1:136: duration: a run of 24h would have about 17 million events (activities and phase changes); at most 10 million: use longer periods or phases, or a shorter duration',
    ]);
    // The same bound answers for a run length given on the command line.
    const hour = load(scenarioText({ ...flood, duration: '1h' }));
    expect(runLoadProblem(hour, HOUR)).toBeUndefined();
    expect(runLoadProblem(hour, 24 * HOUR)).toMatch(/^a run of 24h would have about 17 million events/);
  });

  it('keeps set names like __proto__ and constructor as plain names', () => {
    const s = load(
      scenarioText({
        sets: { __proto__: { type: 'anon', size: '1%' }, constructor: { type: 'file', size: '1%' } },
        setup: [
          { op: 'touch', set: '__proto__', size: '1%' },
          { op: 'read', set: 'constructor', size: '1%' },
        ],
      }).replace('"sets":{', '"sets":{"__proto__":{"type":"anon","size":"1%"},'),
    );
    expect(s.sets.map((x) => x.name)).toEqual(['__proto__', 'constructor']);
    expect(validate('s.json', scenarioText({ setup: [{ op: 'touch', set: 'toString', size: '1%' }] }))).toEqual([
      's.json:1:100: setup[0].set: no set "toString" (anon sets: none)',
    ]);
  });
});

describe('hostile and truncated scenario files', () => {
  it('gives one JSON syntax problem at every truncation point of the example, never throwing', () => {
    const end = example.trimEnd().length - 1;
    for (let n = 0; n < end; n++) {
      const r = parseScenario(example.slice(0, n));
      expect(r.ok, `cut at ${n}`).toBe(false);
      if (r.ok) continue;
      expect(r.problems, `cut at ${n}`).toHaveLength(1);
      expect(r.problems[0]!.message, `cut at ${n}`).toMatch(n === 0 ? /^file is empty$/ : /^JSON syntax: /);
    }
  });

  it('refuses a huge file, deep nesting and huge lists up front', () => {
    const huge = '{"name": "' + 'x'.repeat(2 * 1024 * 1024) + '"}';
    expect(validate('huge.json', huge)).toEqual([
      `huge.json:1:1: $: file is ${huge.length} characters; a scenario file is at most ${SCENARIO_FILE.maxChars} (is this the right file?)`,
    ]);
    expect(validate('deep.json', '['.repeat(100000))).toEqual([
      `deep.json:1:${SCENARIO_FILE.maxNesting + 1}: $: nested more than ${SCENARIO_FILE.maxNesting} levels deep`,
    ]);
    const many = scenarioText({ setup: Array.from({ length: 5000 }, () => ({ op: 'knob', action: 'inflate' })) });
    expect(validate('many.json', many)).toEqual([
      `many.json:1:79: setup: has 5000 items; a scenario file has at most ${SCENARIO_FILE.maxCollection} in one list`,
    ]);
    // x, its 30 lists and their 30 000 numbers, and the 7 values of the scenario around them: 60 KB.
    const values = scenarioText({ x: Array.from({ length: 30 }, () => Array.from({ length: 1000 }, () => 1)) });
    expect(validate('values.json', values)).toEqual([
      `values.json:1:1: $: holds 30038 values; a scenario file holds at most ${SCENARIO_FILE.maxValues} (is this the right file?)`,
    ]);
    const ops = scenarioText({ setup: Array.from({ length: 300 }, () => ({ op: 'knob', action: 'inflate' })) });
    expect(validate('ops.json', ops)).toEqual(['ops.json:1:79: setup: has more than 256 items']);
  });

  it('reports a file full of mistakes by its first 99 problems and their count', () => {
    // 64 phases of 100 activities that say neither when they fire: thousands of schema errors.
    const activities = Array.from({ length: 100 }, (_, i) => ({ name: `a${i}`, ops: [] }));
    const phases = Array.from({ length: 64 }, (_, i) => ({ name: `p${i}`, duration: '1h', activities }));
    const r = parseScenario(scenarioText({ phases }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(MAX_PROBLEMS);
    expect(r.problems[0]!.message).toBe('has more than 64 items');
    expect(r.problems[1]!.message).toBe('needs "at": "start" or "every" (when it fires)');
    expect(r.problems.at(-1)!.message).toBe(`too many problems: showing 99 of ${64 * 100 + 64}`);
  });

  it('never throws on random text or random damage to the example', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(typeof parseScenario(s).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(example.length - 1), fc.nat(40), fc.string({ maxLength: 8 }), (at, del, ins) => {
        const r = parseScenario(example.slice(0, at) + ins + example.slice(at + del));
        if (!r.ok) for (const p of r.problems) expect(p.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts only scenarios within the run loop bounds, whatever values a file holds', () => {
    const base = JSON.parse(example) as Record<string, unknown>;
    const duration = fc.oneof(
      fc.constantFrom('0s', '1ns', '999us', '1ms', '1s', '1h', '100d', '101d'),
      fc
        .tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h', 'd'))
        .map(([n, u]) => `${n}${u}`),
    );
    const size = fc.oneof(
      fc.double({ min: -1, max: 20, noNaN: true }),
      fc.double({ min: 0, max: 2000, noNaN: true }).map((x) => `${x}%`),
    );
    fc.assert(
      fc.property(duration, duration, duration, size, size, (phase, every, total, setSize, opSize) => {
        const s = structuredClone(base) as {
          duration: string;
          sets: { app: { size: unknown } };
          phases: { duration: string; activities: { every?: string; ops: { size?: unknown }[] }[] }[];
        };
        s.duration = total;
        s.phases[1]!.duration = phase;
        s.phases[1]!.activities[2]!.every = every;
        s.sets.app.size = setSize;
        s.phases[1]!.activities[2]!.ops[0]!.size = opSize;
        const r = parseScenario(JSON.stringify(s));
        if (!r.ok) return;
        const sc = r.scenario;
        expect(Number.isSafeInteger(sc.durationNs) && sc.durationNs >= MIN_PHASE_NS).toBe(true);
        expect(sc.durationNs).toBeLessThanOrEqual(MAX_DURATION_NS);
        for (const p of sc.phases) {
          expect(Number.isSafeInteger(p.durationNs) && p.durationNs >= MIN_PHASE_NS).toBe(true);
          for (const a of p.activities)
            if (a.everyNs !== undefined) expect(a.everyNs).toBeGreaterThanOrEqual(MIN_PERIOD_NS);
        }
        for (const x of sc.sets) expect(x.size).toBeLessThanOrEqual(x.type === 'file' ? 10 : 1);
        expect(runLoad(sc, sc.durationNs).events).toBeLessThanOrEqual(MAX_RUN_EVENTS);
      }),
      { numRuns: 400 },
    );
  });
});
