import { isIPv4 } from 'node:net';

/**
 * Source addresses for connections to a server on IPv4 loopback (a local `smc serve`, the
 * rehearsal's server). One source address has only the kernel's ephemeral ports towards one
 * server address and port (`net.ipv4.ip_local_port_range`, 28,232 by default), so one box
 * playing 50,000 persistent sessions against a local server ran out at 28,228 sessions. On
 * Linux the whole of 127.0.0.0/8 is on `lo` with nothing to configure, so connections take
 * turns over LOOPBACK_SOURCES addresses (127.0.0.1 ... 127.0.0.16): 16 x 28,232 ports.
 * Elsewhere (macOS has only 127.0.0.1) and for other targets, the kernel chooses as before.
 */
export const LOOPBACK_SOURCES = 16;

let next = 0;

/** The `localAddress` for a direct connection to `host`, or undefined to let the kernel choose. */
export function sourceAddressFor(
  host: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform !== 'linux' || !isIPv4(host) || !host.startsWith('127.')) return undefined;
  next = (next + 1) % LOOPBACK_SOURCES;
  return `127.0.0.${next + 1}`;
}
