import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromLoad, ToLoad } from './server-messages.js';

type Reply<T extends FromLoad['type']> = Extract<FromLoad, { type: T }>;

/**
 * The main process's handle on the load generator child: sends one command at a time and
 * waits for its reply, with a deadline, so a stuck child cannot hang the benchmark.
 */
export class LoadProcess {
  private readonly child: ChildProcess;
  private failure: Error | null = null;
  private readonly waiters = new Set<(message: FromLoad | Error) => void>();
  /** Window edges of the running step, for the main process's server-side snapshots. */
  onWindow: (edge: 'window-start' | 'window-end') => void = () => {};

  constructor() {
    const script = fileURLToPath(new URL('./server-load.js', import.meta.url));
    // No inherited --cpu-prof etc.: a profile of the main process is the server's alone.
    this.child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: FromLoad) => {
      if (message.type === 'window-start' || message.type === 'window-end') {
        this.onWindow(message.type);
        return;
      }
      for (const waiter of [...this.waiters]) waiter(message);
    });
    this.child.on('exit', (code, signal) => {
      this.failure = new Error(`load process exited (${signal ?? code})`);
      for (const waiter of [...this.waiters]) waiter(this.failure);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends FromLoad['type']>(
    message: ToLoad,
    reply: T,
    timeoutMs: number,
  ): Promise<Reply<T>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const done = (outcome: FromLoad | Error) => {
        if (!(outcome instanceof Error) && outcome.type !== reply && outcome.type !== 'failed')
          return;
        clearTimeout(timer);
        this.waiters.delete(done);
        if (outcome instanceof Error) reject(outcome);
        else if (outcome.type === 'failed') reject(new Error(`load process: ${outcome.message}`));
        else resolve(outcome as Reply<T>);
      };
      const timer = setTimeout(
        () => done(new Error(`load process gave no '${reply}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.add(done);
      this.child.send(message);
    });
  }

  /** Asks the child to close its sessions and exit; kills it (by its own pid) if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToLoad);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
