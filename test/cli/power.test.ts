import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pasr, ROOT } from './run-cli.js';

describe('pasr power', () => {
  it('--json gives awake and self-refresh watts per die with the band, and the platform estimate', () => {
    const r = pasr('power', '--board', 'pandaboard-es', '--active-share', '0.25', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // Per die (hand-computed in test/firmware/energy): background 11.445 mW + refresh 5.108 mW
    expect(j.perDie['emif1.cs0'].awakeW).toBeCloseTo(16.553e-3, 12);
    expect(j.perDie['emif1.cs0'].selfRefreshFullW.mid).toBeCloseTo(2.64e-3, 12);
    expect(j.perDie['emif1.cs0'].refreshedFraction).toBe(0.875);
    expect(j.savedW.low).toBeLessThan(j.savedW.mid);
    expect(j.savedW.mid).toBeLessThan(j.savedW.high);
    expect(j.platform).toMatchObject({ awakeW: 1.05, suspendedW: 0.2, estimate: true });
    expect(j.clamped).toEqual([]);
  });

  it('refuses a bad temperature or active share, and a part without an awake table (as run does), with the place', () => {
    const t = pasr('power', '--temperature', 'hot');
    expect([t.code, t.stdout, t.stderr]).toEqual([2, '', 'pasr: --temperature hot: not a number (-40 to 125 °C)\n']);
    const a = pasr('power', '--active-share', '2');
    expect([a.code, a.stderr]).toEqual([2, 'pasr: --active-share 2: out of range (0-1)\n']);
    expect(pasr('power', '--temperature', '40', '--temperature', '50').stderr).toBe(
      'pasr: --temperature 50: given twice (first "40"); give it once\n',
    );
    const dir = mkdtempSync(join(tmpdir(), 'pasr-power-'));
    const file = join(dir, 'no-awake.json');
    const text = readFileSync(join(ROOT, 'board-configs', 'snowball.json'), 'utf8')
      .replace(/,\n\s*"awake": \{[\s\S]*?\n {8}\}/, '')
      .replace(/\n\s*"dram\.parts\.lpddr2-2gb-x32\.awake [^\n]*/, '');
    writeFileSync(file, text);
    const m = pasr('power', '--board', file);
    expect(m.code).toBe(1);
    expect(m.stderr).toBe(
      `pasr: ${file}: dram.parts.lpddr2-2gb-x32.awake: no awake power table (IDD2P, IDD3N, IDD5 per rail)\n`,
    );
    const r = pasr('run', '--board', file, '--workload', 'kernbench', '--policy', 'oracle', '--duration', '10s');
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', m.stderr]);
  });
});
