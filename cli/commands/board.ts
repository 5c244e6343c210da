/** `pasr board ...`: wiring of the serial-console commands (cli/serial/) to files and the process. */
import { loadBoard, type BoardsDirOption } from '../board-files.js';
import { UsageError } from '../errors.js';
import { readTrace } from '../trace-file.js';
import { boardApply, boardPorts, boardProbe, boardReplay, boardServe, processIo } from '../serial/commands.js';

interface PortFlags extends BoardsDirOption {
  port: string;
  board: string;
  baud: number;
  timeout: number;
}

/** --port is needed unless the command only prints what it would send. */
function portFor(opts: { port?: string; dryRun?: boolean }, command: string): { port?: string } {
  if (opts.port !== undefined) return { port: opts.port };
  if (opts.dryRun) return {};
  throw new UsageError(`board ${command}: give --port PATH (or --dry-run to print the console commands)`);
}

function done(code: number): void {
  if (code !== 0) process.exitCode = code;
}

export async function ports(opts: { json?: boolean }): Promise<void> {
  done(await boardPorts(opts, processIo()));
}

export async function serve(opts: BoardsDirOption & { board: string; link?: string }): Promise<void> {
  const board = loadBoard(opts.board, opts);
  done(await boardServe(opts.link === undefined ? { board } : { board, link: opts.link }, processIo()));
}

export async function probe(opts: PortFlags & { json?: boolean }): Promise<void> {
  const board = loadBoard(opts.board, opts);
  done(
    await boardProbe(
      { port: opts.port, baud: opts.baud, timeout: opts.timeout, board, json: opts.json ?? false },
      processIo(),
    ),
  );
}

export async function apply(
  opts: Omit<PortFlags, 'port'> & {
    port?: string;
    die: string[];
    mr16?: number;
    mr17?: number;
    segments?: string;
    dryRun?: boolean;
    force?: boolean;
  },
): Promise<void> {
  const port = portFor(opts, 'apply');
  const board = loadBoard(opts.board, opts);
  const o: Parameters<typeof boardApply>[0] = {
    ...port,
    baud: opts.baud,
    timeout: opts.timeout,
    board,
    die: opts.die,
    dryRun: opts.dryRun ?? false,
    force: opts.force ?? false,
    ...(opts.mr16 !== undefined ? { mr16: opts.mr16 } : {}),
    ...(opts.mr17 !== undefined ? { mr17: opts.mr17 } : {}),
    ...(opts.segments !== undefined ? { segments: opts.segments } : {}),
  };
  done(await boardApply(o, processIo()));
}

export async function replay(
  file: string,
  opts: Omit<PortFlags, 'port'> & { port?: string; dryRun?: boolean; force?: boolean },
): Promise<void> {
  const port = portFor(opts, 'replay');
  const board = loadBoard(opts.board, opts);
  const { events } = readTrace(file);
  done(
    await boardReplay(
      {
        ...port,
        baud: opts.baud,
        timeout: opts.timeout,
        board,
        trace: events,
        traceName: file,
        dryRun: opts.dryRun ?? false,
        force: opts.force ?? false,
      },
      processIo(),
    ),
  );
}
