/** Single numbers the rules rely on, each with its source. */

/** guide: "keep all agent-server communications under 1,000 per second" on high-end hardware. */
export const GUIDE_MAX_COMMUNICATIONS_PER_SECOND = 1_000;

/** guide: one Apache proxy that caches and forwards is not advised for more than ~1,000 clients. */
export const GUIDE_CLIENTS_PER_PROXY = 1_000;

/** guide, MDM section: the connector's reference host serves about 80 devices. */
export const GUIDE_MDM_REFERENCE_DEVICES = 80;

/** issue #2 (ours): high availability is on by default for tiers above 50,000 clients. */
export const HIGH_AVAILABILITY_DEFAULT_ABOVE_CLIENTS = 50_000;

/**
 * ours: agents spread a replication over `interval x JITTER_FRACTION` seconds. After an outage
 * every agent reconnects within that one window, which is what the peak rate assumes.
 */
export const JITTER_FRACTION = 0.1;
/** ours: never less than this, so tiny intervals still spread a reconnect storm. */
export const MIN_JITTER_SECONDS = 5;

/** ours: input bounds. Beyond them a number is a typo, not a deployment. */
export const MAX_CLIENTS = 10_000_000;
export const MAX_MOBILE_DEVICES = 1_000_000;
export const MAX_OFFICES = 10_000;
/** ours: below 10 s the TLS handshake and request overhead dominate a replication. */
export const MIN_INTERVAL_SECONDS = 10;
/** ours: a week; the guide's longest advice is 60 minutes. */
export const MAX_INTERVAL_SECONDS = 7 * 24 * 3_600;

/** ours: input bounds of the growth and node models; beyond them a number is a typo. */
export const MAX_LOGS_PER_CLIENT_PER_DAY = 100_000;
export const MAX_US_PER_REPLICATION = 1_000_000;
export const MAX_KIB_PER_SESSION = 1_048_576;

/**
 * ours: past this many proxies in one office (over ~5,000 of its clients at the guide's
 * 1,000 per proxy), a branch holds a server farm; such an office is better linked to the
 * server directly (VPN) than fronted by proxies.
 */
export const MANY_PROXIES_PER_OFFICE = 5;
