/**
 * Workload scenario loader: JSON text -> Scenario (scenario.ts), or a list of problems that each
 * name a line, column, JSON path and what is wrong. Pure: no file system (the CLI reads files).
 *
 * Stages, each run only when the one before found nothing (so later checks see well-formed data):
 *  1. JSON syntax (jsonc-parser; size, nesting and duplicate keys too)      hal/json/json-source.ts
 *  2. JSON Schema (workloads/workload.schema.json, ajv)                     hal/json/json-schema.ts
 *  3. quantities (durations, sizes) and their ranges, and what the schema
 *     cannot say: ops name sets of the right type and caches that exist,
 *     names are unique, activities can fire, the run's work is bounded      here
 *
 * Invariants:
 *  (a) parseScenario never throws, for any input text;
 *  (b) ok: true only when every stage found nothing; problems are sorted by line, then column;
 *  (c) a scenario it returns cannot crash or hang the run loop: every duration is a whole number
 *      of nanoseconds in [0, MAX_DURATION_NS], phases last at least MIN_PHASE_NS, periods are at
 *      least MIN_PERIOD_NS, every op names a set or cache of its kind, the file and anon sets fit
 *      the address space (MAX_LOGICAL_SIZE), and a run of the scenario's duration fires at most
 *      MAX_RUN_EVENTS events and moves at most MAX_RUN_VOLUME times RAM (runLoadProblem()).
 */
import schemaJson from '../../workloads/workload.schema.json' with { type: 'json' };
import { internalProblem, sortProblems, type JsonProblem, type PathSegment } from '../../hal/json/json-problem.js';
import { didYouMean, SchemaChecker } from '../../hal/json/json-schema.js';
import { parseJsonSource, type JsonFileKind, type JsonSource } from '../../hal/json/json-source.js';
import { decodeJsonText } from '../../hal/json/json-text.js';
import { formatDuration, formatPercent, MAX_DURATION_NS, parseDuration, parseFraction } from './quantities.js';
import type { Activity, Op, PageSet, Pattern, Phase, Scenario, SetType, SlabCacheSpec } from './scenario.js';

export type { JsonProblem };
export { formatProblem } from '../../hal/json/json-problem.js';

export type ParseScenarioResult = { ok: true; scenario: Scenario } | { ok: false; problems: JsonProblem[] };

export const WORKLOAD_SCHEMA: object = schemaJson;

/** Limits of a scenario file (a real one is 2-10 KiB with a few hundred values). */
export const SCENARIO_FILE: JsonFileKind = {
  noun: 'scenario file',
  maxChars: 1 << 20,
  maxNesting: 32,
  maxCollection: 1024,
  maxValues: 20000,
};

/** Shortest phase (a shorter one would turn the run into phase changes). */
export const MIN_PHASE_NS = 1e6;
/** Shortest activity period (a shorter one would flood the run with events). */
export const MIN_PERIOD_NS = 1e6;
/** Largest total of file and anon set sizes, in RAM: their logical pages must fit the 2^31-page address space. */
export const MAX_LOGICAL_SIZE = 10;
/** Most events (activity firings and phase changes) a run of the scenario's duration may have. */
export const MAX_RUN_EVENTS = 1e7;
/** Most page operations a run of the scenario's duration may do, in multiples of RAM. */
export const MAX_RUN_VOLUME = 1000;

/** Which set type each op works on. */
const OP_SET_TYPES: Readonly<Record<string, readonly SetType[]>> = {
  read: ['file'],
  touch: ['anon'],
  release: ['file', 'anon'],
  kalloc: ['kernel'],
  kfree: ['kernel'],
  pin: ['anon'],
  unpin: ['anon'],
};

const checker = new SchemaChecker(WORKLOAD_SCHEMA, {
  typeWords: { 'string,number': 'a percentage like "15%" or a fraction like 0.15' },
});

// Shapes the schema guarantees (stage 2), before quantities are parsed.
type Size = string | number;
interface RawOp {
  op: Op['op'];
  set?: string;
  cache?: string;
  size?: Size;
  pattern?: Pattern;
  writeShare?: number;
  action?: 'inflate' | 'deflate';
}
interface RawActivity {
  name: string;
  at?: 'start';
  every?: string;
  jitter?: number;
  wake?: boolean;
  busy?: string;
  ops: RawOp[];
}
interface RawPhase {
  name: string;
  duration: string;
  suspend?: boolean;
  idleBeforeSuspend?: string;
  activeShare?: number;
  expectedDemand?: Size;
  activities?: RawActivity[];
}
interface RawScenario {
  name: string;
  description: string;
  duration?: string;
  sets?: Record<string, { type: SetType; size: Size; order?: number }>;
  slabCaches?: Record<string, { objectBytes: number }>;
  setup?: RawOp[];
  phases: RawPhase[];
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));
const article = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

/** Builds the Scenario from the raw value, collecting a problem at the place of each mistake. */
class Builder {
  readonly problems: JsonProblem[] = [];
  private readonly sets = new Map<string, PageSet>();
  private readonly caches = new Set<string>();

  constructor(private readonly source: JsonSource) {}

  private add(path: PathSegment[], message: string, atKey = false): void {
    this.problems.push(this.source.problem(path, message, atKey));
  }

  duration(raw: string, path: PathSegment[]): number {
    const d = parseDuration(raw);
    if (d.ok) return d.value;
    this.add(path, `${d.reason}, got ${JSON.stringify(raw)}`);
    return 0;
  }

  /** A size as a fraction of RAM, at most `max` (the message says why). */
  size(raw: Size, path: PathSegment[], max: number, why: string): number {
    const f = parseFraction(raw);
    if (!f.ok) {
      this.add(path, `${f.reason}, got ${JSON.stringify(raw)}`);
      return 0;
    }
    if (f.value > max) {
      const plain = typeof raw === 'number' ? ` (a plain number is a fraction of RAM: 0.15 is 15%)` : '';
      this.add(path, `${formatPercent(f.value)} of RAM is above ${formatPercent(max)}: ${why}${plain}`);
    }
    return f.value;
  }

  build(raw: RawScenario): Scenario {
    const sets: PageSet[] = [];
    for (const [name, s] of Object.entries(raw.sets ?? {})) {
      const at = ['sets', name];
      const max = s.type === 'file' ? MAX_LOGICAL_SIZE : 1;
      const why =
        s.type === 'file'
          ? 'the address space holds at most 10 times RAM'
          : `${article(s.type)} set cannot be larger than RAM`;
      const size = this.size(s.size, [...at, 'size'], max, why);
      if (size === 0 && parseFraction(s.size).ok) this.add([...at, 'size'], 'a set of 0% holds no page');
      if (s.order !== undefined && s.type !== 'kernel')
        this.add([...at, 'order'], `order is for kernel sets (their allocation order); this is a ${s.type} set`, true);
      const set: PageSet = { name, type: s.type, size, ...(s.order !== undefined ? { order: s.order } : {}) };
      sets.push(set);
      this.sets.set(name, set);
    }
    const logical = sets.filter((s) => s.type !== 'kernel').reduce((sum, s) => sum + s.size, 0);
    if (logical > MAX_LOGICAL_SIZE && sets.every((s) => s.size <= (s.type === 'file' ? MAX_LOGICAL_SIZE : 1)))
      this.add(
        ['sets'],
        `the file and anon sets add up to ${formatPercent(logical)} of RAM; at most ${formatPercent(MAX_LOGICAL_SIZE)} fit the address space (2^31 logical pages)`,
      );

    const slabCaches: SlabCacheSpec[] = [];
    for (const [name, c] of Object.entries(raw.slabCaches ?? {})) {
      slabCaches.push({ name, objectBytes: c.objectBytes });
      this.caches.add(name);
    }

    const setup = (raw.setup ?? []).map((o, i) => this.op(o, ['setup', i]));
    const phaseNames = new Map<string, number>();
    const phases = raw.phases.map((p, i) => {
      const first = phaseNames.get(p.name);
      if (first !== undefined) this.add(['phases', i, 'name'], `phase name "${p.name}" is taken by phases[${first}]`);
      else phaseNames.set(p.name, i);
      return this.phase(p, ['phases', i]);
    });

    const cycleNs = phases.reduce((sum, p) => sum + p.durationNs, 0);
    let durationNs = cycleNs;
    if (raw.duration !== undefined) {
      durationNs = this.duration(raw.duration, ['duration']);
      if (durationNs < MIN_PHASE_NS && parseDuration(raw.duration).ok)
        this.add(['duration'], `a scenario must last at least ${formatDuration(MIN_PHASE_NS)}, got ${raw.duration}`);
    } else if (cycleNs > MAX_DURATION_NS)
      this.add(
        ['phases'],
        `the phases add up to ${formatDuration(cycleNs)}, longer than ${formatDuration(MAX_DURATION_NS)}: give a shorter "duration" for the run`,
      );

    const scenario: Scenario = {
      name: raw.name,
      description: raw.description,
      durationNs,
      sets,
      slabCaches,
      setup,
      phases,
    };
    if (this.problems.length === 0) {
      const load = runLoadProblem(scenario, durationNs);
      if (load) this.add(raw.duration !== undefined ? ['duration'] : ['phases'], load);
    }
    return scenario;
  }

  private phase(p: RawPhase, at: PathSegment[]): Phase {
    const durationNs = this.duration(p.duration, [...at, 'duration']);
    const durationOk = parseDuration(p.duration).ok;
    if (durationOk && durationNs < MIN_PHASE_NS)
      this.add([...at, 'duration'], `a phase must last at least ${formatDuration(MIN_PHASE_NS)}, got ${p.duration}`);
    if (p.idleBeforeSuspend !== undefined && p.suspend !== true)
      this.add(
        [...at, 'idleBeforeSuspend'],
        'has no effect: this phase does not suspend (add "suspend": true for autosleep)',
        true,
      );
    const names = new Map<string, number>();
    const activities = (p.activities ?? []).map((a, i) => {
      const path = [...at, 'activities', i];
      const first = names.get(a.name);
      if (first !== undefined)
        this.add([...path, 'name'], `activity name "${a.name}" is taken by activities[${first}] of this phase`);
      else names.set(a.name, i);
      return this.activity(a, path, durationOk ? durationNs : undefined);
    });
    return {
      name: p.name,
      durationNs,
      suspend: p.suspend ?? false,
      idleBeforeSuspendNs:
        p.idleBeforeSuspend === undefined ? 1e9 : this.duration(p.idleBeforeSuspend, [...at, 'idleBeforeSuspend']),
      activeShare: p.activeShare ?? 0.1,
      expectedDemand:
        p.expectedDemand === undefined
          ? 0
          : this.size(p.expectedDemand, [...at, 'expectedDemand'], 1, 'a phase cannot expect more than all of RAM'),
      activities,
    };
  }

  private activity(a: RawActivity, at: PathSegment[], phaseNs: number | undefined): Activity {
    const jitter = a.jitter ?? 0;
    let everyNs: number | undefined;
    if (a.every !== undefined) {
      everyNs = this.duration(a.every, [...at, 'every']);
      if (parseDuration(a.every).ok) {
        if (everyNs < MIN_PERIOD_NS)
          this.add(
            [...at, 'every'],
            `a period of ${a.every} is shorter than ${formatDuration(MIN_PERIOD_NS)}: it would flood the run with events`,
          );
        else if (phaseNs !== undefined && jitter === 0 && everyNs >= phaseNs)
          this.add(
            [...at, 'every'],
            `a period of ${a.every} is not shorter than the phase (${formatDuration(phaseNs)}): with jitter 0 the activity never fires`,
          );
      }
    }
    return {
      name: a.name,
      ...(a.at !== undefined ? { at: a.at } : {}),
      ...(everyNs !== undefined ? { everyNs } : {}),
      jitter,
      wake: a.wake ?? false,
      busyNs: a.busy === undefined ? 0 : this.duration(a.busy, [...at, 'busy']),
      ops: a.ops.map((o, i) => this.op(o, [...at, 'ops', i])),
    };
  }

  private opSize(raw: Size, at: PathSegment[]): number {
    const size = this.size(raw, [...at, 'size'], 1, 'an operation moves at most all of RAM');
    if (size === 0 && parseFraction(raw).ok) this.add([...at, 'size'], 'a size of 0% does nothing');
    return size;
  }

  /** The set an op names, checked for existence and type. */
  private setOf(o: RawOp, at: PathSegment[]): void {
    const name = o.set!;
    const types = OP_SET_TYPES[o.op]!;
    const set = this.sets.get(name);
    const wanted = types.join(' or ');
    if (!set) {
      const hint = didYouMean(name, [...this.sets.keys()]);
      const candidates = [...this.sets.values()].filter((s) => types.includes(s.type)).map((s) => s.name);
      this.add([...at, 'set'], `no set "${name}"${hint || ` (${wanted} sets: ${list(candidates)})`}`);
    } else if (!types.includes(set.type))
      this.add([...at, 'set'], `${o.op} needs ${article(wanted)} set; "${name}" is ${article(set.type)} set`);
  }

  private op(o: RawOp, at: PathSegment[]): Op {
    switch (o.op) {
      case 'read':
        this.setOf(o, at);
        return {
          op: 'read',
          set: o.set!,
          size: this.opSize(o.size!, at),
          pattern: o.pattern ?? 'sequential',
          writeShare: o.writeShare ?? 0,
        };
      case 'touch':
        this.setOf(o, at);
        return { op: 'touch', set: o.set!, size: this.opSize(o.size!, at), pattern: o.pattern ?? 'sequential' };
      case 'release':
      case 'kfree':
        this.setOf(o, at);
        return { op: o.op, set: o.set!, ...(o.size !== undefined ? { size: this.opSize(o.size, at) } : {}) };
      case 'kalloc':
      case 'pin':
        this.setOf(o, at);
        return { op: o.op, set: o.set!, size: this.opSize(o.size!, at) };
      case 'unpin':
        this.setOf(o, at);
        return { op: 'unpin', set: o.set! };
      case 'slab':
      case 'slabFree': {
        const cache = o.cache!;
        if (!this.caches.has(cache))
          this.add(
            [...at, 'cache'],
            `no slab cache "${cache}"${didYouMean(cache, [...this.caches]) || ` (slabCaches: ${list([...this.caches])})`}`,
          );
        if (o.op === 'slab') return { op: 'slab', cache, size: this.opSize(o.size!, at) };
        return { op: 'slabFree', cache, ...(o.size !== undefined ? { size: this.opSize(o.size, at) } : {}) };
      }
      case 'knob':
        return { op: 'knob', action: o.action! };
    }
  }
}

/** What a run of `durationNs` asks of the run loop: events (activity firings, phase changes) and page volume in RAMs. */
export interface RunLoad {
  readonly events: number;
  readonly volume: number;
}

/**
 * RAMs of pages an op works through. Freeing ops work at most through what earlier ops allocated,
 * which is counted there (an anon release, kfree, slabFree, unpin: 0); a file release walks its
 * size (default: the whole set) whatever is cached, and a pin scans the set's mapping.
 */
function opVolume(op: Op, sets: ReadonlyMap<string, PageSet>): number {
  switch (op.op) {
    case 'read':
    case 'touch':
    case 'kalloc':
    case 'slab':
      return op.size;
    case 'release': {
      const set = sets.get(op.set);
      return set?.type === 'file' ? (op.size ?? set.size) : 0;
    }
    case 'pin':
      return Math.max(op.size, sets.get(op.set)?.size ?? 0);
    case 'kfree':
    case 'slabFree':
    case 'unpin':
    case 'knob':
      return 0;
  }
}

/**
 * The expected load of a run: the phases repeat to fill `durationNs` (the last cycle may stop in
 * a phase); an activity fires once per phase instance ('start') or once per period on average.
 */
export function runLoad(scenario: Scenario, durationNs: number): RunLoad {
  const sets = new Map(scenario.sets.map((s) => [s.name, s]));
  const cycle = scenario.phases.reduce((sum, p) => sum + p.durationNs, 0);
  if (!(cycle > 0)) return { events: Infinity, volume: Infinity };
  const full = Math.floor(durationNs / cycle);
  let rest = durationNs - full * cycle;
  let events = 0;
  let volume = scenario.setup.reduce((sum, o) => sum + opVolume(o, sets), 0);
  for (const p of scenario.phases) {
    const partial = Math.min(Math.max(rest, 0), p.durationNs);
    rest -= p.durationNs;
    const instances = full + (partial > 0 ? 1 : 0);
    events += instances;
    for (const a of p.activities) {
      const fires = a.everyNs === undefined ? instances : (full * p.durationNs) / a.everyNs + partial / a.everyNs;
      events += fires;
      volume += fires * a.ops.reduce((sum, o) => sum + opVolume(o, sets), 0);
    }
  }
  return { events, volume };
}

/** A count for messages: 35400, 85 million. */
const count = (n: number): string => (n < 1e6 ? String(Math.round(n)) : `${+(n / 1e6).toPrecision(2)} million`);

/** Why a run of `durationNs` would be too much for the run loop, or undefined. */
export function runLoadProblem(scenario: Scenario, durationNs: number): string | undefined {
  const { events, volume } = runLoad(scenario, durationNs);
  const span = formatDuration(durationNs);
  if (!(events <= MAX_RUN_EVENTS))
    return `a run of ${span} would have about ${count(events)} events (activities and phase changes); at most ${count(MAX_RUN_EVENTS)}: use longer periods or phases, or a shorter duration`;
  if (!(volume <= MAX_RUN_VOLUME))
    return `a run of ${span} would move about ${count(volume)} times RAM in page operations; at most ${MAX_RUN_VOLUME}: use smaller sizes, longer periods or a shorter duration`;
  return undefined;
}

/** Parse and check a scenario file's text. */
export function parseScenario(text: string): ParseScenarioResult {
  try {
    const { source, value, problems } = parseJsonSource(text, SCENARIO_FILE);
    if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
    const schema = checker.problems(value, source);
    if (schema.length > 0) return { ok: false, problems: sortProblems(schema) };
    const builder = new Builder(source);
    const scenario = builder.build(value as RawScenario);
    if (builder.problems.length > 0) return { ok: false, problems: sortProblems(builder.problems) };
    return { ok: true, scenario };
  } catch (e) {
    // Invariant (a): a bug in a check must not turn into a stack trace for the user.
    return { ok: false, problems: [internalProblem(e)] };
  }
}

/** Parse and check a scenario file's bytes (UTF-8, hal/json/json-text.ts), as read from disk. */
export function parseScenarioBytes(bytes: Uint8Array): ParseScenarioResult {
  const decoded = decodeJsonText(bytes, SCENARIO_FILE.noun);
  return decoded.ok ? parseScenario(decoded.text) : { ok: false, problems: [decoded.problem] };
}
