/**
 * The console's mobile devices are a projection of the connectors' relayed logs (see
 * console/mobile-device-queries.ts). Without an index, finding one device's latest summary or
 * its command results read every log of its connector: fine for a few hundred phones, a scan
 * of 50,000+ rows per command at the fleets bench:mdm plays. These partial indexes hold only
 * those logs, in the order the console reads them; every other log pays a predicate check on
 * insert. The literals must stay MDM_DEVICE_LOG_KIND and MDM_COMMAND_RESULT_LOG_KIND.
 */
export const sql = `
CREATE INDEX logs_mdm_device_latest ON logs ((data->>'deviceId'), time DESC, seq DESC)
  WHERE type = 'event' AND data->>'kind' = 'mdm-device';
CREATE INDEX logs_mdm_command_results ON logs ((data->>'deviceId'), seq DESC)
  WHERE type = 'event' AND data->>'kind' = 'mdm-command-result';
`;
