/**
 * The report's own browser script: reads the embedded JSON and draws the charts with uPlot.
 * Text from the run reaches the page only through textContent or canvas fillText, never as
 * HTML. Kept as a string (the report is one file); it is plain ES2017 for any browser.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('run-data').textContent);
  var s = data.series;
  var C = { sched: '#94a3b8', done: '#2563eb', ok: '#16a34a', fail: '#dc2626', late: '#f59e0b',
            p50: '#0ea5e9', p99: '#7c3aed', lag: '#db2777', cpu: '#0d9488', limit: '#ef4444' };

  function marksPlugin() {
    return { hooks: { draw: [function (u) {
      if (!data.marks.length) return;
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      ctx.font = (11 * devicePixelRatio) + 'px system-ui, sans-serif';
      data.marks.forEach(function (m) {
        var x = Math.round(u.valToPos(m.atSecond, 'x', true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = 'rgba(100,116,139,0.55)';
        ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
        ctx.fillStyle = '#475569';
        ctx.fillText(String(m.label).slice(0, 40), x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
      });
      ctx.restore();
    }] } };
  }

  function limitLine(value, color, scale) {
    return { hooks: { draw: [function (u) {
      if (value == null) return;
      var y = Math.round(u.valToPos(value, scale || 'y', true));
      if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
      var ctx = u.ctx; ctx.save();
      ctx.strokeStyle = color; ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
      ctx.restore();
    }] } };
  }

  var charts = [];
  function chart(id, opts, rows) {
    var el = document.getElementById(id);
    if (!el) return;
    opts.width = el.clientWidth || 600;
    opts.height = 260;
    opts.cursor = opts.cursor || { sync: { key: 'run' } };
    charts.push({ u: new uPlot(opts, rows, el), el: el });
  }
  var secs = { label: 'second', value: function (u, v) { return v == null ? '-' : v + ' s'; } };
  var xAxis = { label: 'seconds since start', values: function (u, vals) { return vals.map(function (v) { return v + 's'; }); } };
  function line(label, color, extra) {
    var o = { label: label, stroke: color, width: 2, points: { show: false } };
    for (var k in extra) o[k] = extra[k];
    return o;
  }
  function fmt(unit, digits) {
    return function (u, v) { return v == null ? '-' : v.toFixed(digits) + unit; };
  }

  if (s.second.length > 0) {
    chart('chart-rate', {
      scales: { x: { time: false } },
      series: [secs, line('scheduled/s', C.sched, { dash: [6, 4], value: fmt('/s', 1) }),
        line('completed/s', C.done, { value: fmt('/s', 1) }), line('ok/s', C.ok, { value: fmt('/s', 1) })],
      axes: [xAxis, { label: 'replications per second' }],
      plugins: [marksPlugin()],
    }, [s.second, s.scheduled, s.completed, s.ok]);

    chart('chart-latency', {
      scales: { x: { time: false } },
      series: [secs, line('p50 ms', C.p50, { value: fmt(' ms', 1) }), line('p99 ms', C.p99, { value: fmt(' ms', 1) })],
      axes: [xAxis, { label: 'ms from scheduled time' }],
      plugins: [marksPlugin(), limitLine(data.latencyLimitMs, C.limit)],
    }, [s.second, s.p50Ms, s.p99Ms]);

    chart('chart-errors', {
      scales: { x: { time: false } },
      series: [secs, line('failed', C.fail, { fill: 'rgba(220,38,38,0.12)', value: fmt('', 0) }),
        line('late', C.late, { value: fmt('', 0) })],
      axes: [xAxis, { label: 'replications in the second' }],
      plugins: [marksPlugin()],
    }, [s.second, s.failed, s.late]);

    chart('chart-generator', {
      scales: { x: { time: false }, ms: {}, pct: { range: [0, 110] } },
      series: [secs, line('event-loop lag p99', C.lag, { scale: 'ms', value: fmt(' ms', 1) }),
        line('CPU % of a core', C.cpu, { scale: 'pct', value: fmt('%', 0) })],
      axes: [xAxis, { scale: 'ms', label: 'lag (ms)' },
        { scale: 'pct', side: 1, label: 'CPU %', grid: { show: false } }],
      plugins: [limitLine(data.generatorLimits.cpuPercent, 'rgba(13,148,136,0.6)', 'pct')],
    }, [s.second, s.eventLoopLagP99Ms, s.cpuPercent]);
  }

  if (data.capacity && data.capacity.steps.length > 0) {
    var steps = data.capacity.steps;
    var passed = steps.map(function (st) { return st.passed ? st.achievedPerSec : null; });
    var failed = steps.map(function (st) { return st.passed ? null : st.achievedPerSec; });
    chart('chart-capacity', {
      cursor: { sync: { key: 'capacity' } },
      scales: { x: { time: false }, rate: {}, ms: {} },
      series: [{ label: 'target rate', value: fmt('/s', 0) },
        line('achieved (held SLOs)', C.ok, { scale: 'rate', width: 0, points: { show: true, size: 10, fill: C.ok }, value: fmt('/s', 1) }),
        line('achieved (broke SLOs)', C.fail, { scale: 'rate', width: 0, points: { show: true, size: 10, fill: C.fail }, value: fmt('/s', 1) }),
        line('ideal', C.sched, { scale: 'rate', dash: [4, 4], value: fmt('/s', 0) }),
        line('p99 ms', C.p99, { scale: 'ms', points: { show: true, size: 6 }, value: fmt(' ms', 1) })],
      axes: [{ label: 'target rate (replications/s)' }, { scale: 'rate', label: 'achieved per second' },
        { scale: 'ms', side: 1, label: 'p99 (ms)', grid: { show: false } }],
    }, [steps.map(function (st) { return st.rate; }), passed, failed,
        steps.map(function (st) { return st.rate; }), steps.map(function (st) { return st.p99Ms; })]);
  }

  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (c) { c.u.setSize({ width: c.el.clientWidth, height: 260 }); });
    }, 100);
  });
})();`;
