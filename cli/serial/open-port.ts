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
  if (/Cannot lock port|Port is locked/i.test(message)) {
    return `${path}: port busy: another process holds it (${message.trim()}); close the other program (screen, minicom, picocom, another pasr) or find it with: fuser -v ${path}`;
  }
  if (/ENOENT|No such file/i.test(message)) return `${path}: no such serial port (list them with: pasr board ports)`;
  if (/EACCES|Permission denied/i.test(message))
    return `${path}: permission denied (add your user to the dialout group, then log in again)`;
  return `${path}: cannot open the serial port: ${message.trim()}`;
}

/** A SerialPort-like class: serialport's SerialPort, or SerialPortMock in tests. */
export type PortClass = new (options: {
  path: string;
  baudRate: number;
  lock?: boolean;
  autoOpen?: boolean;
}) => {
  open(cb: (err: Error | null) => void): void;
};

/** Open a port of the given class with a lock, adapted to the console's byte-stream interface. */
export function openPortWith(
  Port: PortClass,
  path: string,
  options: OpenPortOptions = {},
  watchGone?: () => boolean,
): Promise<PortStream> {
  const baudRate = options.baudRate ?? 115200;
  if (!Number.isInteger(baudRate) || baudRate <= 0)
    return Promise.reject(new CliError(`--baud ${baudRate}: not a positive integer`));
  return new Promise((resolve, reject) => {
    const port = new Port({ path, baudRate, lock: options.lock ?? true, autoOpen: false });
    port.open((err) => {
      if (err) {
        reject(new CliError(describeOpenError(path, err.message)));
        return;
      }
      resolve(adaptPort(port as unknown as SerialPortLike, watchGone ? { watchGone } : {}));
    });
  });
}

/** Open a serial port (or pty) with a lock. A pty (or a link to it) vanishes when its server closes it: watch for it. */
export function openSerialPort(path: string, options: OpenPortOptions = {}): Promise<PortStream> {
  return openPortWith(SerialPort as unknown as PortClass, path, options, () => !existsSync(path));
}

/**
 * Open a terminal device as a serial client does, without a lock, and hold it without
 * reading: serialport's open sets it raw (8N1, CLOCAL, no echo, no line editing, no CR/LF
 * mapping, no output processing), and `hupcl: false` keeps the line up when it closes.
 * The virtual board holds its pty's slave this way.
 */
export async function holdRawTerminal(path: string): Promise<{ close(): Promise<void> }> {
  const port = await SerialPort.binding.open({ path, baudRate: 115200, lock: false, hupcl: false });
  return { close: () => port.close() };
}

/** serialport's own listing (spawns `udevadm` on Linux: call through list-ports.ts only). */
export function nativePortList(): Promise<
  {
    path: string;
    manufacturer?: string;
    serialNumber?: string;
    vendorId?: string;
    productId?: string;
    pnpId?: string;
  }[]
> {
  return SerialPort.list();
}
