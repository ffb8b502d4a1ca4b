/**
 * The NATS connection (src/bus is the only place that imports NATS). One connection per process, with
 * endless reconnects; `connected` tracks the live state so publishers can fail fast while NATS is away
 * instead of queueing requests they cannot acknowledge. Messages larger than a socket read are received in
 * one exact-size buffer each (src/bus/presize_payloads.ts).
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { presizeSplitPayloads } from "./presize_payloads.ts";

export interface Bus extends AsyncDisposable {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  jsm(): Promise<JetStreamManager>;
  /** False between a disconnect and the next reconnect. */
  readonly connected: boolean;
  /** Drains and closes. Safe to call twice. */
  close(): Promise<void>;
}

export interface ConnectBusOptions {
  /** Client name shown by the server. @default "vigil" */
  name?: string;
  /** How long to keep trying the first connection. @default 30000 */
  connect_timeout_ms?: number;
}

export async function connectBus(url: string, options: ConnectBusOptions = {}): Promise<Bus> {
  const deadline = Date.now() + (options.connect_timeout_ms ?? 30_000);
  let nc: NatsConnection | undefined;
  let lastError: unknown;
  while (!nc) {
    try {
      nc = await connect({
        servers: url,
        name: options.name ?? "vigil",
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: 2_000,
      });
    } catch (e) {
      lastError = e;
      if (Date.now() > deadline) {
        throw new Error(`Cannot connect to NATS at ${url}: ${(e as Error).message}`, { cause: lastError });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const conn = nc;
  // large messages (OTLP requests) are read in one exact-size buffer, not a doubling one
  presizeSplitPayloads(conn);
  let connected = true;
  (async () => {
    for await (const s of conn.status()) {
      if (s.type === "disconnect" || s.type === "reconnecting" || s.type === "staleConnection") {
        connected = false;
      } else if (s.type === "reconnect") connected = true;
    }
  })().catch(() => {});
  let closed = false;
  let manager: JetStreamManager | undefined;
  const bus: Bus = {
    nc: conn,
    js: jetstream(conn),
    async jsm() {
      return manager ??= await jetstreamManager(conn);
    },
    get connected() {
      return connected && !conn.isClosed();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await conn.drain();
      } catch {
        await conn.close().catch(() => {});
      }
    },
    [Symbol.asyncDispose]() {
      return bus.close();
    },
  };
  return bus;
}
