import { describe, expect, it } from 'vitest';
import { synthDeployment } from './synth-helper.js';

/**
 * The synthesized JSON of two representative plans, committed under __snapshots__/ (a .snap extension keeps the formatter off them): a change
 * to what a user would apply shows up as a readable diff in review.
 */
describe('synthesized JSON snapshots', () => {
  it('vms, 800 clients with one office (database on the server host, one proxy)', async () => {
    const { json } = synthDeployment('vms', { clients: 800, offices: 1 });
    await expect(`${JSON.stringify(json, null, 2)}\n`).toMatchFileSnapshot(
      '__snapshots__/vms-800-clients.tf.json.snap',
    );
  });

  it('azure, 150,000 clients with MDM (HA pair, load balancer, zone-redundant database)', async () => {
    const { json } = synthDeployment('azure', { clients: 150_000, mobileDevices: 500 });
    await expect(`${JSON.stringify(json, null, 2)}\n`).toMatchFileSnapshot(
      '__snapshots__/azure-150000-clients.tf.json.snap',
    );
  });
});
