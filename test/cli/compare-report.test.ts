/**
 * report.html of `pasr compare`, opened in a real headless Chromium as a user would open the
 * file: every chart drawn, no console error, no request but the file itself, the cell table
 * sortable, and hostile names shown as text.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderReportHtml } from '../../cli/compare/html.js';
import { type CellRecord, sweepReport } from '../../cli/compare/results.js';
import type { RunJson } from '../../cli/compare/tasks.js';
import { launchBrowser, openFile } from './browser.js';
import { pasrBytes, ROOT } from './run-cli.js';

// The page's globals, for the functions page.evaluate runs in the browser (this module's own
// declarations: the project's TypeScript has no DOM library).
// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: untyped browser values
type Dom = any;

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

const work = mkdtempSync(join(tmpdir(), 'pasr-report-'));
const HOSTILE = `<img src=x onerror="window.pwned=1">'&`;
let browser: Browser;

beforeAll(async () => {
  // A workload file whose name is markup and whose content is broken: its cells fail, and
  // both the name and the error message go into the report.
  const hostileFile = join(work, `${HOSTILE}.json`);
  writeFileSync(hostileFile, '{"name": "x", "phases": [');
  copyFileSync(join(ROOT, 'test/fixtures/workloads/full-nap.json'), join(work, 'full-nap.json'));
  const r = pasrBytes(
    { timeoutMs: 280_000 },
    'compare',
    '--boards',
    'pandaboard-es,snowball',
    '--workloads',
    `example-nap,${join(work, 'full-nap.json')},${hostileFile}`,
    '--policies',
    'oracle,careless',
    '--seeds',
    '1',
    '--duration',
    '10m',
    '--out',
    join(work, 'sweep'),
  );
  // careless loses data on full-nap (exit 3); the hostile workload fails
  expect(r.stderr).toContain('violated the PASR safety invariant');
  expect(r.code).toBe(3);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

interface ChartCheck {
  id: string;
  type: string;
  datasets: number;
  inkPixels: number;
  /** Whether a pixel has exactly the fill colour of the first bar dataset with a non-zero value (bars only). */
  barColourSeen: boolean | null;
}

/** What each chart canvas holds: its Chart.js chart and its pixels. */
function checkCharts(page: Page): Promise<ChartCheck[]> {
  return page.evaluate(() => {
    const hex = (c: string) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));
    return Array.from(document.querySelectorAll('canvas[data-chart]') as Dom[]).map((canvas) => {
      const c = canvas as Dom;
      const chart = window.Chart.getChart(c);
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
      let barColourSeen: boolean | null = null;
      if (chart?.config.type === 'bar') {
        const ds = chart.data.datasets.find((d: Dom) => d.data.some((v: number | null) => v !== null && v > 0));
        if (ds) {
          const colour = Array.isArray(ds.backgroundColor) ? ds.backgroundColor[0] : ds.backgroundColor;
          const [r, g, b] = hex(colour);
          barColourSeen = false;
          for (let i = 0; i < data.length; i += 4)
            if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) {
              barColourSeen = true;
              break;
            }
        }
      }
      return {
        id: c.id,
        type: chart?.config.type ?? 'none',
        datasets: chart?.data.datasets.length ?? 0,
        inkPixels: ink,
        barColourSeen,
      };
    });
  });
}

describe('report.html in a headless Chromium', () => {
  it('draws every chart, with no console error and no request but the file itself', async () => {
    const { page, log } = await openFile(browser, join(work, 'sweep', 'report.html'));
    const data = await page.evaluate(() => JSON.parse(document.getElementById('pasr-data').textContent));
    // 2 boards x 3 workloads energy charts, one oracle-share chart per board, 6 costs, one timeline per board
    expect([data.energy.length, data.oracle.length, data.costs.length, data.timelines.length]).toEqual([6, 2, 6, 2]);
    const charts = await checkCharts(page);
    expect(charts).toHaveLength(16);
    for (const c of charts) {
      expect(c.type, c.id).not.toBe('none');
      expect(c.datasets, c.id).toBeGreaterThan(0);
      // axes, labels and bars: a drawn chart covers a good part of its canvas
      expect(c.inkPixels, c.id).toBeGreaterThan(2000);
      if (c.barColourSeen !== null) expect(c.barColourSeen, `${c.id}: bars drawn`).toBe(true);
    }
    // energy charts with figures draw the baseline and both policies
    const panda = data.energy.find(
      (e: { board: string; workload: string }) => e.board === 'pandaboard-es' && e.workload === 'example-nap',
    );
    expect(panda.bars.map((b: { label: string }) => b.label)).toEqual(['baseline (none)', 'oracle', 'careless']);
    // the timeline shows the workload with the most time in self-refresh (full-nap) over the whole
    // run, with the best policy that lost no data there: careless lost data, so the oracle
    for (const t of data.timelines) {
      expect([t.workload, t.policy, t.seed]).toEqual(['full-nap', 'oracle', 1]);
      expect(t.why).toContain('the oracle, since no other policy ran cleanly on it');
      expect(t.simulatedSeconds).toBeCloseTo(600, 1);
      expect([t.hours.length, t.suspended.length, t.maskedUnits.length]).toEqual([288, 288, 288]);
      expect(t.hours.at(-1)).toBeLessThan(t.simulatedSeconds / 3600);
      expect(Math.max(...t.maskedUnits)).toBeGreaterThan(0);
    }
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([]);
    await page.close();
  });

  it('sorts the cell table by the column whose header is clicked, and reverses on a second click', async () => {
    const { page, log } = await openFile(browser, join(work, 'sweep', 'report.html'));
    const column = (name: string) =>
      page.evaluate((n) => {
        const table = document.getElementById('cells');
        const col = Array.from(table.tHead.rows[0].cells as Dom[]).findIndex((th) => th.textContent === n);
        return Array.from(table.tBodies[0].rows as Dom[]).map((r): string => r.cells[col].dataset.v);
      }, name);
    const header = async (name: string) => {
      const handles = await page.$$('#cells th');
      for (const h of handles) if ((await h.evaluate((e) => e.textContent)) === name) return h;
      throw new Error(`no header ${name}`);
    };
    const before = await column('saving %');
    expect(before).toHaveLength(12);
    await (await header('saving %')).click();
    const numbers = (await column('saving %')).filter((v) => v !== '').map(Number);
    expect(numbers.length).toBe(8);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect((await column('saving %')).slice(8)).toEqual(['', '', '', '']); // failed cells last
    expect(await (await header('saving %')).evaluate((e) => e.getAttribute('aria-sort'))).toBe('ascending');
    await (await header('saving %')).click();
    const down = (await column('saving %')).filter((v) => v !== '').map(Number);
    expect(down).toEqual([...numbers].reverse());
    await (await header('workload')).click();
    const workloads = await column('workload');
    expect(workloads).toEqual([...workloads].sort((a, b) => a.localeCompare(b)));
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('shows hostile names and messages as text: nothing they hold runs or loads', async () => {
    const { page, log } = await openFile(browser, join(work, 'sweep', 'report.html'));
    expect(await page.evaluate(() => window.pwned)).toBeUndefined();
    const cells = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#cells tbody td') as Dom[]).map((td): string => td.textContent),
    );
    expect(cells).toContain(HOSTILE);
    expect(cells.some((t) => t?.includes(`${HOSTILE}.json:1:26:`))).toBe(true);
    expect(await page.$$('img')).toHaveLength(0);
    expect(log.requests).toEqual([]);
    await page.close();

    // Names that would end the data's <script> element or the page's markup
    const evil = '</script><script>window.pwned=2</script><!--';
    const run = JSON.parse(readFileSync(join(work, 'sweep', 'cells', 'snowball+example-nap+oracle+s1.json'), 'utf8'))
      .run as RunJson;
    const cell: CellRecord = { board: evil, workload: 'w', policy: 'oracle', seed: 1, status: 'ok', error: null, run };
    const report = sweepReport(
      { boards: [evil], workloads: ['w'], policies: ['oracle'], seeds: [1], durationSeconds: null },
      [cell, { ...cell, policy: 'careless', status: 'error', error: `${evil} <b>failed</b>`, run: null }],
    );
    const file = join(work, 'evil.html');
    writeFileSync(
      file,
      renderReportHtml(
        report,
        [cell],
        readFileSync(join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'), 'utf8'),
        readFileSync(join(ROOT, 'cli/compare/report-page.js'), 'utf8'),
      ),
    );
    const evilPage = await openFile(browser, file);
    expect(await evilPage.page.evaluate(() => window.pwned)).toBeUndefined();
    expect(await evilPage.page.evaluate(() => document.querySelector('h3').textContent)).toBe(evil);
    expect(await evilPage.page.$$('#cells b')).toHaveLength(0);
    expect((await checkCharts(evilPage.page)).length).toBeGreaterThan(0);
    expect(evilPage.log.errors).toEqual([]);
    expect(evilPage.log.requests).toEqual([]);
    await evilPage.page.close();
  });
});
