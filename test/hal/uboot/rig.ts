import { SimClock } from '../../../hal/clock.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { MmioBus } from '../../../hal/mmio-bus.js';
import { block, field, reg32 } from '../../../hal/regs/register.js';
import { RegisterBlock } from '../../../hal/regs/register-block.js';
import { bytesToText, textToBytes, type ByteStream, type Timer } from '../../../hal/uboot/byte-stream.js';
import { createMemoryLink, type MemoryLink } from './memory-link.js';
import { UbootConsoleServer, type ConsoleServerOptions, type ServedBoard } from '../../../hal/uboot/console-server.js';
import { UbootConsole, type ConsoleOptions } from '../../../hal/uboot/transport.js';

/** The host timer, as cli/ injects it (tests may use the real one: hal/ may not). */
export const realTimer: Timer = {
  after(ms, cb) {
    const t = setTimeout(cb, ms);
    return () => clearTimeout(t);
  },
};

/**
 * A test device shaped like an MR front-end: CONFIG/DATA pair (a write to DATA "issues" an
 * MRW and records it), a STAT register with a busy window started by CMD.GO.
 */
export const TESTDEV = block('TESTDEV', 0x100, [
  reg32('CMD', 0x10, { fields: [field('GO', 31, 1, 'wsc'), field('ARG', 0, 16, 'rw')] }),
  reg32('STAT', 0x18, { fields: [field('BUSY', 0, 1, 'ro')] }),
  reg32('DATA', 0x40, { fields: [field('VALUE', 0, 8, 'rw')] }),
  reg32('CONFIG', 0x50, {
    fields: [field('CS', 31, 1, 'rw'), field('REFRESH_EN', 30, 1, 'rw'), field('ADDRESS', 0, 8, 'rw')],
  }),
  reg32('ID', 0x60, { reset: 0x4f4d4150, fields: [field('ID', 0, 32, 'ro')] }),
]);

export const DEV_BASE = 0x4c000000;
export const DRAM_BASE = 0x40000000;

export interface Rig {
  clock: SimClock;
  trace: TraceBus;
  bus: MmioBus;
  dev: RegisterBlock;
  /** MRW-like writes: [CONFIG, DATA] at each DATA write. */
  mrws: [number, number][];
  link: MemoryLink;
  server: UbootConsoleServer;
  console: UbootConsole;
  /** Everything the client sent, as text. */
  tx: () => string;
  resets: number;
}

export function makeBoard(busyNs = 2_000): {
  clock: SimClock;
  trace: TraceBus;
  bus: MmioBus;
  dev: RegisterBlock;
  mrws: [number, number][];
  board: ServedBoard;
} {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const bus = new MmioBus();
  const dev = new RegisterBlock(TESTDEV, 'testdev', DEV_BASE, trace);
  const mrws: [number, number][] = [];
  dev.onWrite('DATA', (v) => mrws.push([dev.get('CONFIG'), v]));
  dev.onWrite('CMD', (v) => {
    if (v >>> 31) {
      dev.set('STAT', 1);
      clock.schedule(busyNs, () => dev.set('STAT', 0));
    }
  });
  bus.map(DEV_BASE, dev);
  return {
    clock,
    trace,
    bus,
    dev,
    mrws,
    board: { name: 'testboard', access: bus, dramBase: DRAM_BASE, dramSize: 0x08000000, arch: 'arm' },
  };
}

export function makeRig(
  opts: {
    server?: Partial<ConsoleServerOptions>;
    console?: ConsoleOptions;
    fragment?: (b: Uint8Array) => Uint8Array[];
    busyNs?: number;
  } = {},
): Rig {
  const b = makeBoard(opts.busyNs);
  const link = createMemoryLink(opts.fragment ? { fragment: opts.fragment } : {});
  let sent = '';
  const clientSide: ByteStream = {
    write(bytes) {
      sent += bytesToText(bytes);
      return link.a.write(bytes);
    },
    onData: (cb) => link.a.onData(cb),
    onClose: (cb) => link.a.onClose(cb),
  };
  const rig: Rig = {
    ...b,
    link,
    server: undefined as unknown as UbootConsoleServer,
    console: new UbootConsole(clientSide, realTimer, {
      firstReplyTimeoutMs: 300,
      syncTimeoutMs: 150,
      commandTimeoutMs: 300,
      settleMs: 5,
      ...opts.console,
    }),
    tx: () => sent,
    resets: 0,
  };
  rig.server = new UbootConsoleServer(link.b, {
    board: b.board,
    timer: realTimer,
    clock: b.clock,
    onReset: () => {
      rig.resets++;
    },
    ...opts.server,
  });
  rig.server.start();
  return rig;
}

/** A raw terminal on the client end: exact bytes in, exact text out. */
export function rawTerminal(stream: ByteStream) {
  let rx = '';
  stream.onData((b) => {
    rx += bytesToText(b);
  });
  return {
    get rx() {
      return rx;
    },
    take(): string {
      const r = rx;
      rx = '';
      return r;
    },
    async send(text: string): Promise<void> {
      await stream.write(textToBytes(text));
    },
    /** Wait (bounded) until the received text satisfies `pred`. */
    async until(pred: (rx: string) => boolean, ms = 1000): Promise<string> {
      const end = Date.now() + ms;
      while (!pred(rx)) {
        if (Date.now() > end) throw new Error(`timed out waiting; received so far ${JSON.stringify(rx)}`);
        await new Promise((r) => setTimeout(r, 1));
      }
      return rx;
    },
  };
}

/** Split every write into 1..3-byte fragments (data on a line arrives in arbitrary pieces). */
export function tinyFragments(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = 1 + (k % 3);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}
