import dgram from 'node:dgram';
import { type DhcpClientSighting, parseDhcpClientPacket } from './bootp.js';

/**
 * Listens where DHCP clients broadcast (UDP 67), without answering: a DHCP server on the same
 * host keeps working (SO_REUSEADDR). Binding port 67 needs root or CAP_NET_BIND_SERVICE; without
 * it the sensor goes on with the neighbour table alone and says so once.
 */
export async function listenForDhcpClients(
  onClient: (client: DhcpClientSighting) => void,
  options: { port?: number; address?: string } = {},
): Promise<{ close(): Promise<void> } | { error: string }> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (packet) => {
    const client = parseDhcpClientPacket(packet);
    if (client) onClient(client);
  });
  const port = options.port ?? 67;
  const error = await new Promise<Error | null>((resolve) => {
    socket.once('error', resolve);
    socket.bind(port, options.address ?? '0.0.0.0', () => resolve(null));
  });
  if (error) {
    socket.close();
    return { error: `cannot listen on UDP ${port} for DHCP (${error.message})` };
  }
  socket.on('error', () => {});
  return { close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
