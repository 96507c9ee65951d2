import { type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { AGENT_VERSION_PATTERN, type TaskType } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';

/**
 * The schemas of the policy settings and of each task type's parameters. The web console
 * builds its policy and task forms from them (GET /api/form-schemas), and the server checks
 * every PUT /api/policy and POST /api/tasks against the same schemas, so the form, its
 * validation messages and the API can never disagree.
 *
 * Known fields are typed; other fields stay allowed (`additionalProperties: true`) because
 * scripts and relays (the MDM connector's `run-command`) carry their own keys.
 */
const open = { additionalProperties: true } as const;

export const PolicySettings = Type.Object(
  {
    scanOnAccess: Type.Optional(
      Type.Boolean({
        title: 'Real-time file system protection',
        description: 'Scan files when they are opened, created or run.',
        default: true,
      }),
    ),
    scanOnStart: Type.Optional(
      Type.Boolean({
        title: 'Scan at start-up',
        description: 'Scan memory and start-up files after boot.',
      }),
    ),
    updateChannel: Type.Optional(
      Type.Union([Type.Literal('stable'), Type.Literal('pre-release'), Type.Literal('delayed')], {
        title: 'Update channel',
        description:
          'Where detection modules come from: stable, pre-release, or delayed by a few hours.',
        default: 'stable',
      }),
    ),
    updateIntervalMinutes: Type.Optional(
      Type.Integer({
        title: 'Update check every (minutes)',
        minimum: 15,
        maximum: 1_440,
        default: 60,
        examples: [60],
      }),
    ),
    firewallMode: Type.Optional(
      Type.Union(
        [
          Type.Literal('automatic'),
          Type.Literal('interactive'),
          Type.Literal('policy-based'),
          Type.Literal('learning'),
        ],
        { title: 'Firewall filtering mode', default: 'automatic' },
      ),
    ),
    hipsEnabled: Type.Optional(
      Type.Boolean({ title: 'Host intrusion prevention (HIPS)', default: true }),
    ),
    logLevel: Type.Optional(
      Type.Union(
        [
          Type.Literal('diagnostic'),
          Type.Literal('information'),
          Type.Literal('warning'),
          Type.Literal('error'),
          Type.Literal('critical'),
        ],
        { title: 'Minimum log verbosity sent to the server', default: 'information' },
      ),
    ),
    excludedPaths: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 1_024 }), {
        title: 'Paths excluded from scanning',
        description: 'One path a line, e.g. C:\\Build\\*.obj',
        maxItems: 200,
      }),
    ),
  },
  open,
);

export const TASK_PARAMS: Record<TaskType, TSchema> = {
  'on-demand-scan': Type.Object(
    {
      profile: Type.Optional(
        Type.Union(
          [Type.Literal('smart'), Type.Literal('in-depth'), Type.Literal('context-menu')],
          {
            title: 'Scan profile',
            default: 'smart',
          },
        ),
      ),
      cleanThreats: Type.Optional(Type.Boolean({ title: 'Clean what it finds', default: true })),
      targets: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 1_024 }), {
          title: 'Targets',
          description: 'One path a line; empty: all local drives.',
          maxItems: 100,
        }),
      ),
    },
    open,
  ),
  'modules-update': Type.Object(
    {
      force: Type.Optional(
        Type.Boolean({ title: 'Update even if the modules look current', default: false }),
      ),
    },
    open,
  ),
  'software-install': Type.Object(
    {
      package: Type.String({
        title: 'Package URL',
        description: 'Where the agent downloads the installer from.',
        minLength: 1,
        maxLength: 2_048,
        examples: ['https://repo.example.com/agent-11.1.msi'],
      }),
      arguments: Type.Optional(
        Type.String({ title: 'Installer arguments', maxLength: 1_024, examples: ['/quiet'] }),
      ),
      acceptEula: Type.Optional(
        Type.Boolean({ title: 'Accept the licence agreement', default: false }),
      ),
    },
    open,
  ),
  'run-command': Type.Object(
    {
      command: Type.Optional(
        Type.String({
          title: 'Command line',
          description: 'Run by the agent with its own privileges.',
          minLength: 1,
          maxLength: 4_096,
          examples: ['ipconfig /flushdns'],
        }),
      ),
      workingDirectory: Type.Optional(Type.String({ title: 'Working folder', maxLength: 1_024 })),
    },
    open,
  ),
  'inventory-refresh': Type.Object({}, open),
  // The component upgrade: exactly the version to move to (what the agent reports back).
  'upgrade-agent': Type.Object(
    {
      version: Type.String({
        title: 'Agent version',
        description: 'The version the agents move to and then report.',
        pattern: AGENT_VERSION_PATTERN,
        maxLength: 64,
        examples: ['7.3.2064'],
      }),
    },
    { additionalProperties: false },
  ),
};

const policyCheck = Compile(PolicySettings);
const taskChecks = Object.fromEntries(
  Object.entries(TASK_PARAMS).map(([type, schema]) => [type, Compile(schema)]),
) as Record<TaskType, ReturnType<typeof Compile>>;

/** Throws a 400 naming the first failing field (under `prefix`, e.g. /settings). */
function check(validator: ReturnType<typeof Compile>, value: unknown, prefix: string): void {
  if (validator.Check(value)) return;
  const [first] = validator.Errors(value);
  const path = first ? (first.instancePath ?? '') : '';
  const missing = (first?.params as { requiredProperties?: string[] } | undefined)
    ?.requiredProperties?.[0];
  const field = `${prefix}${path}${missing ? `/${missing}` : ''}`;
  throw new ApiError('SMC_BAD_BODY', `${field} ${first?.message ?? 'is invalid'}`, field);
}

export const checkPolicySettings = (settings: unknown): void =>
  check(policyCheck, settings, '/settings');

export const checkTaskParams = (type: TaskType, params: unknown): void =>
  check(taskChecks[type], params, '/params');
