import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { TraceEvent } from '../../../hal/trace/events.js';
import { naturalCompare, toVcd, vcdIdentifier } from '../../../hal/trace/vcd.js';
import { sampleTraceEvents } from '../../fixtures/traces/sample-trace.js';

// vcd-stream (wavedrom/vcd): an llparse-generated VCD parser. Its WASM build is loaded by path
// (out/vcd.js + lib/web-vcd-parser.js), never the package's main module, which loads a native
// addon that only a C toolchain at install time would have built: `webVcdParser(await createVCD())`
// is a writable stream with `change.any(cb)` and `info.wires`.
interface VcdVar {
  kind: 'var';
  type: string;
  size: number;
  link: string;
  name: string;
}
interface VcdScope {
  kind: 'scope';
  type: string;
  name: string;
  body: (VcdScope | VcdVar)[];
}
interface VcdParser {
  change: { any(fn: (id: string, time: bigint, cmd: number, value?: bigint, mask?: bigint) => void): void };
  info: { wires: VcdScope; timescale?: string; status: string };
  getTime(): bigint;
  on(event: 'finish', fn: () => void): void;
  write(chunk: Uint8Array): boolean;
  end(): void;
}
const requireCjs = createRequire(import.meta.url);
const vcdStream = {
  createVCD: requireCjs('vcd-stream/out/vcd.js') as () => Promise<unknown>,
  webVcdParser: requireCjs('vcd-stream/lib/web-vcd-parser.js') as (mod: unknown) => Promise<VcdParser>,
};

interface Change {
  time: bigint;
  cmd: number;
  value: bigint | undefined;
  mask: bigint | undefined;
}

/** Parsed waves: signal path (`top.emif1.cs0.MR17`) → value at a time. */
class Waves {
  readonly paths = new Map<string, VcdVar>();
  constructor(
    readonly info: VcdParser['info'],
    readonly changes: Map<string, Change[]>,
    readonly endTime: bigint,
  ) {
    const walk = (s: VcdScope, prefix: string): void => {
      for (const item of s.body) {
        if (item.kind === 'scope') walk(item, `${prefix}${item.name}.`);
        else this.paths.set(`${prefix}${item.name}`, item);
      }
    };
    walk(info.wires, '');
  }

  /** Value of a signal at time t (after all changes at t): a number, or 'x'. */
  at(path: string, t: number | bigint): number | 'x' {
    const v = this.paths.get(path);
    if (!v) throw new Error(`no signal ${path}; have ${[...this.paths.keys()].join(', ')}`);
    let last: Change | undefined;
    for (const c of this.changes.get(v.link) ?? []) if (c.time <= BigInt(t)) last = c;
    if (!last) throw new Error(`${path} has no value at ${t}`);
    if (last.cmd === 14) return 0;
    if (last.cmd === 15) return 1;
    if (last.value === undefined || (last.mask ?? 0n) !== 0n) return 'x';
    return Number(last.value);
  }
}

async function parseVcd(text: string): Promise<Waves> {
  const inst = await vcdStream.webVcdParser(await vcdStream.createVCD());
  const changes = new Map<string, Change[]>();
  inst.change.any((id, time, cmd, value, mask) => {
    let list = changes.get(id);
    if (!list) {
      list = [];
      changes.set(id, list);
    }
    list.push({ time, cmd, value, mask });
  });
  await new Promise<void>((resolve) => {
    inst.on('finish', resolve);
    inst.write(new TextEncoder().encode(text));
    inst.end();
  });
  expect(inst.info.status).toBe('simulation');
  return new Waves(inst.info, changes, inst.getTime());
}

const timesOf = (events: TraceEvent[], pred: (e: TraceEvent) => boolean): number[] =>
  events.filter(pred).map((e) => e.tNs);

describe('VCD export', () => {
  it('loads in a VCD parser with a scope per controller and die and the documented signals', async () => {
    const waves = await parseVcd(toVcd(sampleTraceEvents(), { board: 'pandaboard-es' }));
    expect(waves.info.timescale).toBe('1 ns');
    const top = waves.info.wires.body[0] as VcdScope;
    expect(top.name).toBe('pandaboard_es');
    expect(top.body.map((s) => s.name)).toEqual(['emif1', 'emif2']);
    expect([...waves.paths.keys()].filter((p) => p.startsWith('pandaboard_es.emif1.'))).toEqual([
      'pandaboard_es.emif1.last_write_addr',
      'pandaboard_es.emif1.last_write_value',
      'pandaboard_es.emif1.cs0.MR1',
      'pandaboard_es.emif1.cs0.MR2',
      'pandaboard_es.emif1.cs0.MR10',
      'pandaboard_es.emif1.cs0.MR16',
      'pandaboard_es.emif1.cs0.MR17',
      'pandaboard_es.emif1.cs0.self_refresh',
      'pandaboard_es.emif1.cs0.mrw_count',
      'pandaboard_es.emif1.cs0.poisoned_pages',
      'pandaboard_es.emif1.cs1.MR1',
      'pandaboard_es.emif1.cs1.MR2',
      'pandaboard_es.emif1.cs1.MR10',
      'pandaboard_es.emif1.cs1.MR16',
      'pandaboard_es.emif1.cs1.MR17',
      'pandaboard_es.emif1.cs1.self_refresh',
      'pandaboard_es.emif1.cs1.mrw_count',
      'pandaboard_es.emif1.cs1.poisoned_pages',
    ]);
    expect(waves.paths.get('pandaboard_es.emif1.cs0.MR17')!.size).toBe(8);
    expect(waves.paths.get('pandaboard_es.emif1.cs0.self_refresh')!.size).toBe(1);
    expect(waves.paths.get('pandaboard_es.emif1.last_write_addr')!.size).toBe(32);
  });

  it('carries MR values, self-refresh, counters and the last controller write at the right times', async () => {
    const events = sampleTraceEvents();
    const waves = await parseVcd(toVcd(events, { board: 'pandaboard-es' }));
    const mr17 = timesOf(events, (e) => e.kind === 'dram.mrw' && e.die === 'emif1.cs0' && e.mr === 17);
    expect(mr17).toHaveLength(2);
    const [initAt, pasrAt] = mr17 as [number, number];
    const MR17 = 'pandaboard_es.emif1.cs0.MR17';
    expect(waves.at(MR17, 0)).toBe('x');
    expect(waves.at(MR17, initAt - 1)).toBe('x');
    expect(waves.at(MR17, initAt)).toBe(0);
    expect(waves.at(MR17, pasrAt - 1)).toBe(0);
    expect(waves.at(MR17, pasrAt)).toBe(0xf0);
    expect(waves.at('pandaboard_es.emif2.cs1.MR17', pasrAt)).toBe(0); // other dies untouched
    expect(waves.at('pandaboard_es.emif1.cs0.MR10', initAt)).toBe(0xff);

    const [srIn] = timesOf(events, (e) => e.kind === 'dram.sr.enter') as [number];
    const [srOut] = timesOf(events, (e) => e.kind === 'dram.sr.exit') as [number];
    const SR = 'pandaboard_es.emif1.cs0.self_refresh';
    expect([
      waves.at(SR, 0),
      waves.at(SR, srIn - 1),
      waves.at(SR, srIn),
      waves.at(SR, srOut - 1),
      waves.at(SR, srOut),
    ]).toEqual([0, 0, 1, 1, 0]);
    expect(waves.at('pandaboard_es.emif1.cs0.poisoned_pages', srOut - 1)).toBe(0);
    expect(waves.at('pandaboard_es.emif1.cs0.poisoned_pages', srOut)).toBe(32768);

    expect(waves.at('pandaboard_es.emif1.cs0.mrw_count', waves.endTime)).toBe(6);
    expect(waves.at('pandaboard_es.emif2.cs1.mrw_count', waves.endTime)).toBe(5);
    expect(waves.at('pandaboard_es.emif1.last_write_addr', srIn)).toBe(0x4c000038); // PWR_MGMT_CTRL
    expect(waves.at('pandaboard_es.emif1.last_write_value', srIn)).toBe(0x200);
    expect(waves.at('pandaboard_es.emif2.last_write_addr', 0)).toBe('x');
    expect(waves.endTime).toBe(BigInt(srOut));
  });

  it('collapses several events at one time to the last value of each signal', async () => {
    const events: TraceEvent[] = [
      { seq: 0, tNs: 10, kind: 'dram.mrw', die: 'd.cs0', mr: 17, value: 1, register: 'MR17' },
      { seq: 1, tNs: 10, kind: 'dram.mrw', die: 'd.cs0', mr: 17, value: 2, register: 'MR17' },
      { seq: 2, tNs: 20, kind: 'dram.mrw', die: 'd.cs0', mr: 17, value: 3, register: 'MR17' },
    ];
    const text = toVcd(events, { board: 'b' });
    expect(text.match(/^#10$/gm)).toHaveLength(1);
    const waves = await parseVcd(text);
    expect(waves.at('b.d.cs0.MR17', 10)).toBe(2);
    expect(waves.at('b.d.cs0.mrw_count', 10)).toBe(2);
    expect(waves.at('b.d.cs0.MR17', 20)).toBe(3);
  });

  it('uses a 1 ps timescale when times are fractional nanoseconds', async () => {
    const events: TraceEvent[] = [
      { seq: 0, tNs: 18.75, kind: 'dram.mrw', die: 'd.cs0', mr: 16, value: 0x0f, register: 'MR16' },
      { seq: 1, tNs: 37.5, kind: 'dram.mrw', die: 'd.cs0', mr: 16, value: 0xff, register: 'MR16' },
    ];
    const waves = await parseVcd(toVcd(events, { board: 'b' }));
    expect(waves.info.timescale).toBe('1 ps');
    expect(waves.at('b.d.cs0.MR16', 18749)).toBe('x');
    expect(waves.at('b.d.cs0.MR16', 18750)).toBe(0x0f);
    expect(waves.at('b.d.cs0.MR16', 37500)).toBe(0xff);
  });

  it('widens vectors for addresses above 4 GiB and writes times above 2^32 ns', async () => {
    const events: TraceEvent[] = [
      {
        seq: 0,
        tNs: 100,
        kind: 'mmio.write',
        address: 0x3_0000_1000,
        value: 0xffffffff,
        block: 'ddrc',
        register: 'MRCTRL0',
        fields: {},
      },
      {
        seq: 1,
        tNs: 2 ** 32 + 100,
        kind: 'mmio.write',
        address: 0x1000,
        value: 1,
        block: 'ddrc',
        register: 'MRCTRL0',
        fields: {},
      },
    ];
    const text = toVcd(events, { board: 'big' });
    // vcd-stream's WASM build keeps time in 32 bits, so the late change is checked in the text.
    expect(text).toContain(`\n#${2 ** 32 + 100}\nb1000000000000 !\n`);
    const waves = await parseVcd(text);
    expect(waves.paths.get('big.ddrc.last_write_addr')!.size).toBe(34);
    expect(waves.at('big.ddrc.last_write_addr', 100)).toBe(0x3_0000_1000);
    expect(waves.at('big.ddrc.last_write_value', 100)).toBe(0xffffffff);
  });

  it('gives every signal a distinct compact identifier, also past 93 signals', async () => {
    const events: TraceEvent[] = [];
    for (let i = 0; i < 40; i++)
      events.push({ seq: i, tNs: 10 * i, kind: 'dram.mrw', die: `ctl.cs${i}`, mr: 17, value: i, register: 'MR17' });
    const text = toVcd(events, { board: 'many' });
    const ids = [...text.matchAll(/^\$var wire \d+ (\S+) /gm)].map((m) => m[1]!);
    expect(ids).toHaveLength(160);
    expect(new Set(ids).size).toBe(160);
    expect(ids.filter((id) => id.length === 2).length).toBe(160 - 93);
    expect(ids.some((id) => id.includes('$'))).toBe(false);
    const waves = await parseVcd(text);
    // Natural order: cs2 before cs10; the last die's signals have two-character identifiers.
    const ctl = (waves.info.wires.body[0] as VcdScope).body[0] as VcdScope;
    expect(ctl.body.slice(0, 12).map((s) => s.name)).toEqual(Array.from({ length: 12 }, (_, i) => `cs${i}`));
    expect(waves.at('many.ctl.cs39.MR17', 390)).toBe(39);
    expect(waves.at('many.ctl.cs39.MR17', 389)).toBe('x');
    expect(waves.at('many.ctl.cs2.mrw_count', 1000)).toBe(1);
  });

  it('declares dies given in the options even without events, and is deterministic', async () => {
    const events = sampleTraceEvents();
    const a = toVcd(events, { board: 'pandaboard-es', dies: ['emif3.cs0'] });
    expect(toVcd(events, { board: 'pandaboard-es', dies: ['emif3.cs0'] })).toBe(a);
    expect(a).not.toMatch(/\$date/);
    const waves = await parseVcd(a);
    expect(waves.at('pandaboard_es.emif3.cs0.self_refresh', 0)).toBe(0);
    expect(waves.at('pandaboard_es.emif3.cs0.mrw_count', waves.endTime)).toBe(0);
  });

  it('produces a loadable file for an empty trace', async () => {
    const waves = await parseVcd(toVcd([], { board: 'empty' }));
    expect(waves.paths.size).toBe(0);
  });
});

describe('VCD helpers', () => {
  it('numbers identifiers in bijective base 93 without $', () => {
    expect([0, 1, 2, 3, 92, 93, 94].map(vcdIdentifier)).toEqual(['!', '"', '#', '%', '~', '!!', '"!']);
  });

  it('sorts names naturally', () => {
    expect(['cs10', 'cs2', 'cs1', 'ch', 'cha'].sort(naturalCompare)).toEqual(['ch', 'cha', 'cs1', 'cs2', 'cs10']);
  });
});

describe('VCD export of a system run', () => {
  const unit = (seq: number, tNs: number, kind: 'pasr.mask' | 'pasr.unmask', n: number): TraceEvent => ({
    seq,
    tNs,
    kind,
    unit: n,
    register: 'MR17',
    bit: n % 8,
    dies: ['emif1.cs0', 'emif2.cs0'],
    pages: 16384,
    policy: 'balloon',
  });
  const run: TraceEvent[] = [
    { seq: 0, tNs: 50, kind: 'policy.decision', policy: 'balloon', action: 'inflate', detail: '' },
    { seq: 1, tNs: 60, kind: 'mm.batch', mechanism: 'migrate', pages: 512, costNs: 40 },
    unit(2, 100, 'pasr.mask', 7),
    unit(3, 200, 'pasr.mask', 15),
    { seq: 4, tNs: 300, kind: 'sys.suspend', reason: 'idle' },
    {
      seq: 5,
      tNs: 300,
      kind: 'dram.sr.enter',
      die: 'emif1.cs0',
      bankMask: 0,
      segmentMask: 0x80,
      refreshedFraction: 0.875,
    },
    { seq: 6, tNs: 1000, kind: 'dram.sr.exit', die: 'emif1.cs0', durationNs: 700, poisonedPages: 0 },
    { seq: 7, tNs: 1000, kind: 'sys.resume', durationNs: 700, wakeSource: 'rtc' },
    unit(8, 1100, 'pasr.unmask', 15),
    unit(9, 1200, 'pasr.unmask', 15),
    unit(10, 1300, 'pasr.mask', 7),
  ];

  it('adds a system scope with suspended and the number of PASR units masked', async () => {
    const waves = await parseVcd(toVcd(run, { board: 'pandaboard-es' }));
    const top = waves.info.wires.body[0] as VcdScope;
    expect(top.body.map((s) => s.name)).toEqual(['emif1', 'system']);
    expect(waves.paths.get('pandaboard_es.system.suspended')!.size).toBe(1);
    expect(waves.paths.get('pandaboard_es.system.masked_units')!.size).toBe(32);
    const S = 'pandaboard_es.system.suspended';
    expect([0, 299, 300, 999, 1000].map((t) => waves.at(S, t))).toEqual([0, 0, 1, 1, 0]);
    expect(waves.at('pandaboard_es.emif1.cs0.self_refresh', 300)).toBe(1);
    const M = 'pandaboard_es.system.masked_units';
    // Unmasking a unit twice, or masking a masked one, does not change the count.
    expect([0, 99, 100, 200, 1099, 1100, 1200, 1300].map((t) => waves.at(M, t))).toEqual([0, 0, 1, 2, 2, 1, 1, 1]);
  });

  it('declares no system scope for a register trace, nor for decisions and batches alone', async () => {
    const boot = await parseVcd(toVcd(sampleTraceEvents(), { board: 'pandaboard-es' }));
    expect([...boot.paths.keys()].filter((p) => p.includes('.system.'))).toEqual([]);
    const quiet = await parseVcd(toVcd(run.slice(0, 2), { board: 'b' }));
    expect(quiet.paths.size).toBe(0);
  });
});
