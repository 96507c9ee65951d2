import { createHash } from 'node:crypto';

/**
 * The Content-Security-Policy of a report page: nothing from anywhere, inline styles, and
 * only the page's own scripts, each allowed by its hash, so even a string that slipped past
 * escaping could not run.
 */
export function reportContentSecurityPolicy(scripts: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
  ].join('; ');
}

/** Browser code both report scripts end with: charts follow the window's width. */
export const RESIZE_CHARTS_JS = `
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (c) { c.u.setSize({ width: c.el.clientWidth, height: 260 }); });
    }, 100);
  });`;
