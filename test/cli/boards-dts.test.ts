import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pasr } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'pasr-dts-'));
const BAD = 'test/fixtures/dts/bad';

describe('pasr boards from-dts', () => {
  it('writes a config that pasr boards validate accepts, and lists the placeholders on stderr', () => {
    const out = join(tmp, 'panda.json');
    const r = pasr('boards', 'from-dts', 'test/fixtures/dts/omap4-panda.dts', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^wrote .*panda\.json: 1 GiB LPDDR2-S4 at 0x80000000, 4 dies \(emif1\.cs0 emif1\.cs1 emif2\.cs0 emif2\.cs1\) on ti-emif\n/,
    );
    expect(r.stderr).toContain('  controllers.0.registers ');
    const config = JSON.parse(readFileSync(out, 'utf8')) as { unverified: string[]; name: string };
    expect(config.name).toBe('omap4-panda');
    expect(config.unverified).toContain(
      "controllers.0.registers fill in: the register image after the boot loader's DRAM init",
    );
    const v = pasr('boards', 'validate', out);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(': ok (omap4-panda: 4 dies, 1 GiB LPDDR2-S4)');
  });

  it('prints the config on stdout without --out', () => {
    const r = pasr('boards', 'from-dts', 'test/fixtures/dts/jedec-lpddr4.dts', '--name', 'lp4');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { dram: { standard: string } }).dram.standard).toBe('LPDDR4');
  });

  const errors: [string, string][] = [
    [
      'unterminated-string.dts',
      `unterminated-string.dts:5:34: unterminated string: no closing '"' before the end of the line`,
    ],
    ['missing-semicolon.dts', "missing-semicolon.dts:6:19: missing ';' after the value of property density"],
    [
      'unbalanced-braces.dts',
      "unbalanced-braces.dts:3:3: unbalanced braces: '{' of node / is never closed (end of file reached)",
    ],
    ['bad-cell.dts', 'bad-cell.dts:7:15: bad cell: "16x" is not a number'],
    [
      'include-missing.dts',
      `include-missing.dts:3:1: /include/ "no-such-file.dtsi": ${BAD}/no-such-file.dtsi: cannot read included devicetree source: no such file`,
    ],
    ['cpp-include.dts', 'cpp-include.dts:3:1: #include is a C preprocessor directive: run the file through cpp first'],
  ];
  for (const [file, message] of errors) {
    it(`${file}: FILE:LINE:COL on stderr, exit 1, nothing written`, () => {
      const out = join(tmp, `${file}.json`);
      const r = pasr('boards', 'from-dts', `${BAD}/${file}`, '--out', out);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`pasr: ${BAD}/${message}`)).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(() => readFileSync(out)).toThrow();
    });
  }

  it('a missing file, a bad --standard', () => {
    expect(pasr('boards', 'from-dts', 'nope.dts').stderr).toBe(
      'pasr: nope.dts: cannot read devicetree source: no such file\n',
    );
    const r = pasr('boards', 'from-dts', 'test/fixtures/dts/jedec-lpddr4.dts', '--standard', 'DDR4');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pasr: --standard DDR4: not one of LPDDR2-S4, LPDDR2-S2, LPDDR3, LPDDR4, LPDDR4X, LPDDR5\n');
  });
});

describe('pasr boards to-dts', () => {
  it('writes the nodes of a shipped board that from-dts reads back', () => {
    const dts = join(tmp, 'imx8mp.dts');
    expect(pasr('boards', 'to-dts', 'imx8mp-evk', '--out', dts).code).toBe(0);
    const text = readFileSync(dts, 'utf8');
    expect(text).toContain('memory@40000000 {');
    expect(text).toContain('reg = <0x0 0x40000000 0x1 0x80000000>;');
    const r = pasr('boards', 'from-dts', dts);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      'imx8mp: 6 GiB LPDDR4 at 0x40000000, 4 dies (ddrc.rank0.cha ddrc.rank0.chb ddrc.rank1.cha ddrc.rank1.chb) on snps-umctl2',
    );
  });

  it('an unknown board', () => {
    const r = pasr('boards', 'to-dts', 'no-such-board');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pasr: unknown board "no-such-board" \(boards: (\S+, )*pandaboard-es[,;]/);
  });
});
