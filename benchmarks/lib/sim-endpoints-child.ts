import { FakeAgentPlane } from './fake-agent-plane.js';
import { startNoopServer } from './sim-noop-server.js';

/**
 * Runs in its own process (its own core): the fake agent plane (for enrollment) and a no-op
 * replication endpoint trusting the same CA. Prints one JSON line with both addresses, then
 * serves until stdin closes.
 */
const plane = await FakeAgentPlane.start();
const noop = await startNoopServer({ ...(await plane.ca.issueServer()), caPem: plane.ca.certPem });
process.stdout.write(
  `${JSON.stringify({ planeUrl: plane.url, planePort: plane.port, noopUrl: noop.url, noopPort: noop.port, caPem: plane.ca.certPem })}\n`,
);
process.stdin.resume();
process.stdin.on('end', async () => {
  await noop.close();
  await plane.close();
  process.exit(0);
});
