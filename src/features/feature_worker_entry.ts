/**
 * Deno Worker entry point of a feature worker (started by src/features/engine.ts). Protocol:
 * → { type: "start", nats_url, options }   ← { type: "counters", counters } every 250 ms
 * → { type: "stop" }                         ← { type: "stopped", counters }
 */
/// <reference lib="deno.worker" />
import { connectBus } from "../bus/connection.ts";
import { type FeatureWorkerOptions, newWorkerCounters, runFeatureWorker } from "./feature_worker.ts";

const counters = newWorkerCounters();
const abort = new AbortController();
let done: Promise<void> | undefined;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as { type: "start"; nats_url: string; options: Omit<FeatureWorkerOptions, "signal"> } | {
    type: "stop";
  };
  if (msg.type === "start") {
    const bus = await connectBus(msg.nats_url, { name: "vigil-feature-worker" });
    const timer = setInterval(() => self.postMessage({ type: "counters", counters }), 250);
    done = runFeatureWorker(bus, { ...msg.options, signal: abort.signal, counters }).finally(async () => {
      clearInterval(timer);
      await bus.close();
    });
    self.postMessage({ type: "started" });
  } else if (msg.type === "stop") {
    abort.abort();
    await done?.catch(() => {});
    self.postMessage({ type: "stopped", counters });
  }
};
