import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, reportError } from '../../cli/errors.js';
import { pasr, ROOT } from './run-cli.js';

/**
 * One voice for every command: an error is one `pasr: message` line on stderr (detail lines,
 * such as FILE:LINE:COL problems, follow it), and the exit status says what kind of problem it
 * was: 0 ok, 1 bad input or a failed operation, 2 usage, 3 PASR safety, 70 internal.
 */

const tmp = mkdtempSync(join(tmpdir(), 'pasr-exit-'));

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

describe('exit status 0: success', () => {
  it('a command that did what was asked', () => {
    const r = pasr('boards');
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pasr('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the options and marks the required ones', () => {
    const boot = pasr('boot', '--help');
    expect(boot.code).toBe(0);
    expect(boot.stdout).toMatch(/--board <name\|file>\s+a board name or a board config file \(required\)/);
    expect(boot.stdout).toMatch(
      /--trace <out>\s+write the register-write trace \(\.pasrtrace;\s+-\s+for\s+standard\s+output\)\n/,
    );
    const probe = pasr('board', 'probe', '--help').stdout;
    expect(probe).toMatch(/--port <path>\s+serial port \(required\)/);
    const apply = pasr('board', 'apply', '--help').stdout;
    expect(apply).toMatch(/--port <path>\s+serial port \(required unless --dry-run\)/);
    expect(apply).toMatch(/--die <id>\s+die \(repeatable\) \(required\)/);
  });
});

describe('exit status 1: bad input or a failed operation', () => {
  it('a board that does not exist', () => {
    const r = pasr('boot', '--board', 'nope');
    expect(r.code).toBe(1);
    expect(firstLine(r.stderr)).toMatch(/^pasr: unknown board "nope" \(boards: (\S+, )*pandaboard-es[,;]/);
  });

  it('a board config with problems: one pasr: line, then one FILE:LINE:COL line per problem', () => {
    const r = pasr('boot', '--board', 'test/fixtures/bad-configs/mr8-wrong-density.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'pasr: test/fixtures/bad-configs/mr8-wrong-density.json: not a valid board config (1 problem):\n' +
        'test/fixtures/bad-configs/mr8-wrong-density.json:37:16: dram.parts.elpida-ECB240ABACN.mr8: MR8 0x18 says 4096 Mbit x32 type S4, but the part is 2048 Mbit x32\n',
    );
  });

  it('boards validate: the problems on stdout, a summary on stderr', () => {
    const r = pasr(
      'boards',
      'validate',
      'board-configs/snowball.json',
      'test/fixtures/bad-configs/mr8-wrong-density.json',
      'test/fixtures/bad-configs/interleave-not-covering.json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(r.stderr).toBe('pasr: 2 of 3 board configs are not valid\n');
    const one = pasr('boards', 'validate', 'test/fixtures/bad-configs/mr8-wrong-density.json');
    expect(one.stderr).toBe('pasr: test/fixtures/bad-configs/mr8-wrong-density.json is not a valid board config\n');
  });

  it('a board operation refused for a hazard, before the port is opened', () => {
    const r = pasr(
      'board',
      'apply',
      '--port',
      join(tmp, 'no-such-port'),
      '--board',
      'pandaboard-es',
      '--die',
      'emif1.cs0',
      '--mr17',
      '0xf0',
    );
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      'pasr: refused to run apply emif1.cs0 MR17=0xf0: partial-interleave-group: emif1.cs0 is interleaved with emif1.cs1, emif2.cs0, emif2.cs1 in 128 B pieces: masking part of an interleave group loses data in every page of the masked range, whatever the kernel freed; mask the whole group: --die emif1.cs0 --die emif1.cs1 --die emif2.cs0 --die emif2.cs1 (use --force to run it anyway)',
      'nothing was sent: 0 of 2 register operations applied',
      '',
    ]);
  });

  it('a serial port that does not exist', () => {
    const port = join(tmp, 'ttyGONE');
    const r = pasr('board', 'probe', '--port', port, '--board', 'pandaboard-es');
    expect([r.code, r.stderr]).toEqual([1, `pasr: ${port}: no such serial port (list them with: pasr board ports)\n`]);
  });
});

describe('exit status 2: usage', () => {
  it.each([
    [['frob'], "pasr: unknown command 'frob'; see pasr --help"],
    [
      ['boot', '--board', 'pandaboard-es', '--jsn'],
      "pasr: unknown option '--jsn' (Did you mean --json?); see pasr boot --help",
    ],
    [['boot'], "pasr: required option '--board <name|file>' not specified; see pasr boot --help"],
    [
      ['inspect', 'x.pasrtrace', '--json', '--csv'],
      "pasr: option '--json' cannot be used with option '--csv'; see pasr inspect --help",
    ],
    [['map', '--board', 'pandaboard-es'], 'pasr: map: give --segment S or --bank K'],
    [
      ['board', 'apply', '--board', 'pandaboard-es', '--die', 'emif1.cs0', '--mr17', '1'],
      'pasr: board apply: give --port PATH (or --dry-run to print the console commands)',
    ],
  ])('pasr %j', (args, message) => {
    const r = pasr(...args);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', `${message}\n`]);
  });

  it('no command at all: the help, on stderr', () => {
    const r = pasr();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: pasr \[options\] \[command\]/);
  });
});

describe('exit status 3: the PASR safety invariant', () => {
  it('masking a PASR unit that holds live pages is reported at self-refresh entry, and the lost pages counted', () => {
    const r = pasr('demo', '--unit', '1');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      'PASR: masking MR17 bit 1 on emif1.cs0 emif1.cs1 emif2.cs0 emif2.cs1 = 0x88000000-0x8fffffff (128 MiB, 16 live pages: a kernel would not mask it)',
    );
    expect(r.stdout).toContain(
      '  safety check at self-refresh entry:\n' +
        '    PASR SAFETY VIOLATION: die emif1.cs0 would enter self-refresh with bank mask 0x0 segment mask 0x2 over 8 live pages (8 reserved), first at pfn 0x88000\n',
    );
    expect(r.stdout).toContain('  pages poisoned on exit: 32768; live pages lost: 16');
    expect(r.stderr).toBe(
      'pasr: PASR safety invariant violated: 4 of 4 dies entered self-refresh with live pages masked; 16 live pages lost\n',
    );
  });

  it('a unit with no live page passes, like the default demo', () => {
    const r = pasr('demo', '--unit', '7');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('live pages lost: 0');
  });
});

describe('exit status 70: an internal error', () => {
  it('is one pasr: line asking for a report, never a stack trace; PASR_DEBUG rethrows it', () => {
    let err = '';
    expect(reportError(new TypeError('x is undefined'), (s) => (err += s))).toBe(EXIT.internal);
    expect(err).toBe(
      'pasr: internal error: x is undefined (set PASR_DEBUG=1 for a stack trace, and please report it)\n',
    );
    expect(() => reportError(new TypeError('x is undefined'), () => {}, true)).toThrow('x is undefined');
  });

  it('the codes are the documented ones', () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, safety: 3, internal: 70 });
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [code, what] of [
      [0, 'success'],
      [1, 'bad input'],
      [2, 'usage'],
      [3, 'PASR safety'],
      [70, 'internal error'],
    ] as const)
      expect(readme).toMatch(new RegExp(`\\| ${code} +\\| ${what}`));
  });
});

describe('a power figure outside the part’s power table says so', () => {
  it('the demo at 100 °C on a part whose table stops at 85 °C', () => {
    const text = readFileSync(join(ROOT, 'board-configs/pandaboard-es.json'), 'utf8');
    const hot = join(tmp, 'pandaboard-hot.json');
    writeFileSync(hot, text.replace('"temperatureC": 45,', '"temperatureC": 100,'));
    const r = pasr('demo', '--board', hot);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('% saved at 100 °C');
    const note = /100 °C is above the .*elpida-ECB240ABACN.* \(45-85 °C\): .*85 °C/;
    expect(r.stdout).toMatch(note);
    expect(pasr('demo').stdout).not.toMatch(/°C is (above|below) the /);
  });
});
