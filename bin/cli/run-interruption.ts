/**
 * Ctrl-C (SIGINT) or SIGTERM during a run, the way k6 takes it: the first one ends the run
 * early but keeps it (in-flight work drains, the summary prints, --json/--html are written,
 * exit 105); a second one quits at once with the shell's usual code (130 / 143).
 */
export class RunInterruption {
  private readonly controller = new AbortController();
  private received: NodeJS.Signals | undefined;
  private listening = false;

  constructor(private readonly command: string) {}

  /** Aborted on the first signal; hand it to the run. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that ended the run early, if one did. */
  get signalName(): NodeJS.Signals | undefined {
    return this.received;
  }

  listen(): void {
    if (this.listening) return;
    this.listening = true;
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.listening = false;
  }

  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.received) {
      process.stderr.write(`${this.command}: ${signal} again: quitting without a summary\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    this.received = signal;
    process.stderr.write(
      `${this.command}: ${signal}: ending the run, draining in-flight work, then the summary (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again quits at once)\n`,
    );
    this.controller.abort();
  };
}
