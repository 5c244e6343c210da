import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Scenario } from '../firmware/workload/scenario.js';
import { formatProblem, parseScenarioBytes, type ParseScenarioResult } from '../firmware/workload/load-scenario.js';
import { CliError, EXIT } from './errors.js';
import { jsonFilesIn, readInput, ROOT } from './files.js';

export const WORKLOAD_DIR = join(ROOT, 'workloads');

/** The scenario files of workloads/, sorted by name (not the schema). */
export function shippedWorkloadFiles(): string[] {
  return jsonFilesIn(WORKLOAD_DIR, 'workload.schema.json').map((f) => join(WORKLOAD_DIR, f));
}

/** A scenario by shipped name (`example-nap`) or by path to a scenario file. */
export function resolveWorkloadFile(nameOrFile: string): string {
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/')) return nameOrFile;
  const shipped = join(WORKLOAD_DIR, `${nameOrFile}.json`);
  if (existsSync(shipped)) return shipped;
  const names = shippedWorkloadFiles().map((f) => basename(f, '.json'));
  throw new CliError(
    `unknown workload ${JSON.stringify(nameOrFile)}; shipped workloads: ${names.join(', ')} (or give a path to a .json scenario)`,
  );
}

/** Paths of shipped scenarios relative to the repository; user paths as given. */
export function workloadDisplayPath(file: string): string {
  const rel = relative(ROOT, file);
  return rel.startsWith('workloads/') ? rel : file;
}

/** Read and check a scenario file (bytes to UTF-8 text, then the loader). */
export function readScenario(file: string): ParseScenarioResult {
  return scenarioFromBytes(readInput(file, 'workload scenario'));
}

/** Check the bytes of a scenario file (UTF-8 text, then the loader). */
export function scenarioFromBytes(bytes: Uint8Array): ParseScenarioResult {
  return parseScenarioBytes(bytes);
}

/** Load a scenario by name or file; on problems, a CliError listing them as FILE:LINE:COL lines. */
export function loadScenario(nameOrFile: string): Scenario {
  const file = resolveWorkloadFile(nameOrFile);
  const shown = workloadDisplayPath(file);
  return loadedScenario(readScenario(file), shown);
}

/** The scenario of a checked file, or a CliError listing its problems as FILE:LINE:COL lines. */
export function loadedScenario(r: ParseScenarioResult, shown: string): Scenario {
  if (!r.ok) {
    const n = r.problems.length;
    throw new CliError(
      `${shown}: not a valid workload scenario (${n} problem${n === 1 ? '' : 's'}):`,
      EXIT.failed,
      r.problems.map((p) => formatProblem(shown, p)),
    );
  }
  return r.scenario;
}
