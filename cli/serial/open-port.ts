/**
 * The only module that imports `serialport` (the layering test checks it). Everything else
 * gets a ByteStream.
 */
import { SerialPort } from 'serialport';
import { existsSync } from 'node:fs';
import { CliError } from '../errors.js';
import { adaptPort, type PortStream, type SerialPortLike } from './port-stream.js';

export interface OpenPortOptions {
  readonly baudRate?: number;
  /** Lock the port against other processes (default true). */
  readonly lock?: boolean;
}

/** Turn an open error into a message that says what to do. */
export function describeOpenError(path: string, message: string): string {
  if (/Cannot lock port/i.test(message)) {
    return `${path}: port busy: another process holds it (${message.trim()}); close the other program (screen, minicom, picocom, another pasr) or find it with: fuser -v ${path}`;
  }
  if (/ENOENT|No such file/i.test(message)) return `${path}: no such serial port (list them with: pasr board ports)`;
  if (/EACCES|Permission denied/i.test(message)) return `${path}: permission denied (add your user to the dialout group, then log in again)`;
  return `${path}: cannot open the serial port: ${message.trim()}`;
}

/** Open a serial port (or pty) with a lock, adapted to the console's byte-stream interface. */
export function openSerialPort(path: string, options: OpenPortOptions = {}): Promise<PortStream> {
  const baudRate = options.baudRate ?? 115200;
  if (!Number.isInteger(baudRate) || baudRate <= 0) return Promise.reject(new CliError(`--baud ${baudRate}: not a positive integer`));
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, lock: options.lock ?? true, autoOpen: false });
    port.open((err) => {
      if (err) {
        reject(new CliError(describeOpenError(path, err.message)));
        return;
      }
      // A pty (or the link socat made to it) vanishes when its server exits: watch for it.
      resolve(adaptPort(port as unknown as SerialPortLike, { watchGone: () => !existsSync(path) }));
    });
  });
}

/** serialport's own listing (spawns `udevadm` on Linux: call through list-ports.ts only). */
export function nativePortList(): Promise<{ path: string; manufacturer?: string; serialNumber?: string; vendorId?: string; productId?: string; pnpId?: string }[]> {
  return SerialPort.list();
}
