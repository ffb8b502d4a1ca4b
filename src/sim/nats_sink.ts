/**
 * Publishes OTLP protobuf straight to NATS on `otlp.v1.{signal}.{tenant}` — what Vigil's receiver would
 * publish — through src/bus. By default through JetStream with `Nats-Msg-Id` (resolves on PubAck, so a
 * replayed run deduplicates); `core: true` publishes fire-and-forget (no stream needed, nothing stored).
 */
import { connectBus } from "../bus/connection.ts";
import { publishDurable } from "../bus/publish.ts";
import { DEFAULT_TENANT, type OtlpSignal, subjects, TENANT_RE } from "../bus/subjects.ts";
import type { OtlpSink, SinkCounters } from "./sink.ts";

export interface NatsSinkOptions {
  /** @default "default" */
  tenant?: string;
  /** Core publish instead of JetStream. @default false */
  core?: boolean;
  /** Attempts per message when JetStream does not acknowledge. @default 5 */
  max_attempts?: number;
  /** How long to keep trying the first connection. @default 10000 */
  connect_timeout_ms?: number;
}

export async function createNatsSink(url: string, options: NatsSinkOptions = {}): Promise<OtlpSink> {
  const tenant = options.tenant ?? DEFAULT_TENANT;
  if (!TENANT_RE.test(tenant)) {
    throw new RangeError(
      `Cannot publish to NATS as the tenant must match ${TENANT_RE}: current value is ${tenant}`,
    );
  }
  const bus = await connectBus(url, {
    name: "vigil-simulator",
    connect_timeout_ms: options.connect_timeout_ms ?? 10_000,
  });
  const counters: SinkCounters = { messages: 0, bytes: 0, retries: 0 };
  const maxAttempts = options.max_attempts ?? 5;
  // Leave room for headers under the server's max_payload.
  const maxBytes = Math.max(1024, bus.nc.info?.max_payload ?? 1024 * 1024) - 4096;

  async function send(signal: OtlpSignal, bytes: Uint8Array, msg_id: string) {
    const subject = subjects.otlp(signal, tenant);
    if (options.core) {
      bus.nc.publish(subject, bytes);
      counters.messages++;
      counters.bytes += bytes.length;
      return;
    }
    for (let attempt = 1;; attempt++) {
      try {
        await publishDurable(bus, subject, bytes, { msg_id });
        counters.messages++;
        counters.bytes += bytes.length;
        return;
      } catch (e) {
        const msg = (e as Error).message;
        if (/no responders|503|jetstream is not enabled/i.test(msg)) {
          throw new Error(
            `Cannot publish to ${subject} at ${url}: no JetStream stream takes it (start Vigil, which creates the OTLP stream, or use core publish)`,
          );
        }
        if (attempt >= maxAttempts) throw new Error(`Cannot publish to ${subject} at ${url}: ${msg}`);
        counters.retries++;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  const sink: OtlpSink = {
    target: url,
    max_message_bytes: maxBytes,
    counters,
    send: (signal, bytes, { msg_id }) => send(signal, bytes, msg_id),
    async close() {
      if (options.core) await bus.nc.flush().catch(() => {});
      await bus.close();
    },
    [Symbol.asyncDispose]() {
      return sink.close();
    },
  };
  return sink;
}
