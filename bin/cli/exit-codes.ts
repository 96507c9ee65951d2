/** Exit codes every command shares (k6's convention for the gate codes). */
export const EXIT = {
  ok: 0,
  /** The run itself failed (server unreachable, I/O error). */
  runError: 1,
  /** Bad usage or input; a one-line reason is on stderr. */
  usage: 2,
  /** A run completed but thresholds failed. */
  thresholdsFailed: 99,
} as const;
