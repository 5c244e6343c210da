// The script of report.html (`pasr compare`): draws the charts from the JSON in #pasr-data with
// Chart.js (inlined before this script) and sorts the cell table when a header is clicked.
// Runs in the browser, offline: it builds every text with textContent or through Chart.js, never
// as HTML.
(() => {
  const data = JSON.parse(document.getElementById('pasr-data').textContent);
  const Chart = window.Chart;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;

  const BASELINE = '#9e9e9e';
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
  const colorOf = (i) => PALETTE[i % PALETTE.length];
  const policyColor = (name) => colorOf(Math.max(0, data.policies.indexOf(name)));
  const lighter = (hex) => `${hex}80`;
  const fmt = (x, d) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(d));

  // Whiskers: a dataset with `whiskers: [[low, high] | null, ...]` gets a vertical line with caps
  // over each bar, spanning low..high on the value axis.
  const whiskerPlugin = {
    id: 'pasrWhiskers',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      chart.data.datasets.forEach((ds, i) => {
        if (!ds.whiskers) return;
        const meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        const scale = chart.scales[meta.yAxisID];
        const area = chart.chartArea;
        ctx.save();
        // A whisker beyond a cut axis stops at the plot's edge, as its bar does.
        ctx.beginPath();
        ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
        ctx.clip();
        ctx.strokeStyle = '#222';
        ctx.lineWidth = 1.2;
        meta.data.forEach((bar, j) => {
          const w = ds.whiskers[j];
          if (!w) return;
          const y0 = scale.getPixelForValue(w[0]);
          const y1 = scale.getPixelForValue(w[1]);
          const half = Math.max(3, Math.min(8, (bar.width || 12) / 4));
          ctx.beginPath();
          ctx.moveTo(bar.x, y0);
          ctx.lineTo(bar.x, y1);
          ctx.moveTo(bar.x - half, y0);
          ctx.lineTo(bar.x + half, y0);
          ctx.moveTo(bar.x - half, y1);
          ctx.lineTo(bar.x + half, y1);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };

  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    config.plugins = [whiskerPlugin];
    new Chart(canvas, config);
  };

  // Energy: per board x workload, baseline and each policy, DRAM and mechanism CPU stacked.
  data.energy.forEach((e, i) => {
    const colors = e.bars.map((b, j) => (j === 0 ? BASELINE : policyColor(b.label)));
    const labels = e.bars.map((b) => {
      const lines = [b.dataLoss ? `${b.label} (lost data)` : b.label];
      if (b.savingPercent !== null)
        lines.push(b.savingPercent >= 0 ? `saves ${fmt(b.savingPercent, 2)} %` : `costs ${fmt(-b.savingPercent, 2)} %`);
      if (b.platformPercent !== null) lines.push(`${fmt(b.platformPercent, 3)} % of platform`);
      return lines;
    });
    draw(`energy-${i}`, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            label: 'DRAM',
            data: e.bars.map((b) => b.dramJ),
            backgroundColor: colors,
            stack: 'energy',
          },
          {
            label: 'mechanism CPU',
            data: e.bars.map((b) => b.cpuJ),
            backgroundColor: colors.map(lighter),
            stack: 'energy',
            whiskers: e.bars.map((b) => b.band),
          },
        ],
      },
      options: {
        plugins: {
          legend: { display: false },
          title: { display: true, text: `${e.board}: ${e.workload}` },
          tooltip: {
            callbacks: {
              footer: (items) => {
                const b = e.bars[items[0].dataIndex];
                const total = `total ${fmt(b.dramJ + b.cpuJ, 2)} J`;
                return b.band ? `${total} (arrayShare band ${fmt(b.band[0], 2)}-${fmt(b.band[1], 2)} J)` : total;
              },
            },
          },
        },
        scales: {
          x: { stacked: true, ticks: { autoSkip: false, maxRotation: 90, font: { size: 10 } } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'J' } },
        },
      },
    });
  });

  // Achieved share of the oracle's saving: per board, policies (series) per workload.
  data.oracle.forEach((o, i) => {
    draw(`oracle-${i}`, {
      type: 'bar',
      data: {
        labels: data.workloads,
        datasets: o.series.map((s) => ({
          label: s.policy,
          data: s.mean,
          backgroundColor: policyColor(s.policy),
          whiskers: s.mean.map((m, j) => (m === null ? null : [s.min[j], s.max[j]])),
        })),
      },
      options: {
        plugins: { title: { display: true, text: `${o.board}: % of the oracle's saving` } },
        scales: {
          x: { ticks: { autoSkip: false } },
          // Cut at -100 % and 110 %: where the oracle saves almost nothing a policy's cost is
          // thousands of per cent of it, and would flatten every other bar.
          y: { min: -100, max: 110, title: { display: true, text: '% of oracle' } },
        },
      },
    });
  });

  // Costs: per cost, policies on the axis, one series per board.
  data.costs.forEach((c, i) => {
    draw(`cost-${i}`, {
      type: 'bar',
      data: {
        labels: data.policies,
        datasets: c.series.map((s, j) => ({ label: s.board, data: s.values, backgroundColor: colorOf(j) })),
      },
      options: {
        plugins: { title: { display: true, text: `${c.label} (${c.unit})` } },
        scales: { x: { ticks: { autoSkip: false } }, y: { beginAtZero: true, title: { display: true, text: c.unit } } },
      },
    });
  });

  // Timelines: per column of simulated time, units masked while suspended (stepped line) and the
  // share of time suspended (shaded, its own hidden 0..1 axis).
  data.timelines.forEach((t, i) => {
    const xy = (ys) => ys.map((y, j) => ({ x: t.hours[j], y }));
    draw(`timeline-${i}`, {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'units masked while suspended',
            data: xy(t.maskedUnits),
            stepped: 'middle',
            borderColor: policyColor(t.policy),
            borderWidth: 2,
            pointRadius: 0,
            yAxisID: 'y',
          },
          {
            label: 'share of time suspended',
            data: xy(t.suspended),
            stepped: 'middle',
            borderWidth: 0,
            pointRadius: 0,
            fill: 'origin',
            backgroundColor: 'rgba(120,120,200,0.25)',
            yAxisID: 'suspended',
          },
        ],
      },
      options: {
        plugins: { title: { display: true, text: `${t.board}: ${t.workload}, ${t.policy}, seed ${t.seed}` } },
        scales: {
          x: {
            type: 'linear',
            min: 0,
            max: t.simulatedSeconds / 3600,
            title: { display: true, text: 'hours' },
            ticks: { callback: (v) => Number(Number(v).toFixed(2)) },
          },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'units masked' } },
          suspended: { display: false, min: 0, max: 1 },
        },
      },
    });
  });

  // The cell table: a click (or Enter) on a header sorts by that column; again reverses.
  const table = document.getElementById('cells');
  const body = table.tBodies[0];
  const headers = Array.from(table.tHead.rows[0].cells);
  const sortBy = (th) => {
    const col = Number(th.dataset.col);
    const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    for (const h of headers) h.setAttribute('aria-sort', 'none');
    th.setAttribute('aria-sort', dir);
    const rows = Array.from(body.rows);
    const value = (r) => r.cells[col].dataset.v;
    const numeric = rows.every((r) => value(r) === '' || Number.isFinite(Number(value(r))));
    const sign = dir === 'ascending' ? 1 : -1;
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1; // empty cells last
      return sign * (numeric ? Number(x) - Number(y) : x.localeCompare(y));
    });
    for (const r of rows) body.appendChild(r);
  };
  for (const th of headers) {
    th.addEventListener('click', () => sortBy(th));
    th.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') sortBy(th);
    });
  }
})();
