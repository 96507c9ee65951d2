/**
 * The console API client. The admin token lives only in this closure: never in the URL,
 * storage or a cookie. Sending it as a header (not an ambient cookie) is also what makes
 * the calls CSRF-safe: another site cannot make the browser attach it.
 */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T>;
  /** Prometheus text from the public /metrics (latency histogram). */
  metrics(): Promise<string>;
}

export function createApi(token: string, onUnauthenticated: () => void): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      credentials: 'omit',
      cache: 'no-store',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? safeJson(text) : null;
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; field?: string } })
      ?.error;
    if (response.status === 401) onUnauthenticated();
    throw new ApiFailure(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${method} ${path} answered ${response.status}`,
      error?.field,
    );
  }
  return {
    get: (path, query = {}) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== '') params.set(key, String(value));
      }
      const search = params.toString();
      return call('GET', search ? `${path}?${search}` : path);
    },
    send: (method, path, body) => call(method, path, body),
    metrics: async () => {
      const response = await fetch('/metrics', { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) throw new ApiFailure(response.status, 'METRICS', 'metrics unavailable');
      return response.text();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
