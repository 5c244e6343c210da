#!/usr/bin/env node
// Launcher for the `pasr` command: runs the esbuild bundle, building it first when it is
// missing or older than the sources (so `npx pasr` works straight after `npm ci`, and after
// `npm ci --omit=dev`: esbuild is a dependency). What is missing is said in one `pasr: ...`
// line with exit status 1, never with a stack trace.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/pasr.mjs');

function fail(message) {
  process.stderr.write(`pasr: ${message}\n`);
  process.exit(1);
}

function newestSource(dir, newest = 0) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = newestSource(p, newest);
    else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const sourcesChanged = () =>
  statSync(join(root, 'package.json')).mtimeMs > statSync(bundle).mtimeMs ||
  ['cli', 'firmware', 'hal', 'board-configs', 'workloads'].some(
    (d) => existsSync(join(root, d)) && newestSource(join(root, d)) > statSync(bundle).mtimeMs,
  );

function hasEsbuild() {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

// (the worker threads of `pasr compare` run a second bundle, built with the first)
const built = existsSync(bundle) && existsSync(join(root, 'dist/compare-worker.mjs'));
if (!built || (hasEsbuild() && sourcesChanged())) {
  if (!hasEsbuild())
    fail('dist/pasr.mjs is not built, and esbuild, which builds it, is not installed: run npm ci (or npm run build)');
  const r = spawnSync(process.execPath, [join(root, 'cli/build.mjs')], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) {
    const why = (r.stderr?.toString() || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 5);
    fail(`building dist/pasr.mjs failed (run npm ci, then npm run build):\n${why.join('\n')}`);
  }
}
try {
  await import(pathToFileURL(bundle).href);
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  fail(`a package pasr needs is not installed (${e.message.split('\n')[0]}): run npm ci`);
}
