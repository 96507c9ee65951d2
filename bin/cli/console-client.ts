import { consoleCall } from '../../simulator/identity/console-client.js';

/** A console API call over HTTPS with the admin token; errors carry the server's message. */
export function consoleRequest<T>(options: {
  baseUrl: string;
  path: string;
  method: 'GET' | 'POST' | 'PUT';
  token: string;
  ca: string;
  body?: unknown;
  timeoutMs?: number;
}): Promise<T> {
  return consoleCall<T>(
    { url: options.baseUrl, adminToken: options.token, caPem: options.ca },
    options.method,
    options.path,
    options.body,
    options.timeoutMs,
  );
}
