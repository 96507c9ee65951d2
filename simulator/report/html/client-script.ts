import { RESIZE_CHARTS_JS } from './csp.js';

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
      // The labels drawn, kept on the chart so a reader's tools (and our browser test) can see them.
      u.smcMarkLabels = [];
      if (!data.marks.length) return;
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      ctx.font = (11 * devicePixelRatio) + 'px system-ui, sans-serif';
      // Labels never overlap: one that would run into the previous is left to the line (its
      // text is in the marks table); rates are rounded as the tables round them.
      var free = [-Infinity, -Infinity]; // where each of two label rows is free again
      data.marks.forEach(function (m) {
        var x = Math.round(u.valToPos(m.atSecond, 'x', true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = 'rgba(100,116,139,0.55)';
        ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
        var text = String(m.label).replace(/(\\d+)\\.\\d+\\/s/g, '$1/s').replace(/^capacity /, '').slice(0, 28);
        var tx = x + 4 * devicePixelRatio;
        var width = ctx.measureText(text).width + 8 * devicePixelRatio;
        var row = tx >= free[0] ? 0 : tx >= free[1] ? 1 : -1;
        if (row < 0 || tx + width > u.bbox.left + u.bbox.width) return;
        ctx.fillStyle = '#475569';
        ctx.fillText(text, tx, top + (12 + row * 13) * devicePixelRatio);
        u.smcMarkLabels.push({ text: text, left: tx, right: tx + width, row: row });
        free[row] = tx + width;
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
    charts.push({ u: new uPlot(opts, rows, el), el: el, id: id });
  }
  window.smcReportCharts = charts;
  // Until the cursor is on a chart the legend names the series; values appear on hover.
  var secs = { label: 'second', value: function (u, v) { return v == null ? 'hover for values' : v + ' s'; } };
  var fromZero = { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } };
  var perSecAxis = function (label) {
    return { label: label, values: function (u, vals) { return vals.map(function (v) { return Math.round(v) + '/s'; }); } };
  };
  var xAxis = { label: 'seconds since start', values: function (u, vals) { return vals.map(function (v) { return v + 's'; }); } };
  function line(label, color, extra) {
    var o = { label: label, stroke: color, width: 2, points: { show: false } };
    for (var k in extra) o[k] = extra[k];
    return o;
  }
  function fmt(unit, digits) {
    return function (u, v) { return v == null ? '' : v.toFixed(digits) + unit; };
  }

  if (s.second.length > 0) {
    chart('chart-rate', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('scheduled/s', C.sched, { dash: [6, 4], value: fmt('/s', 1) }),
        line('completed/s', C.done, { value: fmt('/s', 1) }), line('ok/s', C.ok, { value: fmt('/s', 1) })],
      axes: [xAxis, perSecAxis('replications per second')],
      plugins: [marksPlugin()],
    }, [s.second, s.scheduled, s.completed, s.ok]);

    var latencySeries = [secs, line('p50 ms', C.p50, { value: fmt(' ms', 1) }), line('p99 ms', C.p99, { value: fmt(' ms', 1) })];
    var latencyRows = [s.second, s.p50Ms, s.p99Ms];
    // The band between p50 and p99: how wide the spread of one second was; max above it.
    var latencyBands = [{ series: [2, 1], fill: 'rgba(124,58,237,0.12)' }];
    if (s.maxMs) {
      latencySeries.push(line('max ms', C.lag, { dash: [3, 3], value: fmt(' ms', 1) }));
      latencyRows.push(s.maxMs);
      latencyBands.push({ series: [3, 2], fill: 'rgba(219,39,119,0.06)' });
    }
    chart('chart-latency', {
      scales: { x: { time: false }, y: fromZero },
      series: latencySeries,
      bands: latencyBands,
      axes: [xAxis, { label: 'ms from scheduled time' }],
      plugins: [marksPlugin(), limitLine(data.latencyLimitMs, C.limit)],
    }, latencyRows);

    chart('chart-errors', {
      scales: { x: { time: false }, y: fromZero },
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

  // Traffic views: the columns are null (gaps) in files of smc versions that did not record them.
  var t = data.traffic;
  var EP = ['#2563eb', '#16a34a', '#f59e0b', '#7c3aed', '#db2777'];
  var bytesAxis = function (label) {
    return { label: label, size: 88, values: function (u, vals) { return vals.map(fmtBytes); } };
  };
  function fmtBytes(v) {
    if (v == null) return '';
    var units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'], k = 0;
    while (Math.abs(v) >= 1024 && k < units.length - 1) { v = v / 1024; k++; }
    return (k === 0 ? Math.round(v) : v.toFixed(1)) + ' ' + units[k];
  }
  if (s.second.length > 0) {
    chart('chart-sessions', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('sessions open', C.done, { value: fmt('', 0) }),
        line('agents active', C.ok, { value: fmt('', 0) }),
        line('agents enrolled', C.sched, { dash: [6, 4], value: fmt('', 0) })],
      axes: [xAxis, { label: 'sessions / agents' }],
      plugins: [marksPlugin()],
    }, [s.second, t.sessionsOpen, t.agentsActive, t.agentsEnrolled]);

    chart('chart-bytes', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('sent', C.done, { value: function (u, v) { return fmtBytes(v); } }),
        line('received', C.ok, { value: function (u, v) { return fmtBytes(v); } })],
      axes: [xAxis, bytesAxis('bytes per second')],
      plugins: [marksPlugin()],
    }, [s.second, t.bytesSentPerSec, t.bytesReceivedPerSec]);

    if (t.endpoints.length > 0) {
      chart('chart-endpoint-rate', {
        scales: { x: { time: false }, y: fromZero },
        series: [secs].concat(t.endpoints.map(function (ep, k) {
          return line(ep.label + '/s', EP[k % EP.length], { value: fmt('/s', 0) });
        })),
        axes: [xAxis, perSecAxis('requests per second')],
        plugins: [marksPlugin()],
      }, [s.second].concat(t.endpoints.map(function (ep) { return ep.requests; })));
      chart('chart-endpoint-latency', {
        scales: { x: { time: false }, y: fromZero },
        series: [secs].concat(t.endpoints.map(function (ep, k) {
          return line(ep.label + ' p99', EP[k % EP.length], { spanGaps: false, points: { show: true, size: 4 }, value: fmt(' ms', 1) });
        })),
        axes: [xAxis, { label: 'ms from request start' }],
        plugins: [marksPlugin()],
      }, [s.second].concat(t.endpoints.map(function (ep) { return ep.p99Ms; })));
    }
  }

  var ps = data.percentiles;
  if (data.curve.count > 0) {
    chart('chart-distribution', {
      cursor: { sync: { key: 'curve' } },
      scales: { x: { time: false, range: [0, ps.length - 1] }, y: fromZero },
      series: [{ label: 'percentile', value: function (u, v) { return v == null ? 'hover for values' : (ps[v] === 100 ? 'max' : 'p' + ps[v]); } },
        line('from scheduled', C.p99, { points: { show: true, size: 6 }, value: fmt(' ms', 1) }),
        line('from send', C.p50, { points: { show: true, size: 6 }, value: fmt(' ms', 1) })],
      axes: [{ label: 'percentile of replications', splits: function () { return ps.map(function (p, k) { return k; }); },
               values: function (u, vals) { return vals.map(function (k) { return ps[k] === 100 ? 'max' : 'p' + ps[k]; }); } },
        { label: 'ms' }],
    }, [ps.map(function (p, k) { return k; }), data.curve.fromScheduled, data.curve.fromSend]);
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
${RESIZE_CHARTS_JS}
})();`;
