/**
 * `smc rehearse --hold`: wait so the console can still be read after the verdict. SIGINT or
 * SIGTERM ends the wait early instead of killing the process, so the caller still stops its
 * server (a child process that would otherwise be left running) and removes its folder.
 */
export function holdFor(seconds: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1_000);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
