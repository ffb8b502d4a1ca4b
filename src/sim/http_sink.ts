/**
 * Sends OTLP/HTTP protobuf to a receiver (`POST {base}/v1/{traces,metrics,logs}`, the OTLP/HTTP spec),
 * retrying 429, 502, 503, 504 and connection failures with exponential backoff, honouring Retry-After.
 */
import type { OtlpSignal } from "../bus/subjects.ts";
import type { OtlpSink, SinkCounters } from "./sink.ts";

export interface HttpSinkOptions {
  /** Attempts per message before giving up. @default 8 */
  max_attempts?: number;
  /** First backoff; doubles per attempt, capped at 5 s. @default 100 */
  backoff_ms?: number;
  /** Largest request body sent in one piece. @default 4194304 */
  max_message_bytes?: number;
  /** Extra headers (e.g. a tenant header). */
  headers?: Record<string, string>;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

export function createHttpSink(base_url: string, options: HttpSinkOptions = {}): OtlpSink {
  let url: URL;
  try {
    url = new URL(base_url);
  } catch {
    throw new RangeError(`Cannot send OTLP/HTTP as the target is not a URL: current value is ${base_url}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`Cannot send OTLP/HTTP as the target must be http(s): current value is ${base_url}`);
  }
  const base = url.href.replace(/\/+$/, "");
  const maxAttempts = options.max_attempts ?? 8;
  const backoff = options.backoff_ms ?? 100;
  const counters: SinkCounters = { messages: 0, bytes: 0, retries: 0 };
  const inflight = new Set<AbortController>();
  let closed = false;

  async function send(signal: OtlpSignal, bytes: Uint8Array) {
    if (closed) throw new Error(`Cannot send to ${base} as the sink is closed`);
    const endpoint = `${base}/v1/${signal}`;
    let lastError = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const ac = new AbortController();
      inflight.add(ac);
      let wait = Math.min(5_000, backoff * 2 ** (attempt - 1));
      try {
        const res = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf", ...options.headers },
          body: bytes as Uint8Array<ArrayBuffer>,
          signal: ac.signal,
        });
        const body = await res.arrayBuffer();
        if (res.ok) {
          counters.messages++;
          counters.bytes += bytes.length;
          return;
        }
        lastError = `HTTP ${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`;
        if (!RETRYABLE.has(res.status)) break;
        const ra = Number(res.headers.get("retry-after"));
        if (Number.isFinite(ra) && ra > 0) wait = Math.min(30_000, ra * 1000);
      } catch (e) {
        if (closed) throw new Error(`Cannot send to ${endpoint} as the sink was closed`);
        lastError = (e as Error).message;
      } finally {
        inflight.delete(ac);
      }
      if (attempt < maxAttempts) {
        counters.retries++;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    throw new Error(`Cannot send OTLP ${signal} to ${endpoint}: ${lastError}`);
  }

  const sink: OtlpSink = {
    target: base,
    max_message_bytes: options.max_message_bytes ?? 4 * 1024 * 1024,
    counters,
    send: (signal, bytes) => send(signal, bytes),
    close() {
      closed = true;
      for (const ac of inflight) ac.abort();
      return Promise.resolve();
    },
    [Symbol.asyncDispose]() {
      return sink.close();
    },
  };
  return sink;
}
