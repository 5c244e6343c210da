import type { Clock } from '../../hal/clock.js';

export interface LogLine {
  readonly tNs: number;
  readonly facility: string;
  readonly text: string;
}

/**
 * A dmesg-like kernel log: every line stamped with the simulated time, printed as
 * `[    0.001234] facility: text` (the facility prefix is what the kernel's pr_fmt adds).
 */
export class KernelLog {
  readonly lines: LogLine[] = [];

  constructor(private readonly clock: Clock) {}

  log(facility: string, text: string): void {
    this.lines.push({ tNs: this.clock.nowNs, facility, text });
  }

  static format(line: LogLine): string {
    const us = Math.floor(line.tNs / 1000);
    const stamp = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`.padStart(12, ' ');
    return `[${stamp}] ${line.facility ? line.facility + ': ' : ''}${line.text}`;
  }

  text(): string {
    return this.lines.map(KernelLog.format).join('\n');
  }
}
