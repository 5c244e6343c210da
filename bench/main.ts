/**
 * `npm run bench`: every benchmark, with the machine it ran on. Prints figures; never fails on
 * time. `npm run bench -- --json` prints one JSON object (figures keyed by name, plus `machine`).
 */
import { cpus, totalmem, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMmBench } from './mm.bench.js';
import { runAddressMapBench } from './address-map.bench.js';
import { runTraceBench } from './trace.bench.js';
import { runBootBench } from './boot.bench.js';
import { runMmMechanismsBench } from './mm-mechanisms.bench.js';
import { runRunBench } from './run.bench.js';
import { runEnergyBench } from './energy.bench.js';
import { runRfcHooksBench } from './policy-rfc-hooks.bench.js';
import { runSortedBuddyBench } from './sorted-buddy.bench.js';
import { runBalloonPolicyBench } from './policy-balloon.bench.js';
import { runCompareBench } from './compare.bench.js';
import { runSnapshotBench } from './snapshot.bench.js';
import { runFtraceBench } from './ftrace.bench.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Speed and size targets of the project, for the human-readable listing: [comparison, value]. */
const TARGETS: Record<string, ['>=' | '<=', number]> = {
  'buddy.order0.pairsPerSec': ['>=', 10e6],
  'buddy.pcp.pairsPerSec': ['>=', 50e6],
  'buddy.churn.opsPerSec': ['>=', 15e6],
  'boot.64GiB.ms': ['<=', 400],
  'mm.bytesPerPage': ['<=', 16],
  'run.phoneDay.pandaboard.seconds': ['<=', 10],
  'census.allocOverheadPercent': ['<=', 2],
  'energy.24h.16dies.ms': ['<=', 10_000],
  'policy.balloon.allocOverheadPercent': ['<=', 2],
  'ftrace.linesPerSec': ['>=', 1e6],
  'ftrace.gzip.linesPerSec': ['>=', 1e6],
};

const suites: [string, () => Record<string, number> | Promise<Record<string, number>>][] = [
  ['mm', runMmBench],
  ['mm-mechanisms', runMmMechanismsBench],
  ['address-map', runAddressMapBench],
  ['trace', runTraceBench],
  ['boot', () => runBootBench(root)],
  ['run', () => runRunBench(root)],
  ['energy', runEnergyBench],
  ['policy-rfc-hooks', runRfcHooksBench],
  ['sorted-buddy', runSortedBuddyBench],
  ['policy-balloon', runBalloonPolicyBench],
  ['compare', runCompareBench],
  ['snapshot', () => runSnapshotBench(root)],
  ['ftrace', () => runFtraceBench(root)],
];

const json = process.argv.includes('--json');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const figures: Record<string, number> = {};
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${platform()}-${arch()}`,
};
if (!json)
  console.log(
    `pasr-emu benchmarks on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}); medians of repeated runs\n`,
  );
for (const [name, run] of suites) {
  if (only && only !== name) continue;
  const r = await run();
  Object.assign(figures, r);
  if (!json) {
    console.log(`${name}:`);
    for (const [k, v] of Object.entries(r)) {
      const t = TARGETS[k];
      const shown = Math.abs(v) >= 1e5 ? `${(v / 1e6).toFixed(2)}e6` : Number.isInteger(v) ? String(v) : v.toFixed(3);
      const verdict = t
        ? `   (target ${t[0]} ${t[1] >= 1e5 ? `${t[1] / 1e6}e6` : t[1]}: ${(t[0] === '>=' ? v >= t[1] : v <= t[1]) ? 'met' : 'NOT met'})`
        : '';
      console.log(`  ${k.padEnd(40)} ${shown.padStart(12)}${verdict}`);
    }
  }
}
if (json) console.log(JSON.stringify({ ...figures, machine }, null, 2));
