/**
 * Waiting in tests for something that happens in another task, worker, process or server: poll a
 * condition until it holds, and fail with a message naming what was awaited when it never does.
 *
 * ```ts
 * await until(() => engine.drained(), "the engine to drain");
 * await until(() => counters.records >= 3, "3 records", { timeout_ms: 10_000 });
 * ```
 */

export interface UntilOptions {
  /** How long to wait before failing. @default 60000 */
  timeout_ms?: number;
  /** Pause between two polls. @default 20 */
  interval_ms?: number;
}

/**
 * Calls `cond` (sync or async) until it returns true, pausing `interval_ms` between calls. Rejects with
 * an Error "Timed out after <timeout_ms> ms waiting for <what>" once `timeout_ms` has passed with `cond`
 * still false, and with whatever `cond` throws as soon as it throws.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  options: UntilOptions = {},
): Promise<void> {
  const timeout = options.timeout_ms ?? 60_000;
  const interval = options.interval_ms ?? 20;
  if (!(timeout >= 0)) {
    throw new RangeError(`Cannot wait for ${what} as timeout_ms must be >= 0: current value is ${timeout}`);
  }
  if (!(interval >= 0)) {
    throw new RangeError(`Cannot wait for ${what} as interval_ms must be >= 0: current value is ${interval}`);
  }
  const deadline = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
