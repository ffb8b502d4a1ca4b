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
