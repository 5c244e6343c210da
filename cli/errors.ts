import { CommanderError } from 'commander';

/**
 * Exit status of every `pasr` command (the README lists them):
 *  0 success;
 *  1 bad input (a file, board, die or trace that does not hold what was asked) or a failed operation;
 *  2 usage: the command line itself is wrong (unknown command or option, a missing, empty or
 *    out-of-range value, options that cannot go together);
 *  3 the PASR safety invariant was violated or live data was lost;
 * 70 internal error (a bug: please report it).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, safety: 3, internal: 70 } as const;

/**
 * An error the user can act on, printed as one `pasr: message` line on stderr (never a stack
 * trace), then its detail lines as they are (e.g. FILE:LINE:COL problems), then the exit.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line is wrong: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/**
 * Print an error the way every command does and return the exit status. Commander has already
 * printed its own messages (through the output configuration in main.ts); help and `--version`
 * are not errors. Anything else is a bug: one line and exit 70, or rethrown with PASR_DEBUG set.
 */
export function reportError(e: unknown, writeErr: (text: string) => void, debug = false): number {
  if (e instanceof CommanderError)
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  if (e instanceof CliError) {
    writeErr(`pasr: ${e.message}\n`);
    for (const d of e.details) writeErr(`${d}\n`);
    return e.exitCode;
  }
  if (debug) throw e;
  const message = e instanceof Error ? e.message : String(e);
  writeErr(`pasr: internal error: ${message} (set PASR_DEBUG=1 for a stack trace, and please report it)\n`);
  return EXIT.internal;
}
