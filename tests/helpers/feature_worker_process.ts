/**
 * A feature worker in a process of its own (src/features/feature_worker_main.ts), for tests that kill one
 * with SIGKILL mid-stream and start another.
 */
export function spawnFeatureWorker(
  nats_url: string,
  options: { window_ms: number; batch_size: number; args?: string[]; stdout?: "null" | "piped" },
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../src/features/feature_worker_main.ts", import.meta.url).pathname,
      "--nats-url",
      nats_url,
      "--window-ms",
      String(options.window_ms),
      "--batch-size",
      String(options.batch_size),
      ...(options.args ?? []),
    ],
    stdout: options.stdout ?? "null",
    stderr: "null",
  }).spawn();
}

/**
 * `until` (the worker's exit, or its output), unless the worker is still running after `timeout_ms`: then
 * it is killed and the test fails (a worker started with `--kill-at` that never reaches its kill point
 * would otherwise keep the test waiting forever).
 */
export async function beforeTimeout<R>(
  worker: Deno.ChildProcess,
  until: Promise<R>,
  timeout_ms = 60_000,
): Promise<R> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        worker.kill("SIGKILL");
      } catch { /* exited meanwhile */ }
      reject(new Error(`the worker was still running after ${timeout_ms} ms (its kill point never came)`));
    }, timeout_ms);
  });
  try {
    return await Promise.race([until, expired]);
  } finally {
    clearTimeout(timer);
  }
}
