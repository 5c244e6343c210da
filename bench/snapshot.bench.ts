import { join } from 'node:path';
import { readSnapshot } from '../cli/snapshot/read-snapshot.js';
import { analyzeMemory } from '../firmware/snapshot/memory-report.js';
import { arrayPowerModel, estimatePasr, segmentSpecs } from '../firmware/snapshot/pasr-estimate.js';
import { median } from './stats.js';

const REPEATS = 3;

/**
 * `pasr snapshot analyze` on a real 24 GiB snapshot (6.5 million page frames): reading it
 * (gunzip and decoding the page flags and map counts, streamed), the machine-wide analysis (free
 * blocks, classes, cross-checks) and the estimate over 1 GiB segments, each the median of repeats.
 */
export async function runSnapshotBench(root: string): Promise<Record<string, number>> {
  const dir = join(root, 'test', 'fixtures', 'snapshots', 'x86-vm-page-cache-and-anon');
  const read: number[] = [];
  const memory: number[] = [];
  const estimate: number[] = [];
  let frames = 0;
  for (let rep = 0; rep <= REPEATS; rep++) {
    const t0 = performance.now();
    const snap = await readSnapshot(dir);
    const t1 = performance.now();
    const m = analyzeMemory(snap.data);
    const t2 = performance.now();
    const specs = segmentSpecs(snap.data.layout, 2 ** 30);
    const e = estimatePasr(snap.data.kinds, snap.data.layout, specs, 'bench', arrayPowerModel(specs, 45), 45);
    const t3 = performance.now();
    if (e.segments.length !== 24 || m.ramPages === 0) throw new Error('snapshot bench analysed nothing');
    frames = snap.data.frames;
    if (rep === 0) continue;
    read.push(t1 - t0);
    memory.push(t2 - t1);
    estimate.push(t3 - t2);
  }
  return {
    'snapshot.24GiB.readMs': median(read),
    'snapshot.24GiB.analyzeMs': median(memory),
    'snapshot.24GiB.segmentsMs': median(estimate),
    'snapshot.framesPerSec': (frames / median(read)) * 1e3,
  };
}
