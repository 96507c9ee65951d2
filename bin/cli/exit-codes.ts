/** Exit codes every command shares (k6's convention for the gate codes). */
export const EXIT = {
  ok: 0,
  /** The run itself failed (server unreachable, I/O error). */
  runError: 1,
  /** Bad usage or input; a one-line reason is on stderr. */
  usage: 2,
  /** A run completed but thresholds failed (a rehearsal: FAIL or MARGINAL). */
  thresholdsFailed: 99,
  /** A rehearsal the load generator limited: neither PASS nor FAIL can be told. */
  inconclusive: 98,
  /** Ctrl-C (or SIGTERM) ended the run early: summary and files cover what ran (k6's 105). */
  interrupted: 105,
} as const;
