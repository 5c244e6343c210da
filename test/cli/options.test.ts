import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pasr } from './run-cli.js';

/**
 * No option is dropped silently: repeatable filters combine, one-value options given twice,
 * empty values and values out of range are refused with the option, the value and the range.
 */

const tmp = mkdtempSync(join(tmpdir(), 'pasr-options-'));
const trace = join(tmp, 'boot.pasrtrace');

beforeAll(() => {
  expect(pasr('boot', '--board', 'pandaboard-es', '--trace', trace).code).toBe(0);
});

function events(...args: string[]): { seq: number; kind: string; die?: string; mr?: number }[] {
  const r = pasr('inspect', trace, '--json', ...args);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const seqs = (list: { seq: number }[]) => list.map((e) => e.seq);

describe('pasr inspect: repeated filters combine', () => {
  it('--die twice: the events of either die', () => {
    const cs0 = events('--die', 'emif1.cs0', '--kind', 'dram.mrw');
    const cs1 = events('--die', 'emif1.cs1', '--kind', 'dram.mrw');
    const both = events('--die', 'emif1.cs0', '--die', 'emif1.cs1', '--kind', 'dram.mrw');
    expect(seqs(both)).toEqual(seqs([...cs0, ...cs1]).sort((a, b) => a - b));
    expect(new Set(both.map((e) => e.die))).toEqual(new Set(['emif1.cs0', 'emif1.cs1']));
  });

  it('--mr twice: the accesses of either register and the writes that issued them', () => {
    const both = events('--mr', '16', '--mr', '17', '--kind', 'dram.mrw');
    expect(new Set(both.map((e) => e.mr))).toEqual(new Set([16, 17]));
    expect(both).toHaveLength(8);
    expect(events('--mr', '17', '--mr', '16', '--die', 'emif2.cs1').map((e) => e.kind)).toEqual([
      'mmio.write',
      'mmio.write',
      'dram.mrw',
      'mmio.write',
      'mmio.write',
      'dram.mrw',
    ]);
  });

  it('--kind twice is the same as a comma-separated list', () => {
    expect(seqs(events('--kind', 'dram.mrr', '--kind', 'guest.error'))).toEqual(
      seqs(events('--kind', 'dram.mrr,guest.error')),
    );
  });

  it('refuses an MR number out of range (usage) and an MR the trace never accesses (bad input), like an unknown die', () => {
    expect(pasr('inspect', trace, '--mr', '999')).toMatchObject({
      code: 2,
      stderr: 'pasr: --mr 999: out of range (0-255)\n',
    });
    const r = pasr('inspect', trace, '--mr', '20');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^pasr: inspect: .*boot\.pasrtrace has no access to MR20 \(mode registers in this trace: MR0, MR1, /,
    );
    expect(pasr('inspect', trace, '--die', 'nope').stderr).toMatch(
      /^pasr: inspect: .*boot\.pasrtrace has no events for die nope \(dies in this trace: emif1\.cs0, /,
    );
  });

  it('refuses a one-value option given twice, an empty value and an inverted window', () => {
    expect(pasr('inspect', trace, '--from', '5', '--from', '10')).toMatchObject({
      code: 2,
      stderr: 'pasr: --from 10: given twice (first "5"); give it once\n',
    });
    expect(pasr('inspect', trace, '--kind', '')).toMatchObject({
      code: 2,
      stderr: 'pasr: --kind "": empty; give an event kind, e.g. dram.mrw\n',
    });
    expect(pasr('inspect', trace, '--from', '-1').stderr).toBe(
      'pasr: --from -1: out of range (0-9007199254740991 ns)\n',
    );
    expect(pasr('inspect', trace, '--from', '10', '--to', '5')).toMatchObject({
      code: 2,
      stderr: 'pasr: inspect: --from 10 is after --to 5\n',
    });
  });
});

describe('pasr boot: --json, --dmesg and --proc go together', () => {
  it('--json with --dmesg and --proc: the log and the views as JSON keys', () => {
    const r = pasr('boot', '--board', 'imx8mm-evk', '--json', '--dmesg', '--proc', 'buddyinfo', '--proc', 'vmstat');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { dmesg: string[]; proc: Record<string, string>; board: string };
    expect(j.board).toBe('imx8mm-evk');
    expect(j.dmesg.some((l) => /\] Zone ranges:$/.test(l))).toBe(true);
    expect(Object.keys(j.proc)).toEqual(['buddyinfo', 'vmstat']);
    expect(j.proc['buddyinfo']).toBe(pasr('boot', '--board', 'imx8mm-evk', '--proc', 'buddyinfo').stdout);
  });

  it('several --proc views one after another, after the log with --dmesg', () => {
    const buddy = pasr('boot', '--board', 'imx8mm-evk', '--proc', 'buddyinfo').stdout;
    const vmstat = pasr('boot', '--board', 'imx8mm-evk', '--proc', 'vmstat').stdout;
    const both = pasr('boot', '--board', 'imx8mm-evk', '--proc', 'buddyinfo', '--proc', 'vmstat');
    expect(both.stdout).toBe(`${buddy}\n${vmstat}`);
    const logged = pasr('boot', '--board', 'imx8mm-evk', '--dmesg', '--proc', 'buddyinfo').stdout;
    expect(logged).toMatch(/^\[ +0\.0+\] /);
    expect(logged.endsWith(`\n\n${buddy}`)).toBe(true);
  });

  it('refuses an unknown view and an empty trace name', () => {
    expect(pasr('boot', '--board', 'imx8mm-evk', '--proc', 'meminfo').stderr).toBe(
      'pasr: --proc meminfo: not one of buddyinfo, pagetypeinfo, vmstat, zoneinfo\n',
    );
    expect(pasr('boot', '--board', 'imx8mm-evk', '--trace', '')).toMatchObject({
      code: 2,
      stderr: 'pasr: --trace "": empty; give an output file name, or - for standard output\n',
    });
  });
});

describe('pasr board: port options', () => {
  const probe = (...args: string[]) => pasr('board', 'probe', '--board', 'pandaboard-es', ...args);

  it('refuses an empty port', () => {
    expect(probe('--port', '')).toMatchObject({
      code: 2,
      stderr: 'pasr: --port "": empty; give a serial port path, e.g. /dev/ttyUSB0\n',
    });
  });

  it('refuses a timeout or baud rate out of range, naming the range (no timer overflow)', () => {
    expect(probe('--port', join(tmp, 'p'), '--timeout', '99999999999')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'pasr: --timeout 99999999999: out of range (1-3600000 ms)\n',
    });
    expect(probe('--port', join(tmp, 'p'), '--timeout', '0').stderr).toBe(
      'pasr: --timeout 0: out of range (1-3600000 ms)\n',
    );
    expect(probe('--port', join(tmp, 'p'), '--timeout', 'soon').stderr).toBe(
      'pasr: --timeout soon: not a decimal or 0x-hex integer (1-3600000 ms)\n',
    );
    expect(probe('--port', join(tmp, 'p'), '--baud', '-9600').stderr).toBe(
      'pasr: --baud -9600: out of range (50-4000000)\n',
    );
  });

  it('apply refuses a mask that is not a byte, an empty segment list and a mask given twice', () => {
    const apply = (...args: string[]) =>
      pasr('board', 'apply', '--board', 'pandaboard-es', '--die', 'emif1.cs0', '--dry-run', ...args);
    expect(apply('--mr17', '0x100').stderr).toBe('pasr: --mr17 0x100: out of range (0-255)\n');
    expect(apply('--segments', ' ')).toMatchObject({
      code: 2,
      stderr: 'pasr: --segments " ": empty; give a segment list, e.g. 4-7 or 1,3\n',
    });
    expect(apply('--mr17', '0xf0', '--mr17', '0x0f').stderr).toBe(
      'pasr: --mr17 0x0f: given twice (first "0xf0"); give it once\n',
    );
  });

  it('apply --dry-run says that nothing went to the port it names', () => {
    const r = pasr(
      'board',
      'apply',
      '--port',
      '/dev/ttyUSB9',
      '--board',
      'imx8mm-evk',
      '--die',
      'ddrc.rank0.cha',
      '--mr17',
      '0xf0',
      '--dry-run',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'note: an MRW to ddrc.rank0.cha also reaches ddrc.rank0.chb (they share its command bus)\n' +
        'note: --dry-run: nothing was sent to /dev/ttyUSB9\n',
    );
  });
});

describe('pasr board serve --link', () => {
  it('refuses a path that exists, and leaves it as it was', () => {
    const other = join(tmp, 'ttyOTHER');
    symlinkSync('/dev/null', other);
    const r = pasr('board', 'serve', '--board', 'pandaboard-es', '--link', other);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `pasr: --link ${other}: already exists (a link to /dev/null: another pasr board serve may be using it); pasr does not replace a path it did not create: give another path\n`,
    );
    expect(readlinkSync(other)).toBe('/dev/null');

    const file = join(tmp, 'notes.txt');
    writeFileSync(file, 'keep me\n');
    expect(pasr('board', 'serve', '--board', 'pandaboard-es', '--link', file).stderr).toMatch(
      /already exists \(a file\); pasr does not replace a path it did not create/,
    );
    expect(existsSync(file)).toBe(true);
  });
});

describe('pasr map and demo', () => {
  it('map refuses a segment given twice and an empty board', () => {
    expect(pasr('map', '--board', 'pandaboard-es', '--segment', '1', '--segment', '2').stderr).toBe(
      'pasr: --segment 2: given twice (first "1"); give it once\n',
    );
    expect(pasr('map', '--board', '', '--segment', '1')).toMatchObject({
      code: 2,
      stderr: 'pasr: --board "": empty; give a board name or a board config file\n',
    });
  });

  it('demo refuses a PASR unit the board does not have', () => {
    expect(pasr('demo', '--unit', '8')).toMatchObject({
      code: 1,
      stderr: 'pasr: demo: --unit 8: pandaboard-es has PASR units 0-7\n',
    });
  });
});

describe('pasr run, power, workloads and boards from-dts/to-dts: the same checks', () => {
  it('refuse empty names, values given twice and values out of range (usage, exit 2)', () => {
    const run = ['run', '--board', 'pandaboard-es', '--workload', 'example-nap', '--policy', 'none'];
    for (const [args, message] of [
      [
        ['run', '--board', 'pandaboard-es', '--workload', '', '--policy', 'none'],
        '--workload "": empty; give a shipped workload name or a scenario file',
      ],
      [[...run, '--seed', '1', '--seed', '2'], '--seed 2: given twice (first "1"); give it once'],
      [[...run, '--temperature', '1e9'], '--temperature 1e9: out of range (-40 to 125 °C)'],
      [['power', '--active-share', '-0.5'], '--active-share -0.5: out of range (0-1)'],
      [['workloads', 'validate', ''], 'file "": empty; give a workload scenario file'],
      [['boards', 'to-dts', ''], 'board "": empty; give a board name or a board config file'],
      [
        ['boards', 'from-dts', 'test/fixtures/dts/jedec-lpddr4.dts', '--out', ''],
        '--out "": empty; give an output file name',
      ],
    ] as const)
      expect(pasr(...args)).toEqual({ code: 2, stdout: '', stderr: `pasr: ${message}\n` });
  });

  it('a scenario with a mistake: one pasr: line, then one FILE:LINE:COL line per problem (bad input, exit 1)', () => {
    const file = 'test/fixtures/workloads/nap-with-mistakes.json';
    expect(pasr('run', '--board', 'pandaboard-es', '--workload', file, '--policy', 'none')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `pasr: ${file}: not a valid workload scenario (1 problem):\n` +
        `${file}:29:19: phases[1].duration: expected a number followed by ns, us, ms, s, m, h or d, got "118 min"\n`,
    });
  });
});
