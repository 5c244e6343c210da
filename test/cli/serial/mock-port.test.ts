import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortMock } from 'serialport';
import { openPortWith, type PortClass } from '../../../cli/serial/open-port.js';
import type { ByteStream } from '../../../hal/uboot/byte-stream.js';
import { UbootConsoleServer } from '../../../hal/uboot/console-server.js';
import { ConsoleError, UbootConsole } from '../../../hal/uboot/transport.js';
import { executeOnConsole } from '../../../hal/uboot/console-executor.js';
import { program } from '../../../hal/register-program.js';
import { DEV_BASE, makeBoard, realTimer } from '../../hal/uboot/rig.js';

// The trap of reference §9: `import { MockBinding } from '@serialport/binding-mock'` in ESM is a
// different instance from the one SerialPortMock uses. Take the binding from the class.
const MockBinding = SerialPortMock.binding;
const PATH = '/dev/FAKEUBOOT';

interface MockPortInternals {
  port?: { write(b: Buffer): Promise<void>; emitData(b: Buffer): void; recording: Buffer };
}

/**
 * Open PATH with SerialPortMock through the same open/adapt code the CLI uses, and put the
 * virtual console behind the mock: what the client writes reaches the server, what the
 * server prints is injected with emitData.
 */
async function mockBoard(faults = {}) {
  MockBinding.createPort(PATH, { echo: false, record: true });
  let opened: unknown;
  const Port = class extends SerialPortMock {
    constructor(opts: ConstructorParameters<typeof SerialPortMock>[0]) {
      super(opts);
      opened = this;
    }
  } as unknown as PortClass;
  const client = await openPortWith(Port, PATH, { baudRate: 115200 });
  const binding = (opened as MockPortInternals).port!;
  const listeners = new Set<(b: Uint8Array) => void>();
  const originalWrite = binding.write.bind(binding);
  binding.write = async (b: Buffer) => {
    await originalWrite(b);
    const copy = new Uint8Array(b);
    queueMicrotask(() => {
      for (const l of listeners) l(copy);
    });
  };
  const serverSide: ByteStream = {
    write: (bytes) => binding.emitData(Buffer.from(bytes)),
    onData: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    onClose: () => () => {},
  };
  const b = makeBoard();
  const server = new UbootConsoleServer(serverSide, { board: b.board, clock: b.clock, timer: realTimer, faults });
  // The board has been sitting at its prompt before the port opened.
  server.start();
  const con = new UbootConsole(client, realTimer, {
    firstReplyTimeoutMs: 300,
    syncTimeoutMs: 100,
    commandTimeoutMs: 200,
    settleMs: 5,
  });
  return { client, binding, server, con, ...b };
}

afterEach(() => {
  MockBinding.reset();
});

describe('console client on serialport’s mock binding', () => {
  it('reads and writes registers through SerialPortMock, sending only Ctrl-C and \\r-terminated commands', async () => {
    const m = await mockBoard();
    await m.con.writeWord(DEV_BASE + 0x50, 0x11);
    await m.con.writeWord(DEV_BASE + 0x40, 0xf0);
    expect(await m.con.readWord(DEV_BASE + 0x40)).toBe(0xf0);
    expect(m.mrws).toEqual([[0x11, 0xf0]]);
    expect(m.binding.recording.toString('latin1')).toBe(
      '\x03mw.l 0x4c000050 0x00000011\rmw.l 0x4c000040 0x000000f0\rmd.l 0x4c000040 1\r',
    );
    await m.client.close();
  });

  it('runs a register program and stops with disconnected when the port closes mid-program', async () => {
    const m = await mockBoard();
    const p = program('p', [
      { op: 'write', address: DEV_BASE + 0x50, value: 0x11 },
      { op: 'write', address: DEV_BASE + 0x40, value: 0xf0 },
      { op: 'read', address: DEV_BASE + 0x60, label: 'id' },
    ]);
    const result = await executeOnConsole(m.con, p, realTimer, {
      onStep: (_s, done) => {
        if (done === 1) void m.client.close();
      },
    });
    expect(result).toMatchObject({ ok: false, code: 'disconnected', applied: 1, failedAt: 1 });
    expect(m.mrws).toEqual([]);
  });

  it('says the port is busy when another opener holds the lock', async () => {
    const m = await mockBoard();
    await expect(openPortWith(SerialPortMock as unknown as PortClass, PATH)).rejects.toThrow(
      /^\/dev\/FAKEUBOOT: port busy: another process holds it \(Port is locked cannot open\)/,
    );
    await m.client.close();
  });

  it('times out cleanly on a mock port where nothing answers', async () => {
    MockBinding.createPort(PATH, { echo: false, record: true });
    const client = await openPortWith(SerialPortMock as unknown as PortClass, PATH);
    const con = new UbootConsole(client, realTimer, { firstReplyTimeoutMs: 60, syncTimeoutMs: 30, syncAttempts: 2 });
    const e = await con.readWord(0).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConsoleError);
    expect((e as ConsoleError).code).toBe('no-prompt');
    await client.close();
  });
});
