/**
 * Runs feature workers as a process (scale-out, or crash tests):
 *   deno run -A src/features/feature_worker_main.ts --nats-url nats://127.0.0.1:4222 [--window-ms 10000]
 *     [--batch-size 64] [--partials-per batch|message] [--kill-at published:N]
 * Stops on SIGTERM / SIGINT after the batch in flight. Prints one JSON line of counters on exit.
 * `--kill-at published:3` (crash tests) sends itself SIGKILL once every PubAck of its third pull batch
 * that aggregated several messages is in, before acking any of them.
 */
import { connectBus } from "../bus/connection.ts";
import { newWorkerCounters, type PartialsPer, runFeatureWorker } from "./feature_worker.ts";

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
  const [killStep, killAt] = (arg("kill-at") ?? ":").split(":");
  let batches = 0;
  await runFeatureWorker(bus, {
    window_ms: Number(arg("window-ms", "10000")),
    batch_size: Number(arg("batch-size", "64")),
    partials_per: arg("partials-per", "batch") as PartialsPer,
    signal: abort.signal,
    counters,
    on_batch_step: (step, { batched }) => {
      if (step !== killStep || batched < 2) return;
      if (++batches === Number(killAt)) {
        console.log(JSON.stringify({ event: "killed", step, batches, counters }));
        Deno.kill(Deno.pid, "SIGKILL");
      }
    },
  });
  await bus.close();
  console.log(JSON.stringify(counters));
}
