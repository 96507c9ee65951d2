/**
 * Keyset paging of the console's computers list (issue 17): each sort order reads
 * "(key, hostname, agent_id) after the cursor" in that order, which one btree per order
 * answers as a range scan, however deep the page. hostname, os, group, agent version and
 * protection live on computers, whose row a replication rewrites without touching these
 * columns (they change on an upgrade, a rename or a protection change), so the indexes cost
 * the hot path little. Not indexed on purpose: last seen (agent_state is rewritten by every
 * replication with fillfactor 50 for HOT updates, which an index on last_seen would defeat)
 * and the reported IP (an expression over inventories whose tie-breakers live on computers,
 * which no single index spans); those two orders page correctly by cursor but scan.
 * The single-column computers_hostname and computers_agent_version stay: the prefix filter
 * and the version mix use them. Expand-only: servers that predate it run on unchanged.
 */
export const sql = `
CREATE INDEX computers_keyset_hostname ON computers (hostname, agent_id);
CREATE INDEX computers_keyset_os ON computers (os_name, hostname, agent_id);
CREATE INDEX computers_keyset_group ON computers (group_name, hostname, agent_id);
CREATE INDEX computers_keyset_agent_version ON computers (agent_version, hostname, agent_id);
CREATE INDEX computers_keyset_protection ON computers (
  (CASE protection WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END), hostname, agent_id);
`;
