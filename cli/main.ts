/**
 * `pasr`: the command-line entry point and composition root. Only this folder touches
 * files, the terminal, the process and serial ports; everything below gets data in and
 * returns results.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors.js';

function int(what: string) {
  return (v: string): number => {
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? parseInt(v, 10) : NaN;
    if (!Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${what} must be a decimal or 0x-hex integer, got ${JSON.stringify(v)}`);
    return n;
  };
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function buildProgram(): Command {
  const program = new Command('pasr')
    .description('LPDDR Partial Array Self-Refresh emulator and lab tool')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .option(
      '--boards-dir <dir>',
      'look for boards (--board NAME, pasr boards) in DIR too, before PASR_BOARDS folders and the shipped ones (repeatable)',
      collect,
    );
  // --boards-dir may come before or after the command name; every command sees it among its own options.
  program.hook('preAction', (_program, action) => {
    const dirs = program.opts<{ boardsDir?: string[] }>().boardsDir;
    if (dirs) action.setOptionValue('boardsDir', dirs);
  });

  program
    .command('demo')
    .description(
      'boot the default board, show its register writes, then program and check one PASR mask (what `npm start` runs)',
    )
    .option('--board <name|file>', 'board to boot', 'pandaboard-es')
    .action(async (opts) => (await import('./commands/demo.js')).demo(opts));

  const boards = program
    .command('boards')
    .description('list the boards: --boards-dir folders, PASR_BOARDS folders (:-separated), then the shipped ones')
    .option('--json', 'JSON array of {name, file, standard, sizeBytes, dies}')
    .action(async (opts) => (await import('./commands/boards.js')).listBoards(opts));
  boards
    .command('validate')
    .description('check board config files; one line per problem as FILE:LINE:COL: json.path: message')
    .argument('<file...>', 'board config files (board.schema.json is skipped)')
    .action(async (files: string[], opts) => (await import('./commands/boards.js')).validateBoards(files, opts));

  program
    .command('boot')
    .description('boot a board: bootloader DRAM init and identity check, then the kernel memory layout')
    .requiredOption('--board <name|file>', 'shipped board name or a board config file')
    .option('--trace <out>', 'write the register-write trace (.pasrtrace)')
    .option('--json', 'print a JSON summary')
    .addOption(
      new Option('--proc <view>', 'print a /proc view after boot').choices([
        'buddyinfo',
        'pagetypeinfo',
        'vmstat',
        'zoneinfo',
      ]),
    )
    .option('--dmesg', 'print the kernel log')
    .action(async (opts) => (await import('./commands/boot.js')).boot(opts));

  program
    .command('inspect')
    .description('show the events of a register trace')
    .argument('<trace>', '.pasrtrace file')
    .option('--die <id>', 'only this die (its mode-register commands and its controller’s register writes)')
    .option('--mr <n>', 'only this mode register (and the register writes that issued it)', int('--mr'))
    .option('--kind <kind>', 'only events of this kind (glob: dram.*)')
    .option('--from <ns>', 'from this simulated time', int('--from'))
    .option('--to <ns>', 'up to this simulated time', int('--to'))
    .addOption(new Option('--json', 'JSON array of events').conflicts(['csv', 'vcd']))
    .addOption(new Option('--csv', 'CSV, one row per event').conflicts(['vcd']))
    .option('--vcd', 'value change dump (GTKWave) of mode registers and self-refresh state')
    .action(async (trace: string, opts) => (await import('./commands/inspect.js')).inspect(trace, opts));

  program
    .command('map')
    .description('page frames wholly covered by a segment or bank on the given dies')
    .requiredOption('--board <name|file>', 'shipped board name or a board config file')
    .addOption(new Option('--segment <s>', 'segment number').argParser(int('--segment')).conflicts('bank'))
    .addOption(new Option('--bank <k>', 'bank number').argParser(int('--bank')))
    .option('--die <id>', 'a die (repeatable; default all dies)', collect)
    .option('--json', 'JSON {shape, bytes, pfnCount, ranges}')
    .action(async (opts) => (await import('./commands/map.js')).map(opts));

  const board = program.command('board').description('drive a real (or virtual) board through its U-Boot console');
  const portOptions = (c: Command) =>
    c
      .option('--baud <rate>', 'baud rate', int('--baud'), 115200)
      .option('--timeout <ms>', 'per-command timeout in milliseconds', int('--timeout'), 3000);
  board
    .command('ports')
    .description('list serial ports')
    .option('--json', 'JSON output')
    .action(async (opts) => (await import('./commands/board.js')).ports(opts));
  board
    .command('serve')
    .description('serve the emulated board behind a U-Boot-like console on a pseudo-terminal')
    .requiredOption('--board <name|file>', 'board to emulate')
    .option('--link <path>', 'create this symlink to the pty')
    .action(async (opts) => (await import('./commands/board.js')).serve(opts));
  portOptions(
    board
      .command('probe')
      .description('read controller configuration and DRAM identity (MR5-MR8) and compare with the board config')
      .requiredOption('--port <path>', 'serial port')
      .requiredOption('--board <name|file>', 'board config')
      .option('--json', 'JSON output'),
  ).action(async (opts) => (await import('./commands/board.js')).probe(opts));
  portOptions(
    board
      .command('apply')
      .description('program PASR masks on chosen dies')
      .option('--port <path>', 'serial port (not needed with --dry-run)')
      .requiredOption('--board <name|file>', 'board config')
      .requiredOption('--die <id>', 'die (repeatable)', collect)
      .addOption(new Option('--mr16 <mask>', 'bank mask').argParser(int('--mr16')).conflicts(['mr17', 'segments']))
      .addOption(new Option('--mr17 <mask>', 'segment mask').argParser(int('--mr17')).conflicts(['segments']))
      .option('--segments <list>', 'segments to mask, e.g. 4-7 or 1,3')
      .option('--dry-run', 'print the console commands, do not open the port')
      .option('--force', 'run sequences with known hazards'),
  ).action(async (opts) => (await import('./commands/board.js')).apply(opts));
  portOptions(
    board
      .command('replay')
      .description('replay the register writes of a trace on the board, in order')
      .argument('<trace>', '.pasrtrace file')
      .option('--port <path>', 'serial port (not needed with --dry-run)')
      .requiredOption('--board <name|file>', 'board config')
      .option('--dry-run', 'print the console commands, do not open the port')
      .option('--force', 'run sequences with known hazards'),
  ).action(async (trace: string, opts) => (await import('./commands/board.js')).replay(trace, opts));

  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      process.stderr.write(`pasr: ${e.message}\n`);
      return e.exitCode;
    }
    if (process.env.PASR_DEBUG) throw e;
    process.stderr.write(
      `pasr: internal error: ${(e as Error).message}\n(set PASR_DEBUG=1 for a stack trace and please report it)\n`,
    );
    return 70;
  }
}

// Output to a closed pipe (`pasr inspect … | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
