import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { parseBoardConfig } from '../../../hal/board/load-board.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import type { SerialIo } from '../../../cli/serial/commands.js';

export const ROOT = join(import.meta.dirname, '../../..');

export function loadBoard(name: string): BoardConfig {
  const file = join(ROOT, 'board-configs', `${name}.json`);
  const r = parseBoardConfig(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new Error(`${file}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.board;
}

/** An output sink that keeps lines. */
export function captureIo(): SerialIo & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}

/** Console timeouts short enough for tests (a real board wants the defaults). */
export const TEST_CONSOLE = { firstReplyTimeoutMs: 400, syncTimeoutMs: 150, syncAttempts: 2, settleMs: 10 } as const;

/** A second process that opens `path` with serialport (lock: true) and holds it. */
export async function holdPort(path: string): Promise<ChildProcess> {
  const script = `
    import { SerialPort } from 'serialport';
    const p = new SerialPort({ path: ${JSON.stringify(path)}, baudRate: 115200 });
    p.on('open', () => console.log('held'));
    p.on('error', (e) => { console.error(e.message); process.exit(3); });
    setTimeout(() => process.exit(0), 20000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('held')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`port holder exited (${code}): ${err}`)));
  });
  return child;
}
