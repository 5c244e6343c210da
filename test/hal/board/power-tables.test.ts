import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseBoardConfig } from '../../../hal/board/load-board.js';

const BOARDS = join(import.meta.dirname, '../../../board-configs');
const panda = readFileSync(join(BOARDS, 'pandaboard-es.json'), 'utf8');

function validate(text: string): string[] {
  const r = parseBoardConfig(text, 'p.json');
  return r.ok ? [] : r.problems.map((p) => formatProblem('p.json', p));
}

describe('board config power tables', () => {
  it('loads the awake table, the platform estimate and per-die temperatures of a shipped board', () => {
    const r = parseBoardConfig(
      panda.replace(
        '{ "cs": 1, "part": "elpida-ECB240ABACN" }',
        '{ "cs": 1, "part": "elpida-ECB240ABACN", "temperatureC": 70 }',
      ),
      'p.json',
    );
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    const part = r.board.dies[0]!.part;
    expect(part.awake!.rails.map((x) => [x.rail, x.volts, x.idd2pmA, x.idd3nmA, x.idd5mA])).toEqual([
      ['VDD1', 1.8, 0.5, 1.2, 15],
      ['VDD2', 1.2, 1.7, 29, 136],
    ]);
    expect(part.power[0]!.rails[0]!.arrayShare).toBeUndefined();
    expect(r.board.platform).toMatchObject({ awakeW: 1.05, suspendedW: 0.2, estimate: true });
    expect(r.board.dies.map((d) => d.temperatureC)).toEqual([undefined, 70, undefined, undefined]);
  });

  it('rejects an awake rail at another voltage than the self-refresh table, and IDD5 below IDD3N', () => {
    const bad = panda
      .replace('{ "rail": "VDD2", "volts": 1.2, "idd2pmA": 1.7,', '{ "rail": "VDD2", "volts": 1.1, "idd2pmA": 1.7,')
      .replace('"idd3nmA": 1.2, "idd5mA": 15.0', '"idd3nmA": 1.2, "idd5mA": 1.0');
    expect(validate(bad)).toEqual([
      'p.json:61:87: dram.parts.elpida-ECB240ABACN.awake.rails[0].idd5mA: 1 mA is below idd3nmA 1.2 mA: refresh would draw less than active standby',
      'p.json:62:40: dram.parts.elpida-ECB240ABACN.awake.rails[1].volts: 1.1 V, but the self-refresh table gives VDD2 1.2 V',
    ]);
  });

  it('requires a source and the estimate flag on platform power', () => {
    expect(validate(panda.replace(/,\n {4}"estimate": true\n/, '\n'))).toEqual([
      expect.stringMatching(/^p\.json:\d+:\d+: platform\.estimate: required field is missing$/),
    ]);
    expect(validate(panda.replace('"awakeW": 1.05', '"awakeW": 0'))).toEqual([
      expect.stringMatching(/^p\.json:\d+:\d+: platform\.awakeW: /),
    ]);
  });

  it('keeps an explicit arrayShare in range', () => {
    expect(
      validate(
        panda.replace(
          '{ "rail": "VDD1", "volts": 1.8, "idd6FullmA": 0.6 }',
          '{ "rail": "VDD1", "volts": 1.8, "idd6FullmA": 0.6, "arrayShare": 1.5 }',
        ),
      ),
    ).toEqual([expect.stringMatching(/power\[0\]\.rails\[0\]\.arrayShare: /)]);
  });
});
