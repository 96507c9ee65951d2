/** A console API call over HTTPS with the admin token; errors carry the server's message. */
export async function consoleRequest<T>(options: {
  baseUrl: string;
  path: string;
  method: 'GET' | 'POST' | 'PUT';
  token: string;
  ca: string;
  body?: unknown;
  timeoutMs?: number;
}): Promise<T> {
  // Loaded on the first call, not at start-up: the simulator's door brings faker and MQTT.
  const { consoleCall } = await import('../../simulator/index.js');
  return consoleCall<T>(
    { url: options.baseUrl, adminToken: options.token, caPem: options.ca },
    options.method,
    options.path,
    options.body,
    options.timeoutMs,
  );
}
