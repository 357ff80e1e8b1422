/** Long work shows progress: one line per step on stderr, so stdout stays for what a command reports. */
export function step(message: string): void {
  process.stderr.write(`hooklog: ${message}\n`);
}

export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  step(`${label}...`);
  const result = await work();
  step(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}
