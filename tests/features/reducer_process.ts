/**
 * A reducer-only feature engine as its own process, for crash tests (tests/features/reducer_restart_test.ts):
 *   deno run -A tests/features/reducer_process.ts --nats-url URL [--kill-at STEP:CLOSE] [--idle-flush-ms MS]
 * Prints one JSON line of the reducer's counters at each step of a close, once started (after restoring
 * its state and merging again what was not acked), and on SIGTERM before exiting. `--kill-at records_published:2` sends itself SIGKILL at that step of its second
 * close that closed windows (steps: records_published, states_written, state_committed).
 */
import { type CloseStep, startFeatureEngine } from "../../src/features/engine.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

const [killStep, killClose] = (arg("kill-at") ?? ":").split(":");
const engine = await startFeatureEngine({
  nats_url: arg("nats-url")!,
  workers: 0,
  graph: false,
  ensure_streams: false,
  window_ms: 10_000,
  max_out_of_order_ms: 5_000,
  allowed_lateness_ms: 5_000,
  idle_flush_ms: Number(arg("idle-flush-ms") ?? 0),
  partial_batch_size: 4,
  partial_ack_wait_ms: 2_000,
  on_close_step: (step: CloseStep, { close, counters }) => {
    console.log(JSON.stringify({ event: step, close, reducer: counters }));
    if (step === killStep && close === Number(killClose)) Deno.kill(Deno.pid, "SIGKILL");
  },
});
console.log(JSON.stringify({ event: "started", reducer: engine.counters().reducer }));
Deno.addSignalListener("SIGTERM", async () => {
  await engine.close();
  console.log(JSON.stringify({ event: "stopped", reducer: engine.counters().reducer }));
  Deno.exit(0);
});
