import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { findOnPath, listPorts, scanDevices } from '../../../cli/serial/list-ports.js';
import { boardPorts } from '../../../cli/serial/commands.js';
import { openPty, type Pty } from '../../../cli/serial/pty.js';
import { openSerialPort, describeOpenError } from '../../../cli/serial/open-port.js';
import { captureIo } from './helpers.js';

let dirs: string[] = [];
let pty: Pty | undefined;
afterEach(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  await pty?.close();
  pty = undefined;
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pasr-ports-'));
  dirs.push(d);
  return d;
}

/** A fake /dev with two USB serial devices and a by-id link. */
function fakeDev(): string {
  const dev = tmp();
  writeFileSync(join(dev, 'ttyUSB0'), '');
  writeFileSync(join(dev, 'ttyACM3'), '');
  writeFileSync(join(dev, 'ttyS0'), '');
  mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
  symlinkSync(join(dev, 'ttyUSB0'), join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A50285BI-if00-port0'));
  return dev;
}

describe('board ports', () => {
  it('does not call the udev lister when udevadm is not on PATH, and scans /dev instead', async () => {
    const dev = fakeDev();
    let called = false;
    const r = await listPorts({
      path: tmp(),
      devRoot: dev,
      nativeList: () => {
        called = true;
        return Promise.resolve([]);
      },
    });
    expect(called).toBe(false);
    expect(r.note).toMatch(/^udevadm not found/);
    expect(r.ports).toEqual([
      { path: join(dev, 'ttyACM3'), source: 'scan' },
      {
        path: join(dev, 'ttyUSB0'),
        source: 'scan',
        byId: join(dev, 'serial/by-id/usb-FTDI_FT232R_A50285BI-if00-port0'),
      },
    ]);
  });

  it('merges udev details with the scan, and survives a lister that fails', async () => {
    const dev = fakeDev();
    const bin = tmp();
    writeFileSync(join(bin, 'udevadm'), '#!/bin/sh\n');
    chmodSync(join(bin, 'udevadm'), 0o755);
    expect(findOnPath('udevadm', bin)).toBe(join(bin, 'udevadm'));
    const ok = await listPorts({
      path: bin,
      devRoot: dev,
      nativeList: () =>
        Promise.resolve([
          {
            path: join(dev, 'ttyUSB0'),
            manufacturer: 'FTDI',
            vendorId: '0403',
            productId: '6001',
            serialNumber: 'A50285BI',
          },
        ]),
    });
    expect(ok.note).toBeUndefined();
    expect(ok.ports[1]).toEqual({
      path: join(dev, 'ttyUSB0'),
      source: 'udev',
      manufacturer: 'FTDI',
      vendorId: '0403',
      productId: '6001',
      serialNumber: 'A50285BI',
      byId: join(dev, 'serial/by-id/usb-FTDI_FT232R_A50285BI-if00-port0'),
    });
    const failing = await listPorts({
      path: bin,
      devRoot: dev,
      nativeList: () => Promise.reject(new Error('spawn udevadm ENOENT')),
    });
    expect(failing.note).toBe('udev listing failed (spawn udevadm ENOENT): scanned /dev only');
    expect(failing.ports.map((p) => p.source)).toEqual(['scan', 'scan']);
  });

  it('prints one port per line with its details', async () => {
    const dev = fakeDev();
    const io = captureIo();
    expect(await boardPorts({}, io, { listPorts: { path: tmp(), devRoot: dev } })).toBe(0);
    expect(io.stdout).toEqual([
      join(dev, 'ttyACM3'),
      `${join(dev, 'ttyUSB0')}  ${join(dev, 'serial/by-id/usb-FTDI_FT232R_A50285BI-if00-port0')}`,
    ]);
    expect(io.stderr[0]).toMatch(/^note: udevadm not found/);
  });

  it('runs on this machine without crashing, with or without udevadm', async () => {
    const io = captureIo();
    expect(await boardPorts({ json: true }, io)).toBe(0);
    expect(Array.isArray(JSON.parse(io.stdout.join('\n')))).toBe(true);
    expect(scanDevices('/nonexistent')).toEqual([]);
  });
});

describe('opening ports and ptys', () => {
  it('names a missing port clearly', async () => {
    await expect(openSerialPort('/dev/pasr-no-such-port')).rejects.toThrow(
      '/dev/pasr-no-such-port: no such serial port (list them with: pasr board ports)',
    );
    expect(describeOpenError('/dev/ttyUSB0', 'Error: EACCES: permission denied, open')).toBe(
      '/dev/ttyUSB0: permission denied (add your user to the dialout group, then log in again)',
    );
  });

  it('opens a pty at /dev/pts/N, which vanishes when the pty is closed', async () => {
    pty = await openPty();
    expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
    expect(existsSync(pty.path)).toBe(true);
    await pty.close();
    expect(existsSync(pty.path)).toBe(false);
  });

  it('reports the port closed when the pty server exits under an open client', async () => {
    pty = await openPty();
    const port = await openSerialPort(pty.path);
    const closed = new Promise<Error | undefined>((r) => port.onClose(r));
    await pty.close();
    const e = await closed;
    expect(e?.message).toMatch(/bad file descriptor|disappeared|EIO|closed/i);
    await port.close();
  });

  it('carries bytes both ways between the pty and its stream', async () => {
    pty = await openPty();
    const port = await openSerialPort(pty.path);
    let atServer = '';
    let atClient = '';
    pty.stream.onData((b) => (atServer += Buffer.from(b).toString('latin1')));
    port.onData((b) => (atClient += Buffer.from(b).toString('latin1')));
    await port.write(new Uint8Array([0x03, 0xff, 0x0d]));
    await pty.stream.write(new Uint8Array([0x3d, 0x3e, 0x20, 0x80]));
    for (let i = 0; i < 200 && (atServer.length < 3 || atClient.length < 4); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(atServer).toBe('\x03\xff\r');
    expect(atClient).toBe('=> \x80');
    await port.close();
  });

  it('is a raw line like a UART: what a plain writer sends arrives as is, and nothing is echoed', async () => {
    pty = await openPty();
    let atServer = '';
    pty.stream.onData((b) => (atServer += Buffer.from(b).toString('latin1')));
    // Sent before any client: waits in the line, is not echoed back to the board.
    await pty.stream.write(new TextEncoder().encode('U-Boot\r\n=> '));
    // A client that sets nothing (echo CMD > /dev/pts/N): no LF to CR LF, no line editing.
    writeFileSync(pty.path, 'md.l 0x80000000 1\n\x7f\x15\x03');
    for (let i = 0; i < 200 && atServer.length < 21; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(atServer).toBe('md.l 0x80000000 1\n\x7f\x15\x03');
  });

  it('serves clients that come and go', async () => {
    pty = await openPty();
    let atServer = '';
    pty.stream.onData((b) => (atServer += Buffer.from(b).toString('latin1')));
    for (const text of ['first\r', 'second\r']) {
      const port = await openSerialPort(pty.path);
      let atClient = '';
      port.onData((b) => (atClient += Buffer.from(b).toString('latin1')));
      await port.write(new TextEncoder().encode(text));
      await pty.stream.write(new TextEncoder().encode(`=> ${text}`));
      for (let i = 0; i < 200 && atClient.length < text.length + 3; i++) await new Promise((r) => setTimeout(r, 5));
      expect(atClient).toBe(`=> ${text}`);
      await port.close();
    }
    expect(atServer).toBe('first\rsecond\r');
  });
});
