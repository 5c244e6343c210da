/**
 * The shipped workloads (workloads/*.json) as Scenario objects, for policy tests that must hold
 * on every one of them. A plain reading of the documented format with its defaults; it checks
 * nothing (the files are known good).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity, Op, Phase, Scenario } from '../../../../firmware/workload/scenario.js';

const DIR = join(import.meta.dirname, '..', '..', '..', '..', 'workloads');

export const SHIPPED_WORKLOADS = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && !f.includes('schema'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

const UNIT_NS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function duration(v: string | undefined, dflt: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v ?? dflt);
  if (!m) throw new Error(`not a duration: ${v}`);
  return Number(m[1]) * UNIT_NS[m[2]!]!;
}

function share(v: string | number | undefined, dflt = 0): number {
  if (v === undefined) return dflt;
  return typeof v === 'number' ? v : Number(v.replace('%', '')) / 100;
}

// biome-ignore lint/suspicious/noExplicitAny: the shipped files are known-good JSON, read as they are
type Json = Record<string, any>;

function op(o: Json): Op {
  const size = o.size === undefined ? {} : { size: share(o.size) };
  if (o.op === 'read')
    return { ...o, ...size, pattern: o.pattern ?? 'sequential', writeShare: o.writeShare ?? 0 } as Op;
  if (o.op === 'touch') return { ...o, ...size, pattern: o.pattern ?? 'sequential' } as Op;
  return { ...o, ...size } as Op;
}

export function shippedWorkload(name: string): Scenario {
  const j = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Json;
  return {
    name: j.name,
    description: j.description,
    durationNs: duration(j.duration, '1h'),
    sets: Object.entries(j.sets as Json).map(([n, v]) => ({
      name: n,
      type: v.type,
      size: share(v.size),
      ...(v.order !== undefined ? { order: v.order } : {}),
    })),
    slabCaches: Object.entries((j.slabCaches ?? {}) as Json).map(([n, v]) => ({ name: n, objectBytes: v.objectBytes })),
    setup: ((j.setup ?? []) as Json[]).map(op),
    phases: (j.phases as Json[]).map(
      (p): Phase => ({
        name: p.name,
        durationNs: duration(p.duration, '1h'),
        suspend: p.suspend ?? false,
        idleBeforeSuspendNs: duration(p.idleBeforeSuspend, '1s'),
        activeShare: p.activeShare ?? 0.1,
        expectedDemand: share(p.expectedDemand),
        activities: (p.activities as Json[]).map(
          (a): Activity => ({
            name: a.name,
            ...(a.at ? { at: a.at } : {}),
            ...(a.every ? { everyNs: duration(a.every, '1s') } : {}),
            jitter: a.jitter ?? 0,
            wake: a.wake ?? false,
            busyNs: duration(a.busy, '0s'),
            ops: (a.ops as Json[]).map(op),
          }),
        ),
      }),
    ),
  };
}
