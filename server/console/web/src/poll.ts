/**
 * Runs `step` now and then `intervalMs` after each run finishes (never overlapping, so a slow
 * server is not piled on). Returns the function that stops it; views call it when they leave.
 */
export function poll(step: () => Promise<void>, intervalMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await step();
    } catch {
      // The step shows its own error; polling carries on so the page recovers by itself.
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
