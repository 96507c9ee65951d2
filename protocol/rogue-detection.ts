import { type Static, Type } from 'typebox';
import { ShortText, UtcTime } from './common.js';
import { MAX_HOSTNAME } from './limits.js';

/*
 * Rogue Detection Sensor (issue 19): a passive listener on one network reports each machine it
 * sees once, over mutual TLS with its own certificate (enrolled with a token of kind
 * `rd-sensor`). The server, not the sensor, judges a machine managed or rogue: it matches the
 * sighting against the MACs, IPs and host names managed computers report in their inventory.
 */
const strict = { additionalProperties: false } as const;

/** Sightings in one request; a sensor with more sends several (ours: one insert stays small). */
export const MAX_SIGHTINGS_PER_REQUEST = 500;

/**
 * A MAC in the canonical form the server stores and matches (PostgreSQL `macaddr` text):
 * six lower-case hex pairs joined by colons. Sensors normalise before sending.
 */
export const MAC_PATTERN = '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$';
export const MacAddress = Type.String({
  pattern: MAC_PATTERN,
  maxLength: 17,
  description: 'MAC address, lower-case hex pairs joined by colons (00:1a:2b:3c:4d:5e)',
});

/** Dotted-quad IPv4, each part 0-255 (what PostgreSQL `inet` accepts without surprises). */
export const Ipv4Address = Type.String({
  pattern:
    '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$',
  maxLength: 15,
  description: 'IPv4 address, dotted quad',
});

/** A DNS-style host name (letters, digits, hyphen, underscore, dots): what DHCP option 12 carries. */
export const SightedHostname = Type.String({
  minLength: 1,
  maxLength: MAX_HOSTNAME,
  pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$',
});

/** How the sensor saw the machine. */
export const SightingSource = Type.Union([
  Type.Literal('arp'),
  Type.Literal('dhcp'),
  Type.Literal('neighbour-table'),
]);
export type SightingSource = Static<typeof SightingSource>;

export const Sighting = Type.Object(
  {
    mac: MacAddress,
    ip: Type.Optional(Ipv4Address),
    hostname: Type.Optional(SightedHostname),
    /** The IEEE OUI registrant of the MAC's first three bytes, when the sensor knows it. */
    vendor: Type.Optional(ShortText),
    source: SightingSource,
    seenAt: UtcTime,
  },
  strict,
);
export type Sighting = Static<typeof Sighting>;

// POST /v1/sightings (mutual TLS, a sensor's certificate)
export const SightingsRequest = Type.Object(
  { sightings: Type.Array(Sighting, { minItems: 1, maxItems: MAX_SIGHTINGS_PER_REQUEST }) },
  strict,
);
export type SightingsRequest = Static<typeof SightingsRequest>;

export const SightingsResponse = Type.Object(
  {
    /** Sightings stored (new machines plus ones seen before, whose last-seen time moved). */
    stored: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type SightingsResponse = Static<typeof SightingsResponse>;

/** How the server judged a sighting: a managed computer reports that MAC, IP or host name, or none does. */
export const RogueJudgement = Type.Union([Type.Literal('rogue'), Type.Literal('managed')]);
export type RogueJudgement = Static<typeof RogueJudgement>;

/** What an admin did with a found machine. */
export const RogueDisposition = Type.Union([
  Type.Literal('open'),
  Type.Literal('ignored'),
  Type.Literal('moved'),
]);
export type RogueDisposition = Static<typeof RogueDisposition>;

/** Group names, as the console's computers carry them. */
export const GroupName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\u0000-\\u001f]+$',
});

// GET /api/rogue-machines
export const RogueMachine = Type.Object({
  mac: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  hostname: Type.Union([Type.String(), Type.Null()]),
  vendor: Type.Union([Type.String(), Type.Null()]),
  source: SightingSource,
  sensorId: Type.String(),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  judgement: RogueJudgement,
  /** What matched a managed computer (mac first, then ip, then hostname); null when rogue. */
  matchedBy: Type.Union([
    Type.Literal('mac'),
    Type.Literal('ip'),
    Type.Literal('hostname'),
    Type.Null(),
  ]),
  /** The managed computer it matched; null when rogue. */
  agentId: Type.Union([Type.String(), Type.Null()]),
  disposition: RogueDisposition,
  /** With disposition `moved`: the group it was moved to. */
  group: Type.Union([Type.String(), Type.Null()]),
  simulated: Type.Boolean(),
});
export type RogueMachine = Static<typeof RogueMachine>;

export const RogueMachineList = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  items: Type.Array(RogueMachine),
});
export type RogueMachineList = Static<typeof RogueMachineList>;

// POST /api/rogue-machines/:mac
export const RogueMachineAction = Type.Union([
  Type.Object({ action: Type.Literal('ignore') }, strict),
  Type.Object({ action: Type.Literal('move-to-group'), group: GroupName }, strict),
  Type.Object({ action: Type.Literal('reopen') }, strict),
]);
export type RogueMachineAction = Static<typeof RogueMachineAction>;
