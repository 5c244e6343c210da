/**
 * The README is the user's manual: every example session in it that needs no serial port is run
 * here against the built CLI and must print what the README shows (stdout and stderr, as a
 * terminal shows them). Serial sessions run against `pasr board serve`, the virtual board; as in
 * the README, a board served by one example stays up for the examples after it. A line that starts with `…`
 * in the README stands for lines left out (any number, possibly none).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, ROOT } from './run-cli.js';

interface Step {
  command: string;
  expected: string[];
}

/** Fenced blocks that are shell sessions (`$ npx pasr ...` lines followed by their output). */
function sessions(markdown: string): { line: number; steps: Step[] }[] {
  const out: { line: number; steps: Step[] }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('```')) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    const body = lines.slice(start, end);
    i = end;
    if (!body[0]?.startsWith('$ ')) continue;
    const steps: Step[] = [];
    for (const l of body) {
      if (l.startsWith('$ ')) steps.push({ command: l.slice(2), expected: [] });
      else steps[steps.length - 1]!.expected.push(l);
    }
    for (const s of steps) while (s.expected.length > 0 && s.expected[s.expected.length - 1] === '') s.expected.pop();
    out.push({ line: start, steps });
  }
  return out;
}

/** `npx pasr ...`, possibly after environment assignments (`PASR_BOARDS=dir npx pasr ...`). */
const PASR_COMMAND = /^((?:[A-Z_]+=\S* )*)npx pasr /;

/**
 * Setting up files for an example, in the session's own directory: `mkdir -p DIR`, `cp FILE DIR/`,
 * `sed 'SCRIPT' FILE > DIR/FILE`.
 */
const FILE_SETUP = /^(mkdir -p [\w./-]+|cp [\w./-]+ [\w./-]+|sed '[^']*' [\w./-]+ > [\w./-]+)$/;

/**
 * Sessions of `pasr` commands (and the file setup they need). Left out: those on a file the
 * reader writes themselves (my-board.json) and `npm run bench`, whose figures depend on the machine.
 */
function runnable(steps: Step[]): boolean {
  return steps.every(
    (s) =>
      (s.command === 'echo $?' || PASR_COMMAND.test(s.command) || FILE_SETUP.test(s.command)) &&
      !/my-board\.json/.test(s.command),
  );
}

/** `expected` (with `…` wildcards) matches `actual` line for line. */
function matches(expected: string[], actual: string[]): boolean {
  const go = (e: number, a: number): boolean => {
    if (e === expected.length) return a === actual.length;
    if (expected[e]!.trim().startsWith('…')) {
      for (let k = a; k <= actual.length; k++) if (go(e + 1, k)) return true;
      return false;
    }
    return a < actual.length && expected[e] === actual[a] && go(e + 1, a + 1);
  };
  return go(0, 0);
}

const work = mkdtempSync(join(tmpdir(), 'pasr-readme-'));
symlinkSync(join(ROOT, 'board-configs'), join(work, 'board-configs'));
symlinkSync(join(ROOT, 'test'), join(work, 'test'));
symlinkSync(join(ROOT, 'workloads'), join(work, 'workloads'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PASR = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist', 'pasr.mjs'))}`;
const background: ChildProcess[] = [];
afterAll(() => {
  for (const c of background) c.kill('SIGTERM');
});

/**
 * The command as a user types it, through sh with stderr merged into stdout (what a terminal
 * shows); the README's /tmp/tty* port links live in a private directory instead.
 */
function shell(command: string): string {
  return `exec 2>&1; ${command.replace(PASR_COMMAND, `$1exec ${PASR} `).replaceAll('/tmp/tty', `${work}/tty`)}`;
}

function shown(output: string): string[] {
  const text = output
    .replace(/\n$/, '')
    .replaceAll(`${work}/tty`, '/tmp/tty')
    .replace(/\/dev\/pts\/\d+/g, '/dev/pts/N');
  return text === '' ? [] : text.split('\n');
}

/** A command ending in `&`: start it, wait (bounded) for the lines the README shows, leave it running. */
async function runInBackground(command: string, lines: number): Promise<string[]> {
  const child = spawn('sh', ['-c', shell(command.replace(/&\s*$/, ''))], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: cliEnv(),
  });
  background.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  for (let waited = 0; shown(out).length < lines && waited < 15_000 && child.exitCode === null; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return shown(out);
}

function run(command: string, lastCode: number): { code: number; lines: string[] } {
  if (command === 'echo $?') return { code: 0, lines: [String(lastCode)] };
  expect(command).toMatch(FILE_SETUP.test(command) ? FILE_SETUP : PASR_COMMAND);
  const r = spawnSync('sh', ['-c', shell(command)], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    env: cliEnv(),
  });
  return { code: r.status ?? -1, lines: shown(r.stdout) };
}

for (const file of ['README.md', 'board-configs/README.md']) {
  const all = sessions(readFileSync(join(ROOT, file), 'utf8'));
  const checked = all.filter((s) => runnable(s.steps));
  describe(`${file}: example sessions`, () => {
    it('has examples this test can run', () => {
      expect(checked.length).toBeGreaterThanOrEqual(file === 'README.md' ? 8 : 1);
    });
    for (const s of checked) {
      it(`line ${s.line}: ${s.steps
        .map((x) => x.command)
        .join(' ; ')
        .slice(0, 100)}`, async () => {
        let code = 0;
        for (const step of s.steps) {
          const r = /&\s*$/.test(step.command)
            ? { code: 0, lines: await runInBackground(step.command, step.expected.length) }
            : run(step.command, code);
          code = r.code;
          const expected = step.expected.map((l) => l.replace(/\/dev\/pts\/\d+/g, '/dev/pts/N'));
          if (!matches(expected, r.lines)) {
            // Show the difference the way a reader would fix it.
            expect(r.lines.join('\n'), `${file}:${s.line}: \`${step.command}\``).toBe(expected.join('\n'));
          }
        }
      });
    }
  });
}
