/**
 * Runs feature workers as a process (scale-out, or crash tests):
 *   deno run -A src/features/feature_worker_main.ts --nats-url nats://127.0.0.1:4222 [--window-ms 10000]
 *     [--batch-size 64]
 * Stops on SIGTERM / SIGINT after the batch in flight. Prints one JSON line of counters on exit.
 */
import { connectBus } from "../bus/connection.ts";
import { newWorkerCounters, runFeatureWorker } from "./feature_worker.ts";

function arg(name: string, fallback?: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

if (import.meta.main) {
  const url = arg("nats-url", "nats://127.0.0.1:4222")!;
  const abort = new AbortController();
  for (const s of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(s, () => abort.abort());
  const bus = await connectBus(url, { name: "vigil-feature-worker" });
  const counters = newWorkerCounters();
  console.error(JSON.stringify({ event: "start", nats_url: url }));
  await runFeatureWorker(bus, {
    window_ms: Number(arg("window-ms", "10000")),
    batch_size: Number(arg("batch-size", "64")),
    signal: abort.signal,
    counters,
  });
  await bus.close();
  console.log(JSON.stringify(counters));
}
