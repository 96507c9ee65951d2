// What a machine on a LAN sends, played inside its network namespace (`ip netns exec`):
//   unicast <ip>           one UDP datagram to <ip>: the kernel ARPs for it first, so <ip>'s
//                          host learns this machine's MAC (its neighbour table)
//   dhcp <mac> [hostname]  a DHCPDISCOVER broadcast from port 68, as a DHCP client sends it
import dgram from 'node:dgram';

const [mode, ...args] = process.argv.slice(2);
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const done = (error) => {
  socket.close();
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
};
if (mode === 'unicast') {
  socket.send(Buffer.from('hello'), 9, args[0], done);
} else if (mode === 'dhcp') {
  const { dhcpDiscover } = await import(
    new URL('../../dist/server/rd-sensor/bootp.js', import.meta.url).href
  );
  socket.bind(68, () => {
    socket.setBroadcast(true);
    socket.send(dhcpDiscover(args[0], args[1]), 67, '255.255.255.255', done);
  });
} else {
  console.error('usage: lan-traffic.mjs unicast <ip> | dhcp <mac> [hostname]');
  process.exit(2);
}
