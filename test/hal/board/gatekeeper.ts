import { parseBoardBytes, formatProblem } from '../../../hal/board/load-board.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';
import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { createMemoryLink } from '../uboot/memory-link.js';
import { bytesToText, textToBytes, type Timer } from '../../../hal/uboot/byte-stream.js';
import { bootBoard } from '../../../firmware/boot/boot.js';
import { checkMasks } from '../../../firmware/pasr/safety.js';
import { unitMasks } from '../../../firmware/pasr/pasr-map.js';
import { programMasks, selfRefreshCycle } from '../../../firmware/pasr/self-refresh.js';
import { EnergyMeter } from '../../../firmware/energy/energy-meter.js';
import { serveBoardOn } from '../../../cli/serial/serve.js';

/**
 * What happens to a board file, end to end: `pasr boards validate` refuses it with positioned
 * problems, or it boots (boot loader and kernel stage), uses PASR once as `pasr demo` does, its
 * energy meter gives figures awake and in self-refresh as `pasr power` and `pasr run` take them
 * (the dies at their configured temperatures, and every die at either end of the -40 to 125 °C
 * a command line may ask for), and its virtual U-Boot console answers `md.l` of every register of
 * its config's register images.
 * Anything else (an exception, a boot error, a register that aborts or reads differently) is
 * reported as a failure.
 */
export type Outcome =
  | { readonly kind: 'refused'; readonly lines: readonly string[] }
  | { readonly kind: 'served'; readonly registers: number }
  | { readonly kind: 'failed'; readonly stage: string; readonly message: string };

const LINE = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?<path>\S+): (?<message>.+)$/s;

/** Timers are not needed: the console runs with no autoboot and no slow echo. */
const noTimer: Timer = {
  after() {
    throw new Error('the gatekeeper console needs no timer');
  },
};

export function validateText(file: string, text: string): Outcome | BoardConfig {
  // As the CLI reads a board file: its bytes, decoded as UTF-8 (a leading byte order mark dropped).
  const r = parseBoardBytes(Buffer.from(text, 'utf8'), file);
  if (r.ok) return r.board;
  const lines = r.problems.map((p) => formatProblem(file, p));
  const lineCount = text.split('\n').length;
  for (const l of lines) {
    const m = LINE.exec(l);
    if (!m) return { kind: 'failed', stage: 'validate', message: `not a FILE:LINE:COL: path: message line: ${l}` };
    if (/internal error/.test(l)) return { kind: 'failed', stage: 'validate', message: l };
    const line = Number(m.groups!.line);
    if (line < 1 || line > lineCount || Number(m.groups!.col) < 1)
      return { kind: 'failed', stage: 'validate', message: `position outside the file: ${l}` };
  }
  return { kind: 'refused', lines };
}

/** Boot, then serve and read every configured register back through the console. */
export async function bootAndServe(config: BoardConfig): Promise<Outcome> {
  let stage = 'boot';
  try {
    const clock = new SimClock();
    const r = bootBoard(config, clock, new TraceBus(clock));
    if (!r.bootloader.ok) return { kind: 'failed', stage, message: r.bootloader.errors.join('; ') };
    if (!r.kernel) return { kind: 'failed', stage, message: 'no kernel stage' };
    stage = 'kernel';
    r.board.checkInvariants();

    // Use PASR once, as `pasr demo` does: mask the highest unit with no live page, suspend, resume.
    stage = 'pasr';
    const { mm, pasr } = r.kernel;
    const free = pasr.units
      .filter((u) => u.usable)
      .sort((a, b) => b.ranges[0]!.startPfn - a.ranges[0]!.startPfn)
      .find((u) => checkMasks(r.board, mm.memmap, unitMasks(u)).every((v) => v.livePages === 0));
    if (free) {
      const errors = programMasks(r.board, r.bootloader.drivers, unitMasks(free));
      const rep = selfRefreshCycle(r.board, r.bootloader.drivers, mm.memmap, 1e9);
      if ([...errors, ...rep.errors].length > 0 || rep.lostPages > 0 || !(rep.energyJ >= 0))
        return {
          kind: 'failed',
          stage,
          message: `${[...errors, ...rep.errors].join('; ')} lost ${rep.lostPages} energy ${rep.energyJ}`,
        };
    }

    // Meter one second awake and one in self-refresh, as `pasr power` does. A board with no awake
    // table is refused by `pasr power` and `pasr run` with a message: only its self-refresh is metered.
    stage = 'energy';
    const awake = config.dies.every((d) => d.part.awake !== undefined);
    for (const temperatureC of [undefined, -40, 125]) {
      const meter = new EnergyMeter(r.board, temperatureC === undefined ? {} : { temperatureC });
      if (awake) meter.awake(1e9, 0.5);
      meter.selfRefresh(1e9);
      meter.checkInvariants();
      const e = meter.report();
      if (!(e.dramJ.mid > 0) || (config.platform && !(e.platform!.joules > 0)))
        return {
          kind: 'failed',
          stage,
          message: `no energy at ${temperatureC ?? 'the configured'} °C: ${e.dramJ.mid} J`,
        };
    }

    stage = 'serve';
    const link = createMemoryLink();
    const served = serveBoardOn(link.b, config, { timer: noTimer, tickMs: 0 });
    let rx = '';
    link.a.onData((b) => {
      rx += bytesToText(b);
    });
    const command = async (line: string): Promise<string> => {
      rx = '';
      link.a.write(textToBytes(`${line}\r`));
      for (let turn = 0; turn < 10_000; turn++) {
        await Promise.resolve();
        if (rx.endsWith('=> ') && rx.includes('\r\n')) return rx;
      }
      throw new Error(`console did not answer ${JSON.stringify(line)} (received ${JSON.stringify(rx)})`);
    };
    for (let turn = 0; turn < 1000 && !rx.endsWith('=> '); turn++) await Promise.resolve();
    let n = 0;
    try {
      for (const reg of configuredRegisters(config, served.board)) {
        const addr = reg.address.toString(16).padStart(8, '0');
        const out = await command(`md.l ${addr} 1`);
        const m = new RegExp(`^${addr}: ([0-9a-f]{8})`, 'm').exec(out.replace(/\r/g, ''));
        if (!m)
          return { kind: 'failed', stage, message: `md.l of ${reg.name} at 0x${addr} answered ${JSON.stringify(out)}` };
        const got = parseInt(m[1]!, 16);
        if (((got ^ reg.expected) & reg.mask) >>> 0 !== 0)
          return {
            kind: 'failed',
            stage,
            message: `${reg.name} at 0x${addr} reads 0x${got.toString(16)}, config says 0x${reg.expected.toString(16)}`,
          };
        n++;
      }
    } finally {
      served.stop();
    }
    return { kind: 'served', registers: n };
  } catch (e) {
    return { kind: 'failed', stage, message: (e as Error).stack ?? String(e) };
  }
}

/** The registers of the config's images: name, bus address, value, and the bits a read returns. */
function configuredRegisters(
  config: BoardConfig,
  board: { controller(id: string): { blocks: Record<string, { base: number; reg(name: string): RegDecl }> } },
): { name: string; address: number; expected: number; mask: number }[] {
  const out: { name: string; address: number; expected: number; mask: number }[] = [];
  for (const c of config.controllers) {
    const model = board.controller(c.id);
    const images: [string, Readonly<Record<string, number>>, number][] = [[c.id, c.registers, c.base]];
    for (const [key, b] of Object.entries(c.blocks)) images.push([`${c.id}/${key}`, b.registers, b.base]);
    for (const [where, image, base] of images) {
      const blk = Object.values(model.blocks).find((b) => b.base === base);
      if (!blk) throw new Error(`${where}: no register block at 0x${base.toString(16)} in the model`);
      for (const [name, expected] of Object.entries(image)) {
        const decl = blk.reg(name);
        let mask = 0;
        for (const f of decl.fields)
          if (f.access !== 'wo' && f.access !== 'wsc') mask = (mask | ((2 ** f.width - 1) * 2 ** f.shift)) >>> 0;
        out.push({ name: `${where}.${name}`, address: base + decl.offset, expected: expected >>> 0, mask });
      }
    }
  }
  return out;
}

interface RegDecl {
  readonly offset: number;
  readonly fields: readonly { readonly access: string; readonly width: number; readonly shift: number }[];
}

/** The whole path: validate, and boot and serve what validates. */
export async function gatekeep(file: string, text: string): Promise<Outcome> {
  const v = validateText(file, text);
  if ('kind' in v) return v;
  return bootAndServe(v);
}
