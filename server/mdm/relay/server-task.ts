import { Ajv, type ValidateFunction } from 'ajv';
import {
  type AgentTask,
  MDM_COMMAND_PARAMS,
  MDM_COMMAND_TYPES,
  type MdmCommandType,
} from '../../../protocol/index.js';

/** A server task the connector turns into a device command. */
export interface RelayedCommand {
  readonly serverTaskId: string;
  readonly deviceId: string;
  readonly type: MdmCommandType;
  readonly params: Record<string, unknown>;
  /** When the admin asked for it on the server: the start of the command-to-device delay. */
  readonly requestedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ajv = new Ajv({ allErrors: false, strict: false });
const validators = new Map<MdmCommandType, ValidateFunction>(
  MDM_COMMAND_TYPES.map((type) => [type, ajv.compile(MDM_COMMAND_PARAMS[type])]),
);

/**
 * Reads a `run-command` task of the form `{ mdmCommand, deviceId, requestedAt?, args? }`.
 * Anything else is a reason string: the connector answers the task as failed with it, so a bad
 * task shows on the server instead of waiting forever.
 */
export function commandFromTask(task: AgentTask, now = new Date()): RelayedCommand | string {
  if (task.type !== 'run-command') return `task type ${task.type} is not an MDM command`;
  const { mdmCommand, deviceId, requestedAt, args = {} } = task.params as Record<string, unknown>;
  if (typeof mdmCommand !== 'string' || !MDM_COMMAND_TYPES.includes(mdmCommand as MdmCommandType))
    return `params.mdmCommand must be one of ${MDM_COMMAND_TYPES.join(', ')}`;
  if (typeof deviceId !== 'string' || !UUID.test(deviceId))
    return 'params.deviceId must be a lower-case UUID';
  const type = mdmCommand as MdmCommandType;
  const validate = validators.get(type) as ValidateFunction;
  if (!validate(args)) {
    const first = validate.errors?.[0];
    return `params.args${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`;
  }
  const asked = typeof requestedAt === 'string' ? new Date(requestedAt) : now;
  return {
    serverTaskId: task.id,
    deviceId,
    type,
    params: args as Record<string, unknown>,
    requestedAt: (Number.isNaN(asked.getTime()) ? now : asked).toISOString(),
  };
}
