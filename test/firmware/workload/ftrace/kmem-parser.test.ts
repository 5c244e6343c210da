import { describe, expect, it } from 'vitest';
import { __GFP_COMP, __GFP_ZERO, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../../../firmware/mm/gfp.js';
import {
  KmemTraceParser,
  MAX_LINE_CHARS,
  OP_ALLOC,
  OP_FREE,
  TraceInputError,
} from '../../../../firmware/workload/ftrace/kmem-parser.js';
import { alloc, fixtureText, free, parse, traceLine } from './trace-lines.js';

/** The TraceInputError a text gives (its line and message). */
function failure(text: string): { line: number; message: string } {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof TraceInputError) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error('the text was read without an error');
}

describe('the kmem trace reader on real captures (Linux 6.18, 2 CPUs)', () => {
  it('reads the trace file of an overflowed buffer: every event by kind, the overwritten events, the CPU buffer marker', () => {
    const { parser, ops } = parse(fixtureText('kmem-trace.txt.gz'));
    const s = parser.summary();
    expect(s.lines).toBe(18472);
    expect(s.eventsByKind).toEqual({
      mm_page_alloc: 3840,
      mm_page_free: 7192,
      mm_page_free_batched: 6986,
      mm_page_pcpu_drain: 0,
      mm_page_alloc_zone_locked: 441,
      mm_page_alloc_extfrag: 0,
    });
    expect(s.eventsParsed).toBe(18459);
    expect(s.overwritten).toBe(159192 - 18459);
    expect(s.cpus).toBe(2);
    expect(s.skippedLines.header).toBe(12);
    expect(s.skippedLines.cpuBufferStarted).toBe(1);
    expect(s.firstSkippedLine.cpuBufferStarted).toBe(7245);
    expect(s.firstTimestamp).toBe(4440.370959);
    expect(s.lastTimestamp).toBe(4441.044729);
    // Only allocations and frees come out; mm_page_free_batched repeats frees mm_page_free reported.
    expect(ops.filter((o) => o.op === OP_ALLOC)).toHaveLength(3840);
    expect(ops.filter((o) => o.op === OP_FREE)).toHaveLength(7192);
    const first = ops[0]!;
    expect(first).toEqual({
      op: OP_ALLOC,
      tNs: 0,
      pfn: 0x1865c9,
      order: 0,
      migratetype: 1,
      gfp: GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP,
    });
    parser.checkInvariants();
  });

  it('adds up the [LOST N EVENTS] markers of trace_pipe and reads mm_page_pcpu_drain', () => {
    const { parser } = parse(fixtureText('kmem-pipe-lost.txt.gz'));
    const s = parser.summary();
    expect(s.lostEvents).toBe(5226 + 1069 + 28788);
    expect(s.eventsByKind.mm_page_pcpu_drain).toBe(2083);
    expect(s.eventsParsed).toBe(7998);
    expect(s.overwritten).toBeNull();
    parser.checkInvariants();
  });

  it('counts a last line cut short (no newline) as truncated and does not apply it', () => {
    const { parser, ops } = parse(fixtureText('kmem-pipe-cut.txt'));
    const s = parser.summary();
    expect(s.skippedLines.truncatedLastLine).toBe(1);
    expect(s.firstSkippedLine.truncatedLastLine).toBe(176);
    expect(s.eventsByKind.mm_page_free).toBe(90);
    expect(ops.filter((o) => o.op === OP_FREE)).toHaveLength(90);
  });

  it('reads trace-cmd report output: no flags column, padded event names, microsecond and nanosecond timestamps', () => {
    for (const name of ['trace-cmd-report.txt.gz', 'trace-cmd-report-ns.txt.gz']) {
      const { parser, ops } = parse(fixtureText(name));
      const s = parser.summary();
      expect(s.cpus, name).toBe(2);
      expect(s.skippedLines.header, name).toBe(1);
      expect(s.eventsByKind.mm_page_alloc, name).toBe(112);
      expect(ops[0]!.pfn, name).toBe(0x1cb4fc);
      expect(ops[0]!.order, name).toBe(1);
    }
    // The same second event, 12.535 µs (-t: 12 535 ns) after the first.
    expect(parse(fixtureText('trace-cmd-report.txt.gz')).ops[1]!.tNs).toBe(12_000);
    expect(parse(fixtureText('trace-cmd-report-ns.txt.gz')).ops[1]!.tNs).toBe(12_535);
  });

  it('gives the same operations whatever the chunk size, lines split anywhere', () => {
    const text = fixtureText('kmem-pipe-lost.txt.gz').slice(0, 200_000);
    const whole = parse(text);
    for (const chunk of [1, 7, 4093]) {
      const split = parse(text, chunk, 64);
      expect(split.ops).toEqual(whole.ops);
      expect(split.parser.summary()).toEqual(whole.parser.summary());
    }
  });
});

describe('the kmem trace reader on event formats', () => {
  it('counts an allocation that failed on the traced machine (page=(nil) pfn=0x0) without applying it', () => {
    const text = [
      traceLine(1, 'mm_page_alloc', 'page=(nil) pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE_LIGHT'),
      alloc(1.5, 0x1234),
      '',
    ].join('\n');
    const { parser, ops } = parse(text);
    expect(parser.summary().failedAllocs).toBe(1);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.tNs).toBe(500_000_000);
  });

  it('reads the decimal pfns and extra fields of older kernels (pfn=%lu, cold=%d)', () => {
    const text = [
      traceLine(
        2,
        'mm_page_alloc',
        'page=ffffea0000123400 pfn=74576 order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_WAIT',
      ),
      traceLine(2, 'mm_page_free_batched', 'page=ffffea0000123400 pfn=74576 order=0 cold=1'),
      traceLine(2, 'mm_page_free', 'page=ffffea0000123400 pfn=74576 order=0'),
      '',
    ].join('\n');
    const { parser, ops } = parse(text);
    expect(ops.map((o) => [o.op, o.pfn])).toEqual([
      [OP_ALLOC, 74576],
      [OP_FREE, 74576],
    ]);
    expect(ops[0]!.gfp).toBe(GFP_KERNEL);
    expect(parser.summary().unknownGfpFlags).toBe(0);
  });

  it('reads and counts the kmem events that do not change which pages are in use, without replaying them', () => {
    const text = [
      traceLine(
        3,
        'mm_page_alloc_extfrag',
        'page=0000000012345678 pfn=0x1200 alloc_order=0 fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1',
      ),
      traceLine(
        3,
        'mm_page_alloc_zone_locked',
        'page=0000000012345678 pfn=0x1201 order=0 migratetype=0 percpu_refill=1',
      ),
      traceLine(3, 'mm_page_pcpu_drain', 'page=0000000012345678 pfn=0x1202 order=0 migratetype=1'),
      traceLine(3, 'mm_page_free_batched', 'page=0000000012345678 pfn=0x1203 order=0'),
      '',
    ].join('\n');
    const { parser, ops } = parse(text);
    expect(ops).toEqual([]);
    expect(parser.summary().eventsByKind).toEqual({
      mm_page_alloc: 0,
      mm_page_free: 0,
      mm_page_free_batched: 1,
      mm_page_pcpu_drain: 1,
      mm_page_alloc_zone_locked: 1,
      mm_page_alloc_extfrag: 1,
    });
    expect(parser.summary().skippedLines.malformedEvent).toBe(0);
  });

  it('keeps task names with spaces and brackets, and a record-tgid column', () => {
    const text = [
      `  Web Content [x]-4242    [001] d..2. 10.000001: mm_page_free: page=0000000012345678 pfn=0x42 order=3`,
      `         bash-1234  (   1234) [000] ..... 10.000002: mm_page_free: page=0000000012345678 pfn=0x43 order=0`,
      '',
    ].join('\n');
    const { ops } = parse(text);
    expect(ops.map((o) => [o.pfn, o.order])).toEqual([
      [0x42, 3],
      [0x43, 0],
    ]);
  });

  it('counts, without stopping: other events, malformed kmem events, garbage lines, blank lines, over-long lines', () => {
    const text = [
      '# tracer: nop',
      alloc(1, 0x100),
      traceLine(1, 'sched_switch', 'prev_comm=bash prev_pid=1 ==> next_comm=swapper/0 next_pid=0'),
      traceLine(1, 'mm_page_alloc', 'page=0000000012345678 pfn=0xZZ order=0 migratetype=1 gfp_flags=GFP_KERNEL'),
      traceLine(1, 'mm_page_free', 'page=0000000012345678 pfn=0x100'),
      'this line is not a trace line',
      '',
      `${alloc(1, 0x200)} ${'x'.repeat(MAX_LINE_CHARS)}`,
      free(2, 0x100),
      '',
    ].join('\n');
    const { parser, ops } = parse(text, 1000);
    const s = parser.summary();
    expect(s.skippedLines).toMatchObject({
      header: 1,
      otherEvent: 1,
      malformedEvent: 2,
      notATraceLine: 1,
      blank: 1,
      lineTooLong: 1,
    });
    expect(s.firstSkippedLine).toMatchObject({ otherEvent: 3, malformedEvent: 4, notATraceLine: 6, lineTooLong: 8 });
    expect(ops.map((o) => o.op)).toEqual([OP_ALLOC, OP_FREE]);
    expect(s.lines).toBe(9);
    parser.checkInvariants();
  });

  it('counts events out of time order and names gfp flags it does not know', () => {
    const text = [alloc(5, 1), alloc(4, 2, 0, 'GFP_KERNEL|__GFP_SOMETHING_NEW|0x80000000', 0), alloc(6, 3), ''].join(
      '\n',
    );
    const { parser, ops } = parse(text);
    expect(parser.summary().outOfOrder).toBe(1);
    expect(parser.summary().unknownGfpFlags).toBe(1);
    expect(ops[1]!.tNs).toBe(-1e9);
    expect(ops[1]!.gfp).toBe(GFP_KERNEL);
  });

  it('holds at most one batch of operations: the sink gets them as the batch fills', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) lines.push(alloc(i / 1000, i));
    const sizes: number[] = [];
    const p = new KmemTraceParser((o) => sizes.push(o.length), 64);
    p.push(`${lines.join('\n')}\n`);
    p.end();
    expect(Math.max(...sizes)).toBe(64);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
  });
});

describe('the kmem trace reader on what is not a kmem trace', () => {
  it('refuses a CSV, or any text that does not start like a trace, at its first line', () => {
    expect(failure('time,pfn,order\n1.0,0x100,0\n')).toEqual({
      line: 1,
      message:
        'not a kernel trace line (no [CPU] column): "time,pfn,order"; expected TASK-PID [CPU] FLAGS SECONDS.USEC: EVENT: FIELDS',
    });
  });

  it('refuses the output of another tracer by its header', () => {
    const f = failure(
      '# tracer: function\n#\n          <idle>-0     [000] d.... 12.000001: do_idle <-cpu_startup_entry\n',
    );
    expect(f.line).toBe(1);
    expect(f.message).toMatch(/^a trace of the "function" tracer; pasr replays kmem events/);
  });

  it('refuses binary data, naming the line and column of the first control byte', () => {
    const f = failure(`${alloc(1, 1)}\n${alloc(1, 2)}\nab\x00cd\n`);
    expect(f).toEqual({ line: 3, message: 'binary data (byte 0x00 at column 3): a kernel trace is text' });
  });

  it('refuses timestamps of a raw counter clock (trace_clock counter or x86-tsc)', () => {
    const f = failure(
      '            bash-1     [000] ..... 123456789: mm_page_free: page=0000000012345678 pfn=0x1 order=0\n',
    );
    expect(f.line).toBe(1);
    expect(f.message).toMatch(/^timestamp 123456789 has no fraction: the trace clock is a raw counter/);
  });

  it('refuses an empty input and one of headers only', () => {
    expect(failure('')).toEqual({ line: 0, message: 'empty: no trace line' });
    expect(failure('# tracer: nop\n#\n')).toEqual({ line: 2, message: 'no trace line (only headers and blank lines)' });
  });

  it('refuses a first line longer than any trace line, before reading the rest of it', () => {
    const p = new KmemTraceParser(() => {});
    expect(() => p.push('y'.repeat(MAX_LINE_CHARS + 10))).toThrow(
      /line longer than 8192 characters before any trace line/,
    );
  });
});
