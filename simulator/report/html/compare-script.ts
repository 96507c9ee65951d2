import { RESIZE_CHARTS_JS } from './csp.js';

/**
 * The comparison page's browser script: both runs on shared axes with uPlot. Data reaches
 * the page only as numbers and fixed labels (no run text is drawn). Plain ES2017.
 */
export const COMPARE_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('compare-data').textContent);
  var B = '#94a3b8', A = '#2563eb';
  var charts = [];
  function chart(id, opts, rows) {
    var el = document.getElementById(id);
    if (!el) return;
    opts.width = el.clientWidth || 600;
    opts.height = 260;
    charts.push({ u: new uPlot(opts, rows, el), el: el });
  }
  function fmt(unit, digits) {
    return function (u, v) { return v == null ? '' : v.toFixed(digits) + unit; };
  }
  function line(label, color, extra) {
    var o = { label: label, stroke: color, width: 2, points: { show: false } };
    for (var k in extra) o[k] = extra[k];
    return o;
  }
  var fromZero = { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } };
  // Both runs on one x axis: seconds since each run's start, the shorter padded with gaps.
  var n = Math.max(data.before.second.length, data.after.second.length);
  var xs = []; for (var i = 1; i <= n; i++) xs.push(i);
  function pad(values) { var out = values.slice(); while (out.length < n) out.push(null); return out; }
  var secs = { label: 'second', value: function (u, v) { return v == null ? 'hover for values' : v + ' s'; } };
  var xAxis = { label: 'seconds since start', values: function (u, vals) { return vals.map(function (v) { return v + 's'; }); } };
  if (n > 0) {
    chart('chart-compare-rate', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('before', B, { dash: [6, 4], value: fmt('/s', 0) }), line('after', A, { value: fmt('/s', 0) })],
      axes: [xAxis, { label: 'completed per second', values: function (u, v) { return v.map(function (x) { return Math.round(x) + '/s'; }); } }],
    }, [xs, pad(data.before.completed), pad(data.after.completed)]);
    chart('chart-compare-latency', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('before p99', B, { dash: [6, 4], value: fmt(' ms', 1) }), line('after p99', A, { value: fmt(' ms', 1) })],
      axes: [xAxis, { label: 'ms from scheduled time' }],
    }, [xs, pad(data.before.p99Ms), pad(data.after.p99Ms)]);
  }
  function fmtBytes(v) {
    if (v == null) return '';
    var units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'], k = 0;
    while (Math.abs(v) >= 1024 && k < units.length - 1) { v = v / 1024; k++; }
    return (k === 0 ? Math.round(v) : v.toFixed(1)) + ' ' + units[k];
  }
  var bytesValue = function (u, v) { return fmtBytes(v); };
  if (n > 0) {
    chart('chart-compare-sessions', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('before', B, { dash: [6, 4], value: fmt('', 0) }), line('after', A, { value: fmt('', 0) })],
      axes: [xAxis, { label: 'sessions open' }],
    }, [xs, pad(data.before.sessionsOpen), pad(data.after.sessionsOpen)]);
    chart('chart-compare-bytes', {
      scales: { x: { time: false }, y: fromZero },
      series: [secs, line('before sent', B, { dash: [6, 4], value: bytesValue }), line('after sent', A, { value: bytesValue }),
        line('before received', '#f59e0b', { dash: [6, 4], value: bytesValue }), line('after received', '#16a34a', { value: bytesValue })],
      axes: [xAxis, { label: 'bytes per second', size: 88, values: function (u, vals) { return vals.map(fmtBytes); } }],
    }, [xs, pad(data.before.bytesSent), pad(data.after.bytesSent), pad(data.before.bytesReceived), pad(data.after.bytesReceived)]);
  }
  var ps = data.percentiles;
  chart('chart-compare-percentiles', {
    scales: { x: { time: false, range: [0, ps.length - 1] }, y: fromZero },
    series: [{ label: 'percentile', value: function (u, v) { return v == null ? 'hover for values' : 'p' + ps[v]; } },
      line('before', B, { dash: [6, 4], points: { show: true, size: 6 }, value: fmt(' ms', 1) }),
      line('after', A, { points: { show: true, size: 6 }, value: fmt(' ms', 1) })],
    axes: [{ label: 'percentile of replications', splits: function () { return ps.map(function (p, k) { return k; }); },
             values: function (u, vals) { return vals.map(function (k) { return ps[k] === 100 ? 'max' : 'p' + ps[k]; }); } },
      { label: 'ms from scheduled time' }],
  }, [ps.map(function (p, k) { return k; }), data.before.curve, data.after.curve]);
${RESIZE_CHARTS_JS}
})();`;
