#!/usr/bin/env node
// Launcher for the `pasr` command: runs the esbuild bundle, building it first when it is
// missing or older than the sources (so `npx pasr` works straight after `npm ci`).
import { existsSync, statSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/pasr.mjs');

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
  ['cli', 'firmware', 'hal', 'board-configs'].some(
    (d) => existsSync(join(root, d)) && newestSource(join(root, d)) > statSync(bundle).mtimeMs,
  );

if (!existsSync(bundle) || (existsSync(join(root, 'node_modules/esbuild')) && sourcesChanged())) {
  execFileSync(process.execPath, [join(root, 'cli/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
await import(pathToFileURL(bundle).href);
