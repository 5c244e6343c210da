import { Board } from '../../hal/board/board.js';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { arrayShareAt } from '../../hal/lpddr/array-share.js';
import { EnergyMeter, type Band, type EnergyReport } from '../../firmware/energy/energy-meter.js';
import { loadBoard, requireAwakeTables, type BoardsDirOption } from '../board-files.js';
import { table } from '../format.js';

const SECOND = 1e9;

/**
 * `pasr power`: what each die of a board draws awake (background + auto-refresh) and in self-refresh,
 * with the full array and with one PASR unit (one segment, or one bank on MR16 boards) masked, as one
 * second of the energy meter. Self-refresh figures carry the arrayShare band.
 */
export async function power(
  opts: BoardsDirOption & { board: string; temperature?: number; activeShare?: number; json?: boolean },
) {
  const config = loadBoard(opts.board, opts);
  const temperatureC = opts.temperature;
  const activeShare = opts.activeShare ?? 0;
  const clock = new SimClock();
  const board = new Board(config, clock, new TraceBus(clock));
  const meterOpts = temperatureC === undefined ? {} : { temperatureC };
  requireAwakeTables(config);

  const awake = new EnergyMeter(board, meterOpts);
  awake.awake(SECOND, activeShare);
  const full = new EnergyMeter(board, meterOpts);
  full.selfRefresh(SECOND, Object.fromEntries(board.dies.map((d) => [d.id, 1])));
  const unitFraction = (id: string): number => {
    const g = board.die(id).geometry;
    return 1 - 1 / (config.pasr.maskRegister === 'MR16' ? g.banks : g.segments);
  };
  const one = new EnergyMeter(board, meterOpts);
  one.selfRefresh(SECOND, Object.fromEntries(board.dies.map((d) => [d.id, unitFraction(d.id)])));
  const [a, f, o] = [awake.report(), full.report(), one.report()];

  if (opts.json) {
    const json = {
      board: config.name,
      temperatureC: temperatureC ?? null,
      activeShare,
      awakeW: a.awakeJ,
      awakeRefreshW: sum(a, (d) => d.awakeRefreshJ),
      selfRefreshFullW: f.selfRefreshJ,
      selfRefreshOneUnitMaskedW: o.selfRefreshJ,
      savedW: o.savedJ,
      perDie: Object.fromEntries(
        board.dies.map((d) => [
          d.id,
          {
            temperatureC: a.perDie[d.id]!.temperatureC,
            awakeW: a.perDie[d.id]!.awakeJ,
            awakeRefreshW: a.perDie[d.id]!.awakeRefreshJ,
            selfRefreshFullW: f.perDie[d.id]!.selfRefreshJ,
            selfRefreshOneUnitMaskedW: o.perDie[d.id]!.selfRefreshJ,
            refreshedFraction: unitFraction(d.id),
          },
        ]),
      ),
      platform: config.platform ?? null,
      clamped: [...new Set([...a.clamped, ...f.clamped, ...o.clamped])],
    };
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    return;
  }

  const mW = (w: number): string => (w * 1e3).toFixed(3);
  const band = (b: Band): string => `${mW(b.mid)} (${mW(Math.min(b.low, b.high))}-${mW(Math.max(b.low, b.high))})`;
  const tempText =
    temperatureC === undefined
      ? `${config.temperatureC} °C (board config${board.dies.some((d) => d.config.temperatureC !== undefined) ? ', some dies their own' : ''})`
      : `${temperatureC} °C`;
  const out: string[] = [];
  out.push(
    `${config.name}: ${config.standard}, ${board.dies.length} dies at ${tempText}; awake with active share ${activeShare}`,
  );
  const rows = board.dies.map((d) => {
    const ad = a.perDie[d.id]!;
    return [
      d.id,
      `${mW(ad.awakeJ)} (${mW(ad.awakeJ - ad.awakeRefreshJ)} + ${mW(ad.awakeRefreshJ)})`,
      mW(f.perDie[d.id]!.selfRefreshJ.mid),
      `${band(o.perDie[d.id]!.selfRefreshJ)} at f = ${+unitFraction(d.id).toFixed(4)}`,
    ];
  });
  const refresh = sum(a, (d) => d.awakeRefreshJ);
  rows.push([
    'DRAM',
    `${mW(a.awakeJ)} (${mW(a.awakeJ - refresh)} + ${mW(refresh)})`,
    mW(f.selfRefreshJ.mid),
    band(o.selfRefreshJ),
  ]);
  out.push(
    table(['DIE', 'AWAKE mW (BACKGROUND + REFRESH)', 'SELF-REFRESH mW', 'ONE UNIT MASKED mW (BAND)'], rows).trimEnd(),
  );
  const t = temperatureC ?? config.temperatureC;
  const s = arrayShareAt(t);
  out.push(
    `One unit masked saves ${band(o.savedJ)} mW of self-refresh; the band is arrayShare ${s.low.toFixed(2)}-${s.high.toFixed(2)} (default ${s.mid.toFixed(2)} at ${t} °C) from LPDDR1 tables (hal/lpddr/ARRAY-SHARE.md); rails with a measured arrayShare have no band.`,
  );
  const p = config.platform;
  if (p) {
    const pct = (x: number): string => ((x / p.suspendedW) * 100).toFixed(2);
    out.push(
      `Platform${p.estimate ? ' (estimate)' : ''}: ${p.awakeW} W awake, ${p.suspendedW} W suspended; the saving is ${pct(o.savedJ.mid)} % (${pct(o.savedJ.low)}-${pct(o.savedJ.high)} %) of suspended power.`,
    );
  }
  for (const c of new Set([...a.clamped, ...f.clamped, ...o.clamped])) out.push(`clamped: ${c}`);
  process.stdout.write(out.join('\n') + '\n');
}

function sum(r: EnergyReport, pick: (d: EnergyReport['perDie'][string]) => number): number {
  return Object.values(r.perDie).reduce((s, d) => s + pick(d), 0);
}
