/**
 * Reads the shipped workloads/*.json files into Scenario objects for tests (sizes "12%" of RAM,
 * durations "24h" / "10m" / "30s" / "1s", sets and slab caches keyed by name; an omitted pattern
 * is sequential, an omitted idle delay 1 s, an omitted writeShare, jitter or busy time 0, wake
 * false). Strict: a key it does
 * not know is an error, so a format change cannot be misread silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity, Op, PageSet, Phase, Scenario } from '../../../firmware/workload/scenario.js';

export const WORKLOADS_DIR = join(import.meta.dirname, '..', '..', '..', 'workloads');

type Json = Record<string, unknown>;

const DURATION_UNITS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function only(o: Json, where: string, keys: readonly string[]): Json {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new Error(`${where}: unknown key '${k}'`);
  return o;
}

function duration(v: unknown, where: string): number {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v) : null;
  if (!m) throw new Error(`${where}: '${String(v)}' is not a duration`);
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

function share(v: unknown, where: string): number {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)%$/.exec(v) : null;
  if (!m) throw new Error(`${where}: '${String(v)}' is not a percentage`);
  return Number(m[1]) / 100;
}

function op(o: Json, where: string): Op {
  const size = (): number => share(o.size, `${where}.size`);
  switch (o.op) {
    case 'read':
      only(o, where, ['op', 'set', 'size', 'pattern', 'writeShare']);
      return {
        op: 'read',
        set: String(o.set),
        size: size(),
        pattern: (o.pattern as 'sequential' | undefined) ?? 'sequential',
        writeShare: (o.writeShare as number | undefined) ?? 0,
      };
    case 'touch':
      only(o, where, ['op', 'set', 'size', 'pattern']);
      return {
        op: 'touch',
        set: String(o.set),
        size: size(),
        pattern: (o.pattern as 'sequential' | undefined) ?? 'sequential',
      };
    case 'release':
    case 'kfree':
      only(o, where, ['op', 'set', 'size']);
      return o.size === undefined ? { op: o.op, set: String(o.set) } : { op: o.op, set: String(o.set), size: size() };
    case 'kalloc':
    case 'pin':
      only(o, where, ['op', 'set', 'size']);
      return { op: o.op, set: String(o.set), size: size() };
    case 'unpin':
      only(o, where, ['op', 'set']);
      return { op: 'unpin', set: String(o.set) };
    case 'slab':
      only(o, where, ['op', 'cache', 'size']);
      return { op: 'slab', cache: String(o.cache), size: size() };
    case 'slabFree':
      only(o, where, ['op', 'cache', 'size']);
      return o.size === undefined
        ? { op: 'slabFree', cache: String(o.cache) }
        : { op: 'slabFree', cache: String(o.cache), size: size() };
    case 'knob':
      only(o, where, ['op', 'action']);
      return { op: 'knob', action: o.action as 'inflate' | 'deflate' };
  }
  throw new Error(`${where}: unknown op '${String(o.op)}'`);
}

function activity(a: Json, where: string): Activity {
  only(a, where, ['name', 'at', 'every', 'jitter', 'wake', 'busy', 'ops']);
  return {
    name: String(a.name),
    ...(a.at === 'start' ? { at: 'start' as const } : { everyNs: duration(a.every, `${where}.every`) }),
    jitter: (a.jitter as number | undefined) ?? 0,
    wake: (a.wake as boolean | undefined) ?? false,
    busyNs: a.busy === undefined ? 0 : duration(a.busy, `${where}.busy`),
    ops: (a.ops as Json[]).map((o, i) => op(o, `${where}.ops[${i}]`)),
  };
}

function phase(p: Json, where: string): Phase {
  only(p, where, ['name', 'duration', 'suspend', 'idleBeforeSuspend', 'activeShare', 'expectedDemand', 'activities']);
  return {
    name: String(p.name),
    durationNs: duration(p.duration, `${where}.duration`),
    suspend: p.suspend === true,
    idleBeforeSuspendNs: p.idleBeforeSuspend === undefined ? 1e9 : duration(p.idleBeforeSuspend, `${where}.idle`),
    activeShare: (p.activeShare as number | undefined) ?? 0,
    expectedDemand: p.expectedDemand === undefined ? 0 : share(p.expectedDemand, `${where}.expectedDemand`),
    activities: ((p.activities as Json[] | undefined) ?? []).map((a, i) => activity(a, `${where}.activities[${i}]`)),
  };
}

/** workloads/NAME.json as a Scenario. */
export function shippedScenario(name: string): Scenario {
  const file = `${name}.json`;
  const j = only(JSON.parse(readFileSync(join(WORKLOADS_DIR, file), 'utf8')) as Json, file, [
    '$schema',
    'name',
    'description',
    'duration',
    'sets',
    'slabCaches',
    'setup',
    'phases',
  ]);
  const sets = Object.entries(j.sets as Record<string, Json>).map(([name, s]): PageSet => {
    only(s, `${file}: sets.${name}`, ['type', 'size', 'order']);
    return {
      name,
      type: s.type as PageSet['type'],
      size: share(s.size, `${file}: sets.${name}.size`),
      ...(s.order !== undefined ? { order: s.order as number } : {}),
    };
  });
  return {
    name: String(j.name),
    description: String(j.description),
    durationNs: duration(j.duration, `${file}: duration`),
    sets,
    slabCaches: Object.entries((j.slabCaches as Record<string, Json> | undefined) ?? {}).map(([name, c]) => ({
      name,
      objectBytes: c.objectBytes as number,
    })),
    setup: ((j.setup as Json[] | undefined) ?? []).map((o, i) => op(o, `${file}: setup[${i}]`)),
    phases: (j.phases as Json[]).map((p, i) => phase(p, `${file}: phases[${i}]`)),
  };
}
