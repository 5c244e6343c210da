/**
 * `pasr`: the command-line entry point and composition root. Only this folder touches
 * files, the terminal, the process and serial ports; everything below gets data in and
 * returns results.
 */
import { Command, Help, InvalidArgumentError, Option } from 'commander';
import { EXIT, reportError } from './errors.js';
import type { DramStandard } from '../hal/board/board-config.js';
import { parseDuration } from '../firmware/workload/quantities.js';
import { POLICIES, policyOptionList } from '../firmware/pasr/policies/index.js';
import { byteSize, conciseCommanderMessage, decimal, integer, repeatable, single, text } from './options.js';

/** package.json's version, put in by the bundler (cli/build.mjs). */
declare const PASR_VERSION: string;

const PROC_VIEWS = ['buddyinfo', 'pagetypeinfo', 'vmstat', 'zoneinfo'] as const;

const BOARD = 'a board name or a board config file';
const MS = { min: 1, max: 3_600_000, unit: 'ms' };
const NS = { min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'ns' };
const BYTE = { min: 0, max: 0xff };
/** The die temperatures the power tables and refresh rules are written for. */
const CELSIUS = { min: -40, max: 125, unit: '°C' };
const DRAM_STANDARDS: readonly DramStandard[] = ['LPDDR2-S4', 'LPDDR2-S2', 'LPDDR3', 'LPDDR4', 'LPDDR4X', 'LPDDR5'];

function choice<T extends string>(choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(choices as readonly string[]).includes(v)) throw new InvalidArgumentError(`not one of ${choices.join(', ')}`);
    return v as T;
  };
}

/** `--duration` of a run: a duration with its unit (90s, 15m, 2h, 1d), more than zero. */
function runDuration(v: string): number {
  const d = parseDuration(v.trim());
  if (!d.ok) throw new InvalidArgumentError(d.message.replace(/^duration '[^']*': /, ''));
  if (d.value <= 0) throw new InvalidArgumentError('a run needs some simulated time');
  return d.value;
}

/** A duration with its unit, more than zero (`--idle`). */
function positiveDuration(v: string): number {
  const d = parseDuration(v.trim());
  if (!d.ok) throw new InvalidArgumentError(d.message.replace(/^duration '[^']*': /, ''));
  if (d.value <= 0) throw new InvalidArgumentError('must be more than zero');
  return d.value;
}

export function buildProgram(): Command {
  const program = new Command('pasr')
    .description('LPDDR Partial Array Self-Refresh emulator and lab tool')
    .version(PASR_VERSION, '-V, --version', 'print the version')
    .configureHelp({
      sortSubcommands: false,
      optionDescription(option) {
        const d = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `${d} (required)` : d;
      },
    })
    .option(
      '--boards-dir <dir>',
      'look for boards (--board NAME, pasr boards) in DIR too, before PASR_BOARDS folders and the shipped ones (repeatable)',
      repeatable(text('a folder of board files')),
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
    .option('--board <name|file>', 'board to boot', single(text(BOARD)), 'pandaboard-es')
    .option(
      '--unit <k>',
      'mask PASR unit k instead of the highest one with no live page (one with live pages shows the safety check failing)',
      single(integer({ min: 0, max: 4095 })),
    )
    .action(async (opts) => (await import('./commands/demo.js')).demo(opts));

  const boards = program
    .command('boards')
    .description('list the boards: --boards-dir folders, PASR_BOARDS folders (:-separated), then the shipped ones')
    .option('--json', 'JSON array of {name, file, standard, sizeBytes, dies}')
    .action(async (opts) => (await import('./commands/boards.js')).listBoards(opts));
  boards
    .command('validate')
    .description('check board config files; one line per problem as FILE:LINE:COL: json.path: message')
    .argument('<file...>', 'board config files (board.schema.json is skipped)', repeatable(text('a board config file')))
    .action(async (files: string[], opts) => (await import('./commands/boards.js')).validateBoards(files, opts));
  boards
    .command('from-dts')
    .description(
      'board config skeleton from the LPDDR nodes of a devicetree source (placeholders listed on stderr and in "unverified")',
    )
    .argument(
      '<file>',
      'devicetree source (.dts), after cpp if it uses #include or macros',
      text('a devicetree source file'),
    )
    .option('--out <file>', 'write the config here instead of stdout', single(text('an output file name')))
    .option('--name <name>', 'board name (default: from the file name)', single(text('a board name')))
    .option(
      '--standard <std>',
      'LPDDR4X for jedec,lpddr4 parts that are LPDDR4X (the bindings have no LPDDR4X)',
      single(choice(DRAM_STANDARDS)),
    )
    .action(async (file: string, opts) => (await import('./commands/boards-dts.js')).fromDts(file, opts));
  boards
    .command('to-dts')
    .description('devicetree nodes (lpddr channels, ranks, memory) of a board')
    .argument('<board>', BOARD, text(BOARD))
    .option('--out <file>', 'write the DTS here instead of stdout', single(text('an output file name')))
    .action(async (board: string, opts) => (await import('./commands/boards-dts.js')).toDts(board, opts));

  const workloads = program
    .command('workloads')
    .description('list the workload scenarios of workloads/')
    .option('--json', 'JSON array of {name, file, durationNs, phases: [{name, durationNs, suspend}], description}')
    .action(async (opts) => (await import('./commands/workloads.js')).listWorkloads(opts));
  workloads
    .command('validate')
    .description('check workload scenario files; one line per problem as FILE:LINE:COL: json.path: message')
    .argument('<file...>', 'scenario files', repeatable(text('a workload scenario file')))
    .action(async (files: string[]) => (await import('./commands/workloads.js')).validateWorkloads(files));

  program
    .command('boot')
    .description('boot a board: bootloader DRAM init and identity check, then the kernel memory layout')
    .requiredOption('--board <name|file>', BOARD, single(text(BOARD)))
    .option(
      '--trace <out>',
      'write the register-write trace (.pasrtrace; - for standard output)',
      single(text('an output file name, or - for standard output')),
    )
    .option('--json', 'print a JSON summary (with --dmesg and --proc: their text under "dmesg" and "proc")')
    .option(
      '--proc <view>',
      `print a /proc view after boot: ${PROC_VIEWS.join(', ')} (repeatable)`,
      repeatable(choice(PROC_VIEWS)),
    )
    .option('--dmesg', 'print the kernel log')
    .action(async (opts) => (await import('./commands/boot.js')).boot(opts));

  program
    .command('inspect')
    .description('show the events of a register trace')
    .argument('<trace>', '.pasrtrace file', text('a .pasrtrace file'))
    .option(
      '--die <id>',
      'only this die: its mode-register commands and its controller’s register writes (repeatable: any of them)',
      repeatable(text('a die id, e.g. emif1.cs0')),
    )
    .option(
      '--mr <n>',
      'only this mode register, and the register writes that issued it (repeatable: any of them)',
      repeatable(integer(BYTE)),
    )
    .option(
      '--kind <kind>',
      'only events of this kind, a glob (dram.*) or a list (repeatable: any of them)',
      repeatable(text('an event kind, e.g. dram.mrw')),
    )
    .option('--from <ns>', 'from this simulated time (inclusive)', single(integer(NS)))
    .option('--to <ns>', 'up to this simulated time (inclusive)', single(integer(NS)))
    .addOption(new Option('--json', 'JSON array of events').conflicts(['csv', 'vcd']))
    .addOption(new Option('--csv', 'CSV, one row per event').conflicts(['vcd']))
    .option('--vcd', 'value change dump (GTKWave) of mode registers and self-refresh state')
    .action(async (trace: string, opts) => (await import('./commands/inspect.js')).inspect(trace, opts));

  program
    .command('map')
    .description('page frames wholly covered by a segment or bank on the given dies')
    .requiredOption('--board <name|file>', BOARD, single(text(BOARD)))
    .addOption(new Option('--segment <s>', 'segment number').argParser(single(integer(BYTE))).conflicts('bank'))
    .addOption(new Option('--bank <k>', 'bank number').argParser(single(integer(BYTE))))
    .option('--die <id>', 'a die (repeatable; default all dies)', repeatable(text('a die id, e.g. emif1.cs0')))
    .option('--json', 'JSON {shape, bytes, pfnCount, ranges}')
    .action(async (opts) => (await import('./commands/map.js')).map(opts));

  program
    .command('power')
    .description(
      'DRAM power per die: awake (background + auto-refresh) and self-refresh, full array and one PASR unit masked, with the arrayShare band',
    )
    .option('--board <name|file>', 'board', single(text(BOARD)), 'pandaboard-es')
    .option('--temperature <C>', 'one temperature for every die (default: the board config)', single(decimal(CELSIUS)))
    .option(
      '--active-share <0..1>',
      'share of awake time with a bank open (default 0: power-down when idle)',
      single(decimal({ min: 0, max: 1 })),
    )
    .option('--json', 'JSON output (watts)')
    .action(async (opts) => (await import('./commands/power.js')).power(opts));

  const runCommand = program
    .command('run')
    .description(
      'run a workload on a board with a PASR policy, and its baseline (policy none, same seed): energy, saving, oracle bound, costs, timeline',
    )
    .requiredOption('--board <name|file>', BOARD, single(text(BOARD)))
    .requiredOption(
      '--workload <name|file>',
      'shipped workload name or a scenario file',
      single(text('a shipped workload name or a scenario file')),
    )
    .requiredOption(
      '--policy <name>',
      POLICIES.map((p) => p.name).join(', '),
      single(text('a policy name, e.g. oracle')),
    )
    .option('--seed <n>', 'seed of the run (same seed, same result)', single(integer({ min: 0, max: 0xffffffff })), 1)
    .option('--duration <d>', "simulated time, e.g. 90s, 15m, 2h, 1d (default: the workload's)", single(runDuration))
    .option('--temperature <C>', 'die temperature for every die (default: the board config)', single(decimal(CELSIUS)))
    .option(
      '--trace <out>',
      "write the run's register and system trace (.pasrtrace; - for standard output)",
      single(text('an output file name, or - for standard output')),
    )
    .option('--json', 'print the report as JSON');
  for (const o of policyOptionList())
    runCommand.option(`--${o.name} <value>`, o.help, single(text(`a value of --${o.name}`)));
  runCommand.action(async (opts) => (await import('./commands/run.js')).run(opts));

  const ftrace = program.command('ftrace').description('kernel page-allocation traces (tracefs kmem events)');
  const replayCommand = ftrace
    .command('replay')
    .description(
      "replay a kernel kmem trace (tracefs trace or trace_pipe text, trace-cmd report; .gz read as it streams) on a board with a PASR policy, and its baseline (policy none): the run's report, plus what the trace held",
    )
    .argument('<file>', 'trace text or .gz, or - for standard input', text('a trace file, or - for standard input'))
    .requiredOption('--board <name|file>', BOARD, single(text(BOARD)))
    .requiredOption(
      '--policy <name>',
      POLICIES.map((p) => p.name).join(', '),
      single(text('a policy name, e.g. oracle')),
    )
    .option(
      '--mode <mode>',
      "order: the board's allocator places each allocation (default); exact: at the traced pfn folded onto the board",
      single(choice(['order', 'exact'] as const)),
    )
    .option(
      '--idle <d>',
      'time with no page event after which the system suspends until the next one, e.g. 1s, 200ms (default 1s)',
      single(positiveDuration),
    )
    .option(
      '--active-share <0..1>',
      'share of awake time with a DRAM bank open (default 0.1)',
      single(decimal({ min: 0, max: 1 })),
    )
    .option('--seed <n>', "seed of the policy's random choices", single(integer({ min: 0, max: 0xffffffff })), 1)
    .option('--temperature <C>', 'die temperature for every die (default: the board config)', single(decimal(CELSIUS)))
    .option('--json', 'print the report as JSON');
  for (const o of policyOptionList())
    replayCommand.option(`--${o.name} <value>`, o.help, single(text(`a value of --${o.name}`)));
  replayCommand.action(async (file: string, opts) => (await import('./commands/ftrace.js')).ftraceReplay(file, opts));

  program
    .command('compare')
    .description(
      'boards x workloads x policies x seeds on worker threads: every cell kept in DIR as it finishes, then report.json, report.csv, report.html and report.md',
    )
    .requiredOption(
      '--out <dir>',
      'output folder (a rerun with the same folder skips the cells done)',
      single(text('an output folder')),
    )
    .option(
      '--boards <list>',
      'comma-separated board names or config files (default: every shipped board)',
      single(text('a comma-separated list of boards')),
    )
    .option(
      '--workloads <list>',
      'comma-separated workload names or scenario files (default: every shipped workload)',
      single(text('a comma-separated list of workloads')),
    )
    .option(
      '--policies <list>',
      'comma-separated policies or variants (balloon, balloon:oom, hotplug:offline-timeout=1s+order=top-down; default: every policy but none)',
      single(text('a comma-separated list of policies')),
    )
    .option('--seeds <n>', 'seeds 1..n of every cell (default 3)', single(integer({ min: 1, max: 1000 })))
    .option('--jobs <n>', 'worker threads (default: the cores)', single(integer({ min: 1, max: 256 })))
    .option(
      '--duration <d>',
      "simulated time of every run, e.g. 90s, 15m, 2h (default: each workload's)",
      single(runDuration),
    )
    .action(async (opts) => (await import('./commands/compare.js')).compare(opts));

  const snapshot = program
    .command('snapshot')
    .description(
      'the physical memory of a real Linux machine (/proc/kpageflags and friends), and what PASR could save on it',
    );
  snapshot
    .command('capture')
    .description(
      'copy /proc/kpageflags and /proc/kpagecount (gzip-compressed), iomem, buddyinfo, pagetypeinfo, zoneinfo and meminfo into a folder (needs root)',
    )
    .requiredOption('--out <dir>', 'the snapshot folder: new, or one with no snapshot in it', single(text('a folder')))
    .action(async (opts) => (await import('./commands/snapshot.js')).capture(opts));
  snapshot
    .command('analyze')
    .description(
      "classify every page frame of a snapshot, lay its RAM onto a board's PASR units or into segments, and what PASR saves now, after migration and for the oracle",
    )
    .argument(
      '<dir>',
      'snapshot folder (kpageflags plain or .gz, iomem, buddyinfo, zoneinfo, meminfo)',
      text('a folder'),
    )
    .addOption(
      new Option('--board <name|file>', `lay the RAM onto this board's PASR units: ${BOARD}`)
        .argParser(single(text(BOARD)))
        .conflicts('segmentSize'),
    )
    .option(
      '--segment-size <size>',
      'cut the RAM, laid end to end, into segments of this size (e.g. 512MiB, 1GiB)',
      single(byteSize({ min: 4096, max: 2 ** 40 })),
    )
    .option(
      '--temperature <C>',
      'die temperature of the power model (default: the board config, or 45 °C)',
      single(decimal(CELSIUS)),
    )
    .option('--json', 'print the analysis as JSON')
    .action(async (dir: string, opts) => (await import('./commands/snapshot.js')).analyze(dir, opts));

  const board = program.command('board').description('drive a real (or virtual) board through its U-Boot console');
  const port = (required: boolean) =>
    new Option('--port <path>', required ? 'serial port' : 'serial port (required unless --dry-run)')
      .argParser(single(text('a serial port path, e.g. /dev/ttyUSB0')))
      .makeOptionMandatory(required);
  const portOptions = (c: Command) =>
    c
      .option('--baud <rate>', 'baud rate', single(integer({ min: 50, max: 4_000_000 })), 115200)
      .option('--timeout <ms>', 'per-command timeout in milliseconds', single(integer(MS)), 3000);
  board
    .command('ports')
    .description('list serial ports')
    .option('--json', 'JSON output')
    .action(async (opts) => (await import('./commands/board.js')).ports(opts));
  board
    .command('serve')
    .description('serve the emulated board behind a U-Boot-like console on a pseudo-terminal')
    .requiredOption('--board <name|file>', 'board to emulate', single(text(BOARD)))
    .option(
      '--link <path>',
      'create this symlink to the pty (refused if the path exists)',
      single(text('a path for the link')),
    )
    .action(async (opts) => (await import('./commands/board.js')).serve(opts));
  portOptions(
    board
      .command('probe')
      .description('read controller configuration and DRAM identity (MR5-MR8) and compare with the board config')
      .addOption(port(true))
      .requiredOption('--board <name|file>', 'board config', single(text(BOARD)))
      .option('--json', 'JSON output'),
  ).action(async (opts) => (await import('./commands/board.js')).probe(opts));
  portOptions(
    board
      .command('apply')
      .description('program PASR masks on chosen dies')
      .addOption(port(false))
      .requiredOption('--board <name|file>', 'board config', single(text(BOARD)))
      .requiredOption('--die <id>', 'die (repeatable)', repeatable(text('a die id, e.g. emif1.cs0')))
      .addOption(
        new Option('--mr16 <mask>', 'bank mask').argParser(single(integer(BYTE))).conflicts(['mr17', 'segments']),
      )
      .addOption(new Option('--mr17 <mask>', 'segment mask').argParser(single(integer(BYTE))).conflicts(['segments']))
      .option('--segments <list>', 'segments to mask, e.g. 4-7 or 1,3', single(text('a segment list, e.g. 4-7 or 1,3')))
      .option('--dry-run', 'print the console commands, do not open the port')
      .option('--force', 'run sequences with known hazards'),
  ).action(async (opts) => (await import('./commands/board.js')).apply(opts));
  portOptions(
    board
      .command('replay')
      .description('replay the register writes of a trace on the board, in order')
      .argument('<trace>', '.pasrtrace file', text('a .pasrtrace file'))
      .addOption(port(false))
      .requiredOption('--board <name|file>', 'board config', single(text(BOARD)))
      .option('--dry-run', 'print the console commands, do not open the port')
      .option('--force', 'run sequences with known hazards'),
  ).action(async (trace: string, opts) => (await import('./commands/board.js')).replay(trace, opts));

  configureErrors(program, 'pasr');
  return program;
}

/**
 * Every command's own errors (unknown option, missing value, a value a parser refused) come out
 * as one `pasr: ...` line, and reach main() as a CommanderError instead of exiting.
 */
function configureErrors(cmd: Command, path: string): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => {
      const raw = s
        .replace(/^error: /, '')
        .trim()
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\.$/, '');
      const concise = conciseCommanderMessage(raw);
      write(`pasr: ${concise}${concise === raw ? `; see ${path} --help` : ''}\n`);
    },
  });
  for (const sub of cmd.commands) configureErrors(sub, `${path} ${sub.name()}`);
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    return reportError(e, (s) => process.stderr.write(s), Boolean(process.env.PASR_DEBUG));
  }
}

// Output to a closed pipe (`pasr inspect … | head`) is not an error; any other write error is.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  process.stderr.write(`pasr: cannot write to standard output: ${e.message}\n`);
  process.exit(EXIT.failed);
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
