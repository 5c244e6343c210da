import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { pasr, ROOT } from './run-cli.js';

const FIX = 'test/fixtures/ftrace';
const NAP = `${FIX}/kmem-nap.txt.gz`;
const work = mkdtempSync(join(tmpdir(), 'pasr-ftrace-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Write a file in the scratch folder; returns its path. */
function file(name: string, data: string | Buffer): string {
  const p = join(work, name);
  writeFileSync(p, data);
  return p;
}

const replay = (input: string, ...more: string[]) =>
  pasr('ftrace', 'replay', input, '--board', 'pandaboard-es', '--policy', 'oracle', ...more);

/** The nap capture as text, and a few real lines of it. */
const napText = gunzipSync(readFileSync(join(ROOT, NAP))).toString('latin1');
const napLines = napText.split('\n');
const events = napLines.filter((l) => l.includes(': mm_page_'));

describe('pasr ftrace replay', () => {
  it('prints the trace figures first, then the keys of pasr run --json, then the replay', () => {
    const r = replay(NAP, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const keys = Object.keys(j);
    expect(keys.slice(0, 8)).toEqual([
      'eventsParsed',
      'eventsByKind',
      'skippedLines',
      'lostEvents',
      'overwritten',
      'board',
      'workload',
      'policy',
    ]);
    for (const k of ['savingPercent', 'oraclePercent', 'suspendCount', 'violations', 'timeline', 'replay'])
      expect(keys).toContain(k);
    expect(j.eventsParsed).toBe(19395);
    expect(j.eventsByKind).toMatchObject({ mm_page_alloc: 10193, mm_page_free: 9202 });
    expect(j.overwritten).toBe(0);
    expect(j.workload).toBe('kmem-nap.txt.gz');
    expect(j.suspendCount).toBe(8);
    expect(j.replay.mode).toBe('order');
    expect(j.replay.policy.allocs).toBe(10193);
  });

  it('reads plain text, gzip and standard input alike', () => {
    const plain = file('nap.txt', napText);
    const a = JSON.parse(replay(NAP, '--json').stdout);
    const b = JSON.parse(replay(plain, '--json').stdout);
    const stdin = spawnSync(
      process.execPath,
      [
        join(ROOT, 'dist', 'pasr.mjs'),
        'ftrace',
        'replay',
        '-',
        '--board',
        'pandaboard-es',
        '--policy',
        'oracle',
        '--json',
      ],
      { cwd: ROOT, input: readFileSync(join(ROOT, NAP)), env: { ...process.env, PASR_DEBUG: '' } },
    );
    expect(stdin.status).toBe(0);
    const c = JSON.parse(stdin.stdout.toString('utf8'));
    for (const x of [b, c]) {
      expect({ ...x, workload: '' }).toEqual({ ...a, workload: '' });
    }
    expect(c.workload).toBe('stdin');
  });

  it('says what the capture lost: an overflowed buffer, [LOST N EVENTS] markers', () => {
    const r = replay(`${FIX}/kmem-trace.txt.gz`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'the trace buffer overflowed: 140733 events were overwritten before it was read (entries-in-buffer/entries-written); the file holds the last ones',
    );
    const lost = JSON.parse(replay(`${FIX}/kmem-pipe-lost.txt.gz`, '--json').stdout);
    expect(lost.lostEvents).toBe(35083);
    expect(lost.overwritten).toBeNull();
  });

  it('counts what it can go on without: garbage lines, a malformed event, a truncated last line', () => {
    const text = [
      ...napLines.slice(0, 100),
      'garbage in the middle of the capture',
      '         python3-1 [000] ..... 15045.9: mm_page_free: page=0000000012345678 pfn=0xnothex order=0',
      ...napLines.slice(100, 200),
      events[300]!.slice(0, 60),
    ].join('\n');
    const r = replay(file('noisy.txt', text), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.skippedLines).toMatchObject({ notATraceLine: 1, malformedEvent: 1, truncatedLastLine: 1 });
    expect(j.trace.firstSkippedLine).toMatchObject({ notATraceLine: 101, malformedEvent: 102, truncatedLastLine: 203 });
    const t = replay(file('noisy.txt', text));
    expect(t.stdout).toContain(
      '15 skipped (12 header, first at line 1; 1 malformedEvent, first at line 102; 1 notATraceLine, first at line 101; 1 truncatedLastLine, first at line 203)',
    );
  });

  it('streams: a trace far larger than the heap it is given replays in it', () => {
    // 40 copies of the nap capture: 776 000 lines, 106 MB, replayed with a 64 MB JavaScript heap.
    const big = file('big.txt', napText.repeat(40));
    const r = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=64',
        join(ROOT, 'dist', 'pasr.mjs'),
        'ftrace',
        'replay',
        big,
        '--board',
        'pandaboard-es',
        '--policy',
        'oracle',
        '--json',
      ],
      { cwd: ROOT, env: { ...process.env, PASR_DEBUG: '' }, timeout: 120_000 },
    );
    expect(r.stderr.toString('utf8')).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString('utf8')).eventsParsed).toBe(40 * 19395);
    rmSync(big);
  });

  it('replays at the traced pfns with --mode exact', () => {
    const j = JSON.parse(replay(NAP, '--mode', 'exact', '--json').stdout);
    expect(j.replay.mode).toBe('exact');
    expect(j.replay.policy.exactPlaced + j.replay.policy.exactCollisions).toBe(10193);
  });
});

describe('pasr ftrace replay on bad input', () => {
  const fails = (input: string, message: string, code = 1) => {
    const r = replay(input);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`pasr: ${message}\n`);
    expect(r.code).toBe(code);
  };

  it('refuses corrupt and truncated gzip, naming the file and the last line read', () => {
    const gz = gzipSync(Buffer.from(napText, 'latin1'));
    // A wrong checksum in the trailer: found at the end, every line read.
    const crc = Buffer.from(gz);
    crc[crc.length - 8] = crc[crc.length - 8]! ^ 0xff;
    const r = replay(file('crc.txt.gz', crc));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^pasr: \S+crc\.txt\.gz: corrupt gzip data after line 19\d{3} \(incorrect data check\)\n$/,
    );
    // A bad deflate block right after the header: nothing read.
    const block = Buffer.from(gz);
    block[10] = 0xff;
    const b = file('block.txt.gz', block);
    fails(b, `${b}: corrupt gzip data after line 0 (invalid block type)`);
    const cut = replay(file('cut.txt.gz', gz.subarray(0, gz.length - 1000)));
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(
      /^pasr: \S+cut\.txt\.gz: corrupt gzip data after line \d+ \(unexpected end of file\)\n$/,
    );
  });

  it('refuses a file named .gz that is not gzip', () => {
    const p = file('plain.gz', napText.slice(0, 1000));
    fails(p, `${p}: named .gz but not gzip data (it starts with bytes 23 20 74 72, not 1f 8b)`);
  });

  it("refuses a CSV, another tracer's output and binary junk at the line where they show", () => {
    const csv = file('trace.csv', 'time,pfn,order\n1.0,0x100,0\n');
    fails(
      csv,
      `${csv}:1: not a kernel trace line (no [CPU] column): "time,pfn,order"; expected TASK-PID [CPU] FLAGS SECONDS.USEC: EVENT: FIELDS`,
    );
    const fn = file(
      'function.txt',
      '# tracer: function\n#\n   bash-1 [000] ..... 1.000000: do_idle <-cpu_startup_entry\n',
    );
    const r = replay(fn);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pasr: \S+function\.txt:1: a trace of the "function" tracer; pasr replays kmem events/);
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    const bin = file('junk.bin', junk);
    fails(bin, `${bin}:1: binary data (byte 0x07 at column 1): a kernel trace is text`);
  });

  it('refuses an empty file, a trace without page events, a missing file and a directory', () => {
    const empty = file('empty.txt', '');
    fails(empty, `${empty}: empty: no trace line`);
    const sched = file('sched.txt', '            bash-1     [000] ..... 1.000000: sched_switch: prev_comm=bash\n');
    fails(
      sched,
      `${sched}:1: no page allocated or freed (no mm_page_alloc or mm_page_free event in 1 lines): capture with events/kmem/mm_page_alloc and mm_page_free enabled`,
    );
    fails(join(work, 'missing.txt'), `${join(work, 'missing.txt')}: cannot read the trace: no such file`);
    const dir = join(work, 'a-dir');
    mkdirSync(dir);
    fails(dir, `${dir}: is a directory; a trace must be a file, a FIFO or - (standard input)`);
  });

  it('refuses bad options as usage errors', () => {
    expect(replay(NAP, '--mode', 'fast').stderr).toBe('pasr: --mode fast: not one of order, exact\n');
    expect(replay(NAP, '--idle', '0s')).toMatchObject({ code: 2, stderr: 'pasr: --idle 0s: must be more than zero\n' });
    expect(pasr('ftrace', 'replay', NAP, '--board', 'pandaboard-es', '--policy', 'nope').code).toBe(2);
  });
});
