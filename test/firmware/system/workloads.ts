/** The shipped workloads (workloads/*.json), loaded with the scenario loader, for tests that must hold on every one. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../../../firmware/workload/load-scenario.js';
import type { Scenario } from '../../../firmware/workload/scenario.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'workloads');

export const SHIPPED_WORKLOADS = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'workload.schema.json')
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

export function shippedWorkload(name: string): Scenario {
  const r = parseScenario(readFileSync(join(DIR, `${name}.json`), 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.scenario;
}
