import type { BoardConfig } from '../../hal/board/board-config.js';
import { Board, type BoardOptions } from '../../hal/board/board.js';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import type { ByteStream, Timer } from '../../hal/uboot/byte-stream.js';
import {
  UbootConsoleServer,
  type ConsoleFaults,
  type ServedBoard,
  type ServerEvent,
} from '../../hal/uboot/console-server.js';
import { hostTimer } from './port-stream.js';
import { openPty, type Pty } from './pty.js';
import { checkLinkFree, claimLink, type PtyLink } from './pty-link.js';

/**
 * The virtual board: an emulated Board behind the virtual U-Boot console, on a real pty.
 * A data abort (or `reset`) rebuilds the Board from its config, as a real reset brings the
 * controllers back to the boot loader's register image.
 *
 * Its simulated clock moves with each received character (one character time at the baud
 * rate) and, while nothing is received, with the wall clock (a tick every `tickMs`), so work
 * the hardware finishes on its own (a busy window, a firmware mailbox ack) completes between
 * commands as it would on a real board.
 */

/** Which U-Boot the board runs: 64-bit on the i.MX8M (uMCTL2) boards, 32-bit ARM otherwise. */
export function boardArch(config: BoardConfig): 'arm' | 'arm64' {
  return config.controllers.some((c) => c.kind === 'snps-umctl2') || config.dramBase + config.dramSize > 2 ** 32
    ? 'arm64'
    : 'arm';
}

export interface VirtualBoardOptions {
  readonly link?: string;
  /** Autoboot countdown after the banner, seconds (default 0: prompt at once). */
  readonly autobootSeconds?: number;
  readonly faults?: ConsoleFaults;
  readonly onEvent?: (event: ServerEvent) => void;
  readonly boardOptions?: BoardOptions;
  readonly arch?: 'arm' | 'arm64';
  readonly timer?: Timer;
  readonly baud?: number;
  /** CONFIG_SYS_CBSIZE of the served console (default 512). */
  readonly lineCap?: number;
  /** Advance the simulated clock with the wall clock every this many ms (0: only per character). Default 20. */
  readonly tickMs?: number;
}

export interface VirtualBoard {
  /** The emulated board as it is now (a reset replaces it). */
  readonly board: Board;
  readonly server: UbootConsoleServer;
  /** Resets so far. */
  readonly resets: number;
  stop(): void;
}

/** Serve a board on any byte stream (a pty, or an in-memory link in tests). */
export function serveBoardOn(stream: ByteStream, config: BoardConfig, options: VirtualBoardOptions = {}): VirtualBoard {
  const clock = new SimClock();
  const arch = options.arch ?? boardArch(config);
  const build = () => new Board(config, clock, new TraceBus(clock), options.boardOptions);
  const served = (b: Board): ServedBoard => ({
    name: config.name,
    access: b.bus,
    dramBase: config.dramBase,
    dramSize: config.dramSize,
    arch,
  });
  let board = build();
  let resets = 0;
  const server = new UbootConsoleServer(stream, {
    board: served(board),
    timer: options.timer ?? hostTimer,
    clock,
    autobootSeconds: options.autobootSeconds ?? 0,
    ...(options.baud !== undefined ? { baud: options.baud } : {}),
    ...(options.lineCap !== undefined ? { lineCap: options.lineCap } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    onReset: () => {
      resets++;
      board = build();
      return served(board);
    },
  });
  server.start();
  const timer = options.timer ?? hostTimer;
  const tickMs = options.tickMs ?? 20;
  let cancelTick: (() => void) | undefined;
  const tick = () => {
    cancelTick = timer.after(tickMs, () => {
      clock.advance(tickMs * 1e6);
      tick();
    });
  };
  if (tickMs > 0) tick();
  return {
    get board() {
      return board;
    },
    server,
    get resets() {
      return resets;
    },
    stop: () => {
      cancelTick?.();
      server.stop();
    },
  };
}

export interface ServedPty extends VirtualBoard {
  readonly pty: Pty;
  /** The symlink to the pty (`options.link`, absolute), made by this server. */
  readonly link: string | undefined;
  /** Stop serving and close the pty (removes the link while it is still ours). */
  close(): Promise<void>;
}

/**
 * Serve a board on a new pseudo-terminal. `options.link` must not exist: an existing path
 * (another server's link above all) is refused before the pty is opened, never taken over.
 */
export async function serveBoardOnPty(config: BoardConfig, options: VirtualBoardOptions = {}): Promise<ServedPty> {
  if (options.link !== undefined) checkLinkFree(options.link);
  const pty = await openPty();
  let link: PtyLink | undefined;
  let vb: VirtualBoard;
  try {
    if (options.link !== undefined) link = claimLink(options.link, pty.path);
    vb = serveBoardOn(pty.stream, config, options);
  } catch (e) {
    // The link could not be made or the board could not be built: close the pty (and remove
    // the link) instead of leaving them to hold the process.
    link?.release();
    await pty.close();
    throw e;
  }
  return {
    get board() {
      return vb.board;
    },
    server: vb.server,
    get resets() {
      return vb.resets;
    },
    stop: vb.stop,
    pty,
    link: link?.path,
    async close() {
      vb.stop();
      link?.release();
      await pty.close();
    },
  };
}
