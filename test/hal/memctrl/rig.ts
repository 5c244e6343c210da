import type { ControllerConfig } from '../../../hal/board/board-config.js';
import { SimClock } from '../../../hal/clock.js';
import { createController, type ControllerOptions } from '../../../hal/memctrl/create-controller.js';
import { mapController, type MemoryController } from '../../../hal/memctrl/memory-controller.js';
import { MmioBus } from '../../../hal/mmio-bus.js';
import type { MmioWriteEvent, TraceEvent } from '../../../hal/trace/events.js';
import { TraceBus } from '../../../hal/trace/trace-bus.js';
import { standardOf } from './controller-configs.js';
import { FakeDie, type FakeDieOptions } from './fake-die.js';
import { hex } from '../../../hal/bits.js';

export interface Rig<C extends MemoryController = MemoryController> {
  readonly clock: SimClock;
  readonly trace: TraceBus;
  readonly bus: MmioBus;
  readonly ctrl: C;
  readonly dies: Map<string, FakeDie>;
  die(id: string): FakeDie;
  /** MMIO writes as `REGISTER=0x........` strings, in order. */
  writes(): string[];
  guestErrors(): string[];
}

/** A fresh bus + clock + trace with one controller model and fake dies for every configured die. */
export function rig<C extends MemoryController = MemoryController>(
  config: ControllerConfig,
  options: ControllerOptions = {},
  dieOptions: (id: string) => FakeDieOptions = () => ({}),
): Rig<C> {
  const clock = new SimClock();
  const trace = new TraceBus(clock);
  const bus = new MmioBus();
  const dies = new Map<string, FakeDie>();
  for (const d of config.dies)
    dies.set(d.id, new FakeDie(d.id, clock, trace, { standard: standardOf(config), ...dieOptions(d.id) }));
  const ctrl = createController(config, [...dies.values()], clock, trace, options) as C;
  mapController(bus, ctrl);
  return {
    clock,
    trace,
    bus,
    ctrl,
    dies,
    die(id) {
      const d = dies.get(id);
      if (!d) throw new Error(`no fake die ${id}`);
      return d;
    },
    writes: () => trace.ofKind('mmio.write').map(fmtWrite),
    guestErrors: () => trace.ofKind('guest.error').map((e) => `${e.source}: ${e.message}`),
  };
}

export function fmtWrite(e: MmioWriteEvent): string {
  return `${e.register}=${hex(e.value)}`;
}

/** Events after index `from`, by kind. */
export function since<K extends TraceEvent['kind']>(
  trace: TraceBus,
  from: number,
  kind: K,
): Extract<TraceEvent, { kind: K }>[] {
  return trace.events.slice(from).filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}
