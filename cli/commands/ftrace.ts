import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { timelineSteps } from '../../firmware/system/timeline.js';
import { type ReplayOutcome, TraceReplay } from '../../firmware/system/trace-replay.js';
import type { KmemTraceSummary } from '../../firmware/workload/ftrace/kmem-parser.js';
import { TraceInputError } from '../../firmware/workload/ftrace/kmem-parser.js';
import type { ReplayMode, ReplayStats } from '../../firmware/workload/ftrace/trace-driver.js';
import { formatDuration } from '../../firmware/workload/quantities.js';
import { type BoardsDirOption, loadBoard } from '../board-files.js';
import { CliError, UsageError } from '../errors.js';
import { GzipError, openTextStream } from '../text-stream.js';
import { failOnRunFailure, formatRun, policyOptionsOf } from './run.js';

export interface FtraceReplayOptions extends BoardsDirOption {
  board: string;
  policy: string;
  /** Checked by the command line (cli/options.ts). */
  mode?: ReplayMode;
  idle?: number;
  activeShare?: number;
  seed?: number;
  temperature?: number;
  json?: boolean;
  /** Policy options (--deflate, --offline-timeout, ...), by camel-cased name. */
  [policyOption: string]: unknown;
}

/** Default --idle: a second with no page event, then autosleep. */
export const DEFAULT_IDLE_NS = 1e9;
/** Default --active-share: the DRAM is active a tenth of the awake time. */
export const DEFAULT_ACTIVE_SHARE = 0.1;

/** `pasr ftrace replay FILE`: a kernel kmem trace replayed on a board with a policy and its baseline. */
export async function ftraceReplay(file: string, opts: FtraceReplayOptions): Promise<void> {
  const config = loadBoard(opts.board, opts);
  const shown = file === '-' ? 'standard input' : file;
  const mode = opts.mode ?? 'order';
  const idleNs = opts.idle ?? DEFAULT_IDLE_NS;
  let replay: TraceReplay;
  try {
    replay = new TraceReplay({
      config,
      name: file === '-' ? 'stdin' : basename(file),
      policy: opts.policy,
      policyOptions: policyOptionsOf(opts),
      seed: opts.seed ?? 1,
      ...(opts.temperature !== undefined ? { temperatureC: opts.temperature } : {}),
      mode,
      idleNs,
      activeShare: opts.activeShare ?? DEFAULT_ACTIVE_SHARE,
    });
  } catch (e) {
    if (e instanceof Error && /^unknown policy|^policy /.test(e.message)) throw new UsageError(e.message);
    throw e;
  }
  const input = await openTextStream(file, 'trace', process.stdin);
  const bar =
    process.stderr.isTTY && !opts.json && input.size !== null && input.size > 0
      ? new SingleBar({
          format: 'replay {bar} {percentage}% | baseline and policy | {eta_formatted} left',
          hideCursor: true,
          clearOnComplete: true,
        })
      : null;
  bar?.start(input.size ?? 1, 0);
  let outcome: ReplayOutcome;
  try {
    for await (const text of input.chunks()) {
      replay.push(text);
      bar?.update(input.bytesRead);
    }
    outcome = replay.finish();
  } catch (e) {
    bar?.stop();
    if (e instanceof TraceInputError) throw new CliError(`${shown}${e.line > 0 ? `:${e.line}` : ''}: ${e.message}`);
    if (e instanceof GzipError)
      throw new CliError(`${shown}: corrupt gzip data after line ${replay.lines} (${e.message})`);
    throw e;
  }
  bar?.stop();
  const { report, stats, trace } = outcome;
  if (opts.json) {
    const { eventsParsed, eventsByKind, skippedLines, lostEvents, overwritten, ...rest } = trace;
    process.stdout.write(
      `${JSON.stringify({
        eventsParsed,
        eventsByKind,
        skippedLines,
        lostEvents,
        overwritten,
        ...report,
        timeline: timelineSteps(stats.timeline),
        trace: rest,
        replay: { mode, idleSeconds: idleNs / 1e9, policy: outcome.replay.policy, baseline: outcome.replay.baseline },
      })}\n`,
    );
  } else {
    // Traces are short: durations to the millisecond below 10 s, joules to 4 decimals below 10 J.
    const duration = (ns: number) => {
      const r = ns < 10e9 ? 1e6 : 1e9;
      return formatDuration(Math.round(ns / r) * r);
    };
    const joulesDigits = report.energyJ.baseline < 10 ? 4 : 2;
    process.stdout.write(`${traceLines(shown, trace).join('\n')}\n`);
    process.stdout.write(`${replayLines(mode, idleNs, outcome.replay.policy).join('\n')}\n\n`);
    process.stdout.write(`${formatRun(report, outcome, { title: 'pasr ftrace replay', duration, joulesDigits })}\n`);
  }
  failOnRunFailure(report);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the reader found: events by kind, lines skipped, events lost. */
function traceLines(shown: string, t: KmemTraceSummary): string[] {
  const kinds = Object.entries(t.eventsByKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const skipped = Object.entries(t.skippedLines).filter(([, n]) => n > 0);
  const nSkipped = skipped.reduce((s, [, n]) => s + n, 0);
  const out = [
    `${shown}: ${plural(t.lines, 'line')}, ${plural(t.eventsParsed, 'kmem event')} (${kinds || 'none'}), ${nSkipped} skipped${
      skipped.length
        ? ` (${skipped.map(([k, n]) => `${n} ${k}, first at line ${t.firstSkippedLine[k as keyof typeof t.firstSkippedLine]}`).join('; ')})`
        : ''
    }`,
  ];
  const span = t.firstTimestamp !== null && t.lastTimestamp !== null ? t.lastTimestamp - t.firstTimestamp : 0;
  out.push(
    `events from ${t.firstTimestamp?.toFixed(6)} s to ${t.lastTimestamp?.toFixed(6)} s of the traced machine's clock (${span.toFixed(6)} s)${
      t.cpus !== null ? `, ${plural(t.cpus, 'CPU')}` : ''
    }`,
  );
  if (t.overwritten !== null && t.overwritten > 0)
    out.push(
      `the trace buffer overflowed: ${t.overwritten} events were overwritten before it was read (entries-in-buffer/entries-written); the file holds the last ones`,
    );
  if (t.lostEvents > 0) out.push(`${t.lostEvents} events lost (the [LOST N EVENTS] markers of trace_pipe)`);
  const notes: string[] = [];
  if (t.failedAllocs > 0)
    notes.push(`${plural(t.failedAllocs, 'allocation')} failed on the traced machine (page=(nil))`);
  if (t.outOfOrder > 0) notes.push(`${plural(t.outOfOrder, 'event')} out of time order`);
  if (t.unknownGfpFlags > 0) notes.push(`${plural(t.unknownGfpFlags, 'allocation')} with gfp flags pasr does not know`);
  if (notes.length > 0) out.push(notes.join('; '));
  return out;
}

/** What the replay did on the board (the policy's run). */
function replayLines(mode: ReplayMode, idleNs: number, s: ReplayStats): string[] {
  const out = [
    `replay (--mode ${mode}, --idle ${formatDuration(idleNs)}): ${plural(s.allocs, 'allocation')} (${plural(s.pagesAllocated, 'page')}), ${plural(s.frees, 'free')} (${plural(s.pagesFreed, 'page')}); ${s.livePages} pages of the trace in use at the end (peak ${s.peakLivePages})`,
  ];
  const notes: string[] = [];
  if (s.unknownFrees > 0) notes.push(`${plural(s.unknownFrees, 'free')} of pages the trace never allocated`);
  if (s.missedFrees > 0) notes.push(`${plural(s.missedFrees, 'allocation')} of pages whose free is not in the trace`);
  if (s.allocFailures > 0) notes.push(`${plural(s.allocFailures, 'allocation')} the board could not satisfy`);
  if (s.freesOfFailed > 0) notes.push(`${plural(s.freesOfFailed, 'free')} of pages the board never had`);
  if (s.freesOfReclaimed > 0) notes.push(`${plural(s.freesOfReclaimed, 'free')} of pages reclaim had taken`);
  if (mode === 'exact')
    notes.push(
      `${plural(s.exactPlaced, 'block')} placed at the traced pfn, ${plural(s.exactCollisions, 'collision')} placed by the allocator`,
    );
  if (notes.length > 0) out.push(`  ${notes.join('; ')}`);
  return out;
}
