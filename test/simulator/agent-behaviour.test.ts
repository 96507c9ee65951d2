import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { MAX_LOGS_PER_REPLICATION, ReplicateRequest } from '../../protocol/index.js';
import { VirtualAgent } from '../../simulator/agent/agent.js';
import type { AgentBehaviour } from '../../simulator/agent/behaviour-options.js';
import { prepareReplication } from '../../simulator/agent/request.js';
import { applyReply, parseRetryAfter } from '../../simulator/agent/response.js';
import { buildEventPools } from '../../simulator/profile/events.js';
import { describeMachine } from '../../simulator/profile/machine.js';
import { DEFAULT_OS_MIX, parseOsMix } from '../../simulator/profile/os-mix.js';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';

const checkRequest = Compile(ReplicateRequest);
const T0 = Date.UTC(2026, 5, 1);
const ID = '0b7c4b7e-3f0e-4e8c-9a55-6a1f2d9e0c11';

function behaviour(overrides: Partial<AgentBehaviour> = {}): AgentBehaviour {
  return {
    seed: 5,
    osMix: DEFAULT_OS_MIX,
    logsPerReplication: 4,
    inventoryChangeRate: 0,
    taskResultRate: 1,
    pools: buildEventPools(5),
    runStartEpochMs: T0,
    ...overrides,
  };
}

function ok(body: Record<string, unknown>) {
  const base = {
    ack: { logsThrough: 0 },
    tasks: [],
    policy: null,
    next: { intervalSeconds: 60, jitterSeconds: 5 },
  };
  return { status: 200, retryAfter: undefined, body: JSON.stringify({ ...base, ...body }) };
}

describe('a virtual agent', () => {
  it('is the same machine in every run, and the OS mix is honoured', () => {
    expect(describeMachine(5, 4711, DEFAULT_OS_MIX)).toEqual(
      describeMachine(5, 4711, DEFAULT_OS_MIX),
    );
    expect(describeMachine(5, 4711, DEFAULT_OS_MIX)).not.toEqual(
      describeMachine(5, 4712, DEFAULT_OS_MIX),
    );
    const mix = parseOsMix('windows=50,linux=50', '--os-mix');
    const families = Array.from({ length: 2_000 }, (_, i) => describeMachine(1, i, mix).os.family);
    const linux = families.filter((f) => f === 'linux').length;
    expect(families.includes('macos')).toBe(false);
    expect(linux).toBeGreaterThan(900);
    expect(linux).toBeLessThan(1_100);
    expect(() => parseOsMix('windows=70,bsd=30', '--os-mix')).toThrow(/--os-mix: must look like/);
  });

  it('builds schema-valid requests, resends the same bytes for the same logs, stays within limits', () => {
    const agent = new VirtualAgent(3, ID, 0);
    const first = prepareReplication(agent, behaviour({ logsPerReplication: 700 }), T0);
    const body = JSON.parse(first.body);
    expect(checkRequest.Check(body)).toBe(true);
    expect(body.logs).toHaveLength(MAX_LOGS_PER_REPLICATION);
    expect(agent.nextSeq - 1).toBeGreaterThan(MAX_LOGS_PER_REPLICATION);
    // The server acknowledges only 100: the rest is sent again, byte for byte.
    const recorder = new MinimalRecorder(100);
    applyReply(agent, first, ok({ ack: { logsThrough: 100 } }), recorder);
    const second = JSON.parse(
      prepareReplication(agent, behaviour({ logsPerReplication: 0 }), T0 + 60_000).body,
    );
    expect(second.logs[0]).toEqual(body.logs[100]);
    expect(second.logs[0].seq).toBe(101);
  });

  it('sends the full inventory only when its hash changes', () => {
    const recorder = new MinimalRecorder(100);
    const still = new VirtualAgent(1, ID, 0);
    const fulls = (agent: VirtualAgent, b: AgentBehaviour) => {
      let count = 0;
      for (let i = 0; i < 40; i++) {
        const prepared = prepareReplication(agent, b, T0 + i * 60_000);
        if (JSON.parse(prepared.body).inventory.software) count++;
        applyReply(
          agent,
          prepared,
          ok({ ack: { logsThrough: prepared.highestSeqSent } }),
          recorder,
        );
      }
      return count;
    };
    expect(fulls(still, behaviour())).toBe(1);
    const changing = new VirtualAgent(2, ID, 0);
    const changes = fulls(changing, behaviour({ inventoryChangeRate: 0.25 }));
    expect(changes).toBe(changing.inventoryGeneration + 1);
    expect(changes).toBeGreaterThan(3);
    expect(recorder.counter('inventory_full_sent')).toBe(1 + changes);
  });

  it('applies newer policies, runs tasks once and reports their results', () => {
    const recorder = new MinimalRecorder(100);
    const agent = new VirtualAgent(4, ID, 0);
    const taskId = 'd6f1c2a4-9a43-4c6c-8f1e-2b9b7d1a0e55';
    const task = { id: taskId, type: 'on-demand-scan', params: {} };
    let prepared = prepareReplication(agent, behaviour(), T0);
    applyReply(
      agent,
      prepared,
      ok({
        tasks: [task],
        policy: { version: 2, settings: {} },
        ack: { logsThrough: prepared.highestSeqSent },
      }),
      recorder,
    );
    expect(agent.policyVersion).toBe(2);
    prepared = prepareReplication(agent, behaviour(), T0 + 1);
    const sent = JSON.parse(prepared.body);
    expect(sent.policyVersion).toBe(2);
    expect(sent.taskResults.map((r: { taskId: string }) => r.taskId)).toEqual([taskId]);
    // The server repeats the task before it stored the result: it is not run twice.
    applyReply(
      agent,
      prepared,
      ok({ tasks: [task], ack: { logsThrough: prepared.highestSeqSent } }),
      recorder,
    );
    expect(agent.runningTasks).toBeNull();
    expect(recorder.counter('task_results_sent')).toBe(1);
    expect(recorder.counter('policies_applied')).toBe(1);
  });

  it('resyncs a reused identity whose server is ahead, on its first ack', () => {
    const agent = new VirtualAgent(5, ID, 0);
    const prepared = prepareReplication(agent, behaviour(), T0);
    const recorder = new MinimalRecorder(100);
    const verdict = applyReply(agent, prepared, ok({ ack: { logsThrough: 1_000 } }), recorder);
    expect(verdict.outcome).toBe('ok');
    expect(agent.ackedThrough).toBe(1_000);
    expect(agent.nextSeq).toBe(1_001 + prepared.highestSeqSent);
    expect(recorder.counters.get('seq_resyncs')).toBe(1);
  });

  it('refuses an ack beyond what it sent once it has been acknowledged, and keeps its logs', () => {
    const agent = new VirtualAgent(5, ID, 0);
    const first = prepareReplication(agent, behaviour(), T0);
    applyReply(agent, first, ok({ ack: { logsThrough: 0 } }), new MinimalRecorder(100));
    agent.ackedThrough = 1;
    const prepared = prepareReplication(agent, behaviour(), T0);
    const verdict = applyReply(
      agent,
      prepared,
      ok({ ack: { logsThrough: prepared.highestSeqSent + 1 } }),
      new MinimalRecorder(100),
    );
    expect(verdict.outcome).toBe('protocol_error');
    expect(agent.ackedThrough).toBe(1);
    expect(
      applyReply(
        agent,
        prepared,
        { status: 200, retryAfter: undefined, body: '{"ack":1}' },
        new MinimalRecorder(1),
      ).outcome,
    ).toBe('protocol_error');
    expect(
      applyReply(
        agent,
        prepared,
        { status: 429, retryAfter: '7', body: '' },
        new MinimalRecorder(1),
      ),
    ).toMatchObject({ outcome: 'shed_503', retryAfterSeconds: 7 });
    expect(
      applyReply(
        agent,
        prepared,
        { status: 403, retryAfter: undefined, body: '' },
        new MinimalRecorder(1),
      ).outcome,
    ).toBe('http_4xx');
    expect(
      applyReply(
        agent,
        prepared,
        { status: 500, retryAfter: undefined, body: '' },
        new MinimalRecorder(1),
      ).outcome,
    ).toBe('http_5xx');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(new Date(T0 + 4_000).toUTCString(), T0)).toBe(4);
    expect(parseRetryAfter(undefined)).toBe(1);
    expect(parseRetryAfter('soon')).toBe(1);
  });
});
