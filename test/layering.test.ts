import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const HOST_MODULES =
  /^(node:)?(fs|fs\/promises|child_process|process|os|readline|net|tty|worker_threads)$|^serialport$|^@serialport\//;
const WALL_CLOCK = /\bDate\.now\(|\bsetTimeout\(|\bsetInterval\(|\bperformance\.now\(|\bprocess\./;

describe('layering: imports only go downward (cli → firmware → hal)', () => {
  for (const layer of ['hal', 'firmware']) {
    it(`${layer}/ touches no host I/O, no process and no wall clock`, () => {
      const offenders: string[] = [];
      for (const f of sources(layer)) {
        for (const spec of imports(f)) if (HOST_MODULES.test(spec)) offenders.push(`${f} imports ${spec}`);
        const code = readFileSync(join(root, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        if (WALL_CLOCK.test(code)) offenders.push(`${f} reads the wall clock or process`);
      }
      expect(offenders).toEqual([]);
    });
  }

  it('hal/ imports nothing from firmware/ or cli/, firmware/ nothing from cli/', () => {
    const offenders: string[] = [];
    for (const [layer, banned] of [
      ['hal', ['firmware', 'cli']],
      ['firmware', ['cli']],
    ] as const) {
      for (const f of sources(layer)) {
        for (const spec of imports(f)) {
          if (!spec.startsWith('.')) continue;
          const target = relative(root, join(root, f, '..', spec)).split('/')[0]!;
          if ((banned as readonly string[]).includes(target)) offenders.push(`${f} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('exactly one module imports serialport', () => {
    const importers = ['cli', 'firmware', 'hal']
      .flatMap(sources)
      .filter((f) => imports(f).some((s) => s === 'serialport' || s.startsWith('@serialport/')));
    expect(importers).toEqual(['cli/serial/open-port.ts']);
  });
});
