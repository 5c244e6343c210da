/**
 * Boards kept outside the repository: the board search path (`--boards-dir DIR`, repeatable;
 * PASR_BOARDS=DIR:DIR; then the shipped board-configs/), names that two files claim, files named
 * differently from their board, and `pasr boards validate` over a folder. Through the built CLI.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pasrIn, ROOT } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'pasr-boards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const shipped = (name: string): string => readFileSync(join(ROOT, 'board-configs', `${name}.json`), 'utf8');
const renamed = (name: string, to: string): string => shipped(name).replace(`"name": "${name}"`, `"name": "${to}"`);
const SHIPPED = readdirSync(join(ROOT, 'board-configs'))
  .filter((f) => f.endsWith('.json') && f !== 'board.schema.json')
  .sort();

/** A folder under the temp dir holding these files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return name;
}

const run = (env: Record<string, string>, ...args: string[]) => pasrIn({ cwd: tmp, env }, ...args);

// A shipped board copied under a new name: the user's own board.
const mine = folder('mine', { 'my-panda.json': renamed('pandaboard-es', 'my-panda') });
const lab = folder('lab', { 'lab-imx6.json': renamed('imx6sl-evk', 'lab-imx6') });

describe('the board search path', () => {
  it('pasr boards lists --boards-dir folders, then PASR_BOARDS folders, then the shipped boards', () => {
    const r = run({ PASR_BOARDS: lab }, '--boards-dir', mine, 'boards', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = (JSON.parse(r.stdout) as { name: string; file: string }[]).map((b) => [b.name, b.file]);
    expect(files).toEqual([
      ['my-panda', 'mine/my-panda.json'],
      ['lab-imx6', 'lab/lab-imx6.json'],
      ...SHIPPED.map((f) => [f.replace(/\.json$/, ''), `board-configs/${f}`]),
    ]);
  });

  it('a copied board boots, maps and plans register writes under its own name, wherever --boards-dir is given', () => {
    const boot = run({}, 'boot', '--board', 'my-panda', '--boards-dir', mine, '--json');
    expect(boot.code).toBe(0);
    expect(JSON.parse(boot.stdout)).toMatchObject({ board: 'my-panda', ok: true, registerWrites: 68 });
    expect(run({}, '--boards-dir', mine, 'map', '--board', 'my-panda', '--segment', '3', '--json').stdout).toContain(
      '"board":"my-panda"',
    );
    const apply = run(
      { PASR_BOARDS: `${lab}:${mine}` },
      'board',
      'apply',
      '--board',
      'my-panda',
      '--die',
      'emif1.cs0',
      '--mr17',
      '0xf0',
      '--dry-run',
    );
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('mw.l 0x4c000040 0x000000f0');
    expect(run({ PASR_BOARDS: lab }, 'demo', '--board', 'lab-imx6').stdout).toMatch(/^pasr-emu: lab-imx6 — /);
  });

  it('power, run and boards to-dts find the board through --boards-dir and PASR_BOARDS too', () => {
    const power = run({}, 'power', '--board', 'my-panda', '--boards-dir', mine, '--json');
    expect(power.code).toBe(0);
    expect(JSON.parse(power.stdout)).toMatchObject({ board: 'my-panda' });
    const r = run(
      { PASR_BOARDS: lab },
      'run',
      '--board',
      'lab-imx6',
      '--workload',
      'example-nap',
      '--policy',
      'oracle',
      '--duration',
      '60s',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ board: 'lab-imx6', policy: 'oracle', simulatedSeconds: 60 });
    const dts = run({}, '--boards-dir', mine, 'boards', 'to-dts', 'my-panda');
    expect(dts.code).toBe(0);
    expect(dts.stdout).toContain(' * (pasr boards to-dts mine/my-panda.json).');
  });

  it('without the folder the name is unknown, with the closest name suggested', () => {
    const r = run({}, 'boot', '--board', 'my-panda');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^pasr: unknown board "my-panda" \(boards: (\S+, )*pandaboard-es(, \S+)*; or give a path to a \.json config\)\n$/,
    );
    const typo = run({}, '--boards-dir', mine, 'boot', '--board', 'my-pamda');
    expect(typo.stderr).toMatch(
      /^pasr: unknown board "my-pamda"; did you mean my-panda\? \(boards: .*; searched mine and the shipped boards;/,
    );
    expect(run({}, 'boot', '--board', 'pandaboard').stderr).toMatch(
      /^pasr: unknown board "pandaboard"; did you mean pandaboard-es\? /,
    );
  });

  it('a PASR_BOARDS folder that does not exist is skipped with a warning; a --boards-dir that does not is an error', () => {
    const r = run({ PASR_BOARDS: `nowhere:${mine}` }, 'boards');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mine/my-panda.json');
    expect(r.stderr).toBe('warning: PASR_BOARDS: nowhere: no such folder (skipped)\n');
    const missing = run({}, '--boards-dir', 'nowhere', 'boards');
    expect([missing.code, missing.stderr]).toEqual([1, 'pasr: --boards-dir nowhere: no such folder\n']);
    const unknown = run({ PASR_BOARDS: 'nowhere' }, 'boot', '--board', 'my-panda');
    expect(unknown.stderr).toContain('; PASR_BOARDS folders not found: nowhere;');
  });
});

describe('names two files claim, and files named differently from their board', () => {
  const shadow = folder('shadow', { 'imx6sl-evk.json': shipped('imx6sl-evk') });
  const misnamed = folder('misnamed', { 'snow.json': renamed('snowball', 'snowy') });

  it('--board NAME with two candidates is an error naming both files', () => {
    const r = run({ PASR_BOARDS: shadow }, 'boot', '--board', 'imx6sl-evk');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'pasr: board "imx6sl-evk" is defined by 2 files: shadow/imx6sl-evk.json, board-configs/imx6sl-evk.json; rename or remove one, or give the file path\n',
    );
    expect(run({ PASR_BOARDS: shadow }, 'boot', '--board', 'shadow/imx6sl-evk.json').code).toBe(0);
  });

  it('pasr boards lists both, and fails naming the two files', () => {
    const r = run({ PASR_BOARDS: shadow }, 'boards');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('shadow/imx6sl-evk.json');
    expect(r.stderr).toBe(
      'pasr: board configs with problems (1):\nshadow/imx6sl-evk.json: board "imx6sl-evk" is defined by 2 files: shadow/imx6sl-evk.json, board-configs/imx6sl-evk.json (--board imx6sl-evk refuses to choose; rename or remove one)\n',
    );
  });

  it('boards validate flags the duplicate at the name field of a file in the search path', () => {
    const r = run({ PASR_BOARDS: shadow }, 'boards', 'validate', 'shadow/imx6sl-evk.json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'shadow/imx6sl-evk.json:3:11: name: board "imx6sl-evk" is also defined by board-configs/imx6sl-evk.json (--board imx6sl-evk refuses to choose; rename or remove one)\n',
    );
    // Outside the search path a copy is just a file: nothing to collide with.
    expect(run({}, 'boards', 'validate', 'shadow/imx6sl-evk.json').stdout).toBe(
      'shadow/imx6sl-evk.json: ok (imx6sl-evk: 2 dies, 1 GiB LPDDR2-S4)\n',
    );
  });

  it('a file named differently from its board is found by either name, and flagged with its path', () => {
    expect(run({ PASR_BOARDS: misnamed }, 'boot', '--board', 'snowy', '--json').code).toBe(0);
    expect(run({ PASR_BOARDS: misnamed }, 'boot', '--board', 'snow', '--json').code).toBe(0);
    const list = run({ PASR_BOARDS: misnamed }, 'boards');
    expect(list.code).toBe(0);
    expect(list.stderr).toBe(
      'warning: misnamed/snow.json: its name "snowy" differs from its file name snow.json (rename one of them)\n',
    );
    const v = run({}, 'boards', 'validate', 'misnamed/snow.json');
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(
      'misnamed/snow.json: ok (snowy: 2 dies, 512 MiB LPDDR2-S4)\n' +
        'misnamed/snow.json:3:11: name: warning: "snowy" differs from the file name snow.json (rename one of them)\n',
    );
  });

  it('a board whose name field is the file name of another board collides with it', () => {
    const both = folder('both', { 'pandaboard-es.json': renamed('imx6sl-evk', 'lab-board') });
    const r = run({ PASR_BOARDS: both }, 'boot', '--board', 'pandaboard-es');
    expect(r.stderr).toBe(
      'pasr: board "pandaboard-es" is defined by 2 files: both/pandaboard-es.json, board-configs/pandaboard-es.json; rename or remove one, or give the file path\n',
    );
  });
});

describe('pasr boards validate over a folder', () => {
  it('skips the schema, reports an unreadable file and goes on, and exits 1 at the end', () => {
    // What the shell makes of board-configs/*.json.
    const files = readdirSync(join(ROOT, 'board-configs'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => `board-configs/${f}`);
    const all = pasrIn({}, 'boards', 'validate', ...files);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')).toContain(
      'board-configs/board.schema.json: skipped (the JSON Schema of board files, not a board)',
    );
    expect(all.stdout.match(/: ok \(/g)).toHaveLength(SHIPPED.length);

    const dir = folder('mixed', {
      'a-good.json': renamed('imx8mm-evk', 'a-good'),
      'z-good.json': renamed('imx6sl-evk', 'z-good'),
    });
    mkdirSync(join(tmp, dir, 'm-folder.json'));
    const r = run(
      {},
      'boards',
      'validate',
      `${dir}/a-good.json`,
      `${dir}/gone.json`,
      `${dir}/m-folder.json`,
      `${dir}/z-good.json`,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'mixed/a-good.json: ok (a-good: 2 dies, 2 GiB LPDDR4)',
        'mixed/gone.json: cannot read board config: no such file',
        'mixed/m-folder.json: is a directory; a board config must be a regular file',
        'mixed/z-good.json: ok (z-good: 2 dies, 1 GiB LPDDR2-S4)',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('pasr: 2 of 4 board configs are not valid\n');
  });
});
