import { type Static, type TObject, Type } from 'typebox';
import { FreeObject, Sha256Hex, ShortText, UtcTime, Uuid } from './common.js';
import { MAX_CSR_PEM, MAX_DETAIL_TEXT, MAX_INT4 } from './limits.js';

/*
 * Wire protocol v1, mobile plane (DESIGN.md "Mobile plane"): what the Mobile Device Connector
 * offers phones and tablets. Enrollment on 9980 (server-auth TLS), check-ins on 9981 (mutual
 * TLS with the device certificate issued at enrollment). Unknown fields are rejected (400).
 */
const strict = { additionalProperties: false } as const;

/** Default TCP ports (esmc-facts.md, "Ports": MDM enrollment 9980, device communication 9981). */
export const DEFAULT_MDM_ENROLL_PORT = 9980;
export const DEFAULT_MDM_DEVICE_PORT = 9981;

/** Commands handed to one device in one check-in; the rest come next time. Ours. */
export const MAX_COMMANDS_PER_CHECK_IN = 20;
/** Results one check-in may carry (a device offline for long answers in several check-ins). */
export const MAX_COMMAND_RESULTS_PER_CHECK_IN = 100;
/** install-policy settings, serialised; the guide's large policy (~26 kB) fits. */
export const MAX_MDM_POLICY_BYTES = 64 * 1024;

export const MobilePlatform = Type.Union([Type.Literal('android'), Type.Literal('ios')]);
export type MobilePlatform = Static<typeof MobilePlatform>;

export const MdmCommandType = Type.Union([
  Type.Literal('lock'),
  Type.Literal('wipe'),
  Type.Literal('locate'),
  Type.Literal('ring'),
  Type.Literal('install-policy'),
  Type.Literal('send-message'),
]);
export type MdmCommandType = Static<typeof MdmCommandType>;
export const MDM_COMMAND_TYPES: readonly MdmCommandType[] = [
  'lock',
  'wipe',
  'locate',
  'ring',
  'install-policy',
  'send-message',
];

/** What each command accepts; one schema per type so a bad parameter is named exactly. */
export const MDM_COMMAND_PARAMS: Readonly<Record<MdmCommandType, TObject>> = {
  lock: Type.Object({ message: Type.Optional(ShortText) }, strict),
  wipe: Type.Object({}, strict),
  locate: Type.Object({}, strict),
  ring: Type.Object({ seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })) }, strict),
  'install-policy': Type.Object(
    { version: Type.Integer({ minimum: 1, maximum: MAX_INT4 }), settings: FreeObject },
    strict,
  ),
  'send-message': Type.Object(
    {
      title: Type.Optional(ShortText),
      message: Type.String({ minLength: 1, maxLength: 1_024 }),
    },
    strict,
  ),
};

export const DeviceModel = Type.Object(
  {
    platform: MobilePlatform,
    osVersion: ShortText,
    model: ShortText,
  },
  strict,
);

// ---- POST /mdm/v1/enroll (port 9980, server-auth TLS) ----

export const MdmEnrollRequest = Type.Object(
  {
    /** An MDM enrollment token made on the connector's console API. */
    token: Type.String({ minLength: 8, maxLength: 128 }),
    /** PKCS#10 CSR in PEM; its key becomes the device's identity. */
    csr: Type.String({ minLength: 64, maxLength: MAX_CSR_PEM }),
    device: DeviceModel,
  },
  strict,
);
export type MdmEnrollRequest = Static<typeof MdmEnrollRequest>;

/** When to check in again: interval plus a random 0..jitter seconds (the connector stretches it for large fleets). */
export const CheckInSchedule = Type.Object(
  {
    intervalSeconds: Type.Integer({ minimum: 1 }),
    jitterSeconds: Type.Integer({ minimum: 0 }),
  },
  strict,
);

export const MdmEnrollResponse = Type.Object(
  {
    /** Assigned by the connector; the certificate's subject CN. */
    deviceId: Uuid,
    certificate: Type.String(),
    /** The connector's device CA: verifies the check-in listener and issued the certificate. */
    caCertificate: Type.String(),
    next: CheckInSchedule,
  },
  strict,
);
export type MdmEnrollResponse = Static<typeof MdmEnrollResponse>;

// ---- POST /mdm/v1/check-in (port 9981, mutual TLS) ----

export const DeviceLocation = Type.Object(
  {
    latitude: Type.Number({ minimum: -90, maximum: 90 }),
    longitude: Type.Number({ minimum: -180, maximum: 180 }),
    accuracyMeters: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    time: UtcTime,
  },
  strict,
);
export type DeviceLocation = Static<typeof DeviceLocation>;

export const DeviceStatus = Type.Object(
  {
    battery: Type.Object(
      {
        level: Type.Integer({ minimum: 0, maximum: 100 }),
        charging: Type.Boolean(),
      },
      strict,
    ),
    encrypted: Type.Boolean(),
    /** Only when the user allowed location reporting. */
    location: Type.Optional(DeviceLocation),
    /** SHA-256 of the installed app list: the connector only learns that it changed. */
    appListHash: Sha256Hex,
  },
  strict,
);
export type DeviceStatus = Static<typeof DeviceStatus>;

export const MdmCommandResult = Type.Object(
  {
    commandId: Uuid,
    state: Type.Union([Type.Literal('done'), Type.Literal('failed')]),
    time: UtcTime,
    detail: Type.Optional(Type.String({ maxLength: MAX_DETAIL_TEXT })),
    /** The answer to `locate`. */
    location: Type.Optional(DeviceLocation),
  },
  strict,
);
export type MdmCommandResult = Static<typeof MdmCommandResult>;

export const CheckInRequest = Type.Object(
  {
    device: Type.Object(
      {
        /** Must be the certificate's CN, else 403. */
        id: Uuid,
        platform: MobilePlatform,
        osVersion: ShortText,
        model: ShortText,
      },
      strict,
    ),
    status: DeviceStatus,
    /** Results of commands delivered by earlier check-ins. */
    commandResults: Type.Array(MdmCommandResult, { maxItems: MAX_COMMAND_RESULTS_PER_CHECK_IN }),
  },
  strict,
);
export type CheckInRequest = Static<typeof CheckInRequest>;

export const MdmCommand = Type.Object(
  { id: Uuid, type: MdmCommandType, params: FreeObject, createdAt: UtcTime },
  strict,
);
export type MdmCommand = Static<typeof MdmCommand>;

export const CheckInResponse = Type.Object(
  {
    /** Each command is handed out once: it is marked delivered in the transaction that answers. */
    commands: Type.Array(MdmCommand, { maxItems: MAX_COMMANDS_PER_CHECK_IN }),
    next: CheckInSchedule,
  },
  strict,
);
export type CheckInResponse = Static<typeof CheckInResponse>;

// ---- What the connector relays to the management server (log data of type 'event') ----

/**
 * The connector's `agent.version` on the server, for people reading the computers list. The
 * server does not trust it: a connector is an agent enrolled with an `mdm-connector` token.
 */
export const MDM_CONNECTOR_AGENT_VERSION = 'mdm-connector/1';

/** `data.kind` of the relayed logs; the server's console reads them back by this. */
export const MDM_DEVICE_LOG_KIND = 'mdm-device';
export const MDM_COMMAND_RESULT_LOG_KIND = 'mdm-command-result';

/** Console API of the management server: POST /api/mobile-devices/:id/commands. */
export const CreateMobileCommandRequest = Type.Object(
  { command: MdmCommandType, params: Type.Optional(FreeObject) },
  strict,
);
export type CreateMobileCommandRequest = Static<typeof CreateMobileCommandRequest>;

/** Console API of the connector: POST /api/enrollment-tokens (same shape as the server's). */
export const CreateMdmEnrollmentTokenRequest = Type.Object(
  {
    uses: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    ttlSeconds: Type.Integer({ minimum: 1, maximum: 30 * 86_400 }),
  },
  strict,
);
export type CreateMdmEnrollmentTokenRequest = Static<typeof CreateMdmEnrollmentTokenRequest>;

/** What `smc mdm --ready-file` writes once listening. */
export interface MdmReadyFile {
  readonly enrollUrl: string;
  readonly deviceUrl: string;
  readonly caFile: string;
  readonly adminTokenFile: string;
  readonly relayAgentId: string;
  readonly pid: number;
}
