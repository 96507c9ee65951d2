import { h } from './dom.js';
import { formatTime } from './format.js';

export interface LogLine {
  seq: string;
  type: string;
  time: string;
  data: unknown;
  hostname?: string;
  agentId?: string;
}

const text = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Logs as a table that fits its box at any width: a log's data is shown as `key: value`
 * lines (text, never markup) that wrap, instead of one long JSON string that overflows.
 */
export function logTable(logs: readonly LogLine[], testId: string): HTMLElement {
  const withHost = logs.some((l) => l.hostname !== undefined);
  const columns = [...(withHost ? ['Computer'] : []), 'Time', 'Type', 'Seq', 'Data'];
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'logs', attrs: { 'data-testid': testId } },
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
      h(
        'tbody',
        {},
        ...logs.map((log) => {
          const data =
            typeof log.data === 'object' && log.data !== null && !Array.isArray(log.data)
              ? Object.entries(log.data as Record<string, unknown>)
              : [['value', log.data] as const];
          return h(
            'tr',
            {},
            withHost
              ? h(
                  'td',
                  { className: 'hostname' },
                  h(
                    'a',
                    { attrs: { href: `#/computers/${encodeURIComponent(log.agentId ?? '')}` } },
                    log.hostname ?? '',
                  ),
                )
              : null,
            h('td', { className: 'nowrap' }, formatTime(log.time)),
            h('td', {}, h('span', { className: `badge log-${log.type}` }, log.type)),
            h('td', {}, log.seq),
            h(
              'td',
              { className: 'log-data' },
              h(
                'dl',
                {},
                ...data.flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, text(value))]),
              ),
            ),
          );
        }),
      ),
    ),
  );
}
