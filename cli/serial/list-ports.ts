import { accessSync, constants, readdirSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * `pasr board ports`: list serial ports without ever crashing.
 *
 * serialport's `SerialPort.list()` spawns `udevadm info -e` on Linux; where udevadm is
 * missing (containers, minimal installs) the spawn fails, and bindings-cpp 13 has been seen
 * to crash the process with an unhandled `spawn udevadm ENOENT` (reference
 * uboot-console.md §9). So: look for udevadm on PATH first (no spawn), call list() only when
 * it is there, catch any failure, and in every case also scan /dev for USB serial devices
 * and /dev/serial/by-id links.
 */
export interface PortListing {
  readonly path: string;
  /** Where the entry came from. */
  readonly source: 'udev' | 'scan';
  readonly manufacturer?: string;
  readonly serialNumber?: string;
  readonly vendorId?: string;
  readonly productId?: string;
  /** Stable /dev/serial/by-id name, when there is one. */
  readonly byId?: string;
}

export interface ListPortsResult {
  readonly ports: PortListing[];
  /** Why the udev listing was not used, when it was not. */
  readonly note?: string;
}

export interface ListPortsDeps {
  readonly nativeList?: () => Promise<
    { path: string; manufacturer?: string; serialNumber?: string; vendorId?: string; productId?: string }[]
  >;
  /** PATH to search for udevadm (default: process.env.PATH). */
  readonly path?: string;
  /** /dev root (tests point it at a fixture directory). */
  readonly devRoot?: string;
}

export function findOnPath(exe: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, exe);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** /dev/ttyUSB*, /dev/ttyACM* and the /dev/serial/by-id links (resolved to their device). */
export function scanDevices(devRoot = '/dev'): PortListing[] {
  const out = new Map<string, PortListing>();
  for (const name of safeReaddir(devRoot).sort()) {
    if (/^tty(USB|ACM)\d+$/.test(name)) out.set(join(devRoot, name), { path: join(devRoot, name), source: 'scan' });
  }
  const byIdDir = join(devRoot, 'serial', 'by-id');
  for (const name of safeReaddir(byIdDir).sort()) {
    const link = join(byIdDir, name);
    let target: string;
    try {
      target = realpathSync(link);
    } catch {
      continue;
    }
    out.set(target, { ...(out.get(target) ?? { path: target, source: 'scan' as const }), byId: link });
  }
  return [...out.values()];
}

export async function listPorts(deps: ListPortsDeps = {}): Promise<ListPortsResult> {
  const scanned = scanDevices(deps.devRoot);
  const udevadm = findOnPath('udevadm', deps.path ?? process.env['PATH'] ?? '');
  let note: string | undefined;
  let native: PortListing[] = [];
  if (!udevadm)
    note =
      'udevadm not found: listing /dev/ttyUSB*, /dev/ttyACM* and /dev/serial/by-id only (install the udev package for vendor details)';
  else if (!deps.nativeList) note = 'no native lister given: scanned /dev only';
  else {
    try {
      native = (await deps.nativeList()).map((p) => ({
        path: p.path,
        source: 'udev' as const,
        ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
        ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
        ...(p.vendorId ? { vendorId: p.vendorId } : {}),
        ...(p.productId ? { productId: p.productId } : {}),
      }));
    } catch (e) {
      note = `udev listing failed (${(e as Error).message}): scanned /dev only`;
    }
  }
  const merged = new Map<string, PortListing>();
  for (const p of native) merged.set(p.path, p);
  for (const p of scanned) {
    const known = merged.get(p.path);
    merged.set(p.path, known ? { ...known, ...(p.byId ? { byId: p.byId } : {}) } : p);
  }
  const ports = [...merged.values()].sort((a, b) => a.path.localeCompare(b.path));
  return note === undefined ? { ports } : { ports, note };
}
