/**
 * Starts a whole Vigil (real nats-server, streams, receiver, API) on free ports for a test.
 *
 * ```ts
 * await using t = await startTestVigil();
 * await fetch(`${t.otlp_url}/v1/traces`, ...);
 * const msgs = await t.streamMessages("OTLP");
 * ```
 */
import { parseConfig } from "../../src/config/load.ts";
import { startVigil, type VigilHandle } from "../../src/runtime/vigil.ts";
import { type NatsServerHandle, startNatsServer } from "./nats_server.ts";

export interface TestVigil extends AsyncDisposable {
  readonly nats: NatsServerHandle;
  readonly vigil: VigilHandle;
  /** http://127.0.0.1:<port> of the OTLP receiver */
  readonly otlp_url: string;
  /** http://127.0.0.1:<port> of the API */
  readonly api_url: string;
  /** Every message stored in a stream, in order, with its subject. */
  streamMessages(stream: string): Promise<{ subject: string; data: Uint8Array; seq: number }[]>;
}

export async function startTestVigil(config: Record<string, unknown> = {}): Promise<TestVigil> {
  const nats = await startNatsServer();
  try {
    const cfg = parseConfig(
      {
        ...config,
        nats: { url: nats.url, embedded: "never", ...(config.nats as object ?? {}) },
        otlp_http: { port: 0, ...(config.otlp_http as object ?? {}) },
        api: { port: 0, ...(config.api as object ?? {}) },
      },
      "test",
      { env: {} },
    );
    const vigil = await startVigil(cfg, { log: () => {} });
    return {
      nats,
      vigil,
      otlp_url: `http://127.0.0.1:${vigil.otlp_http_port}`,
      api_url: `http://127.0.0.1:${vigil.api_port}`,
      async streamMessages(stream: string) {
        const jsm = await vigil.bus.jsm();
        const info = await jsm.streams.info(stream);
        const out = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
          const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (m) out.push({ subject: m.subject, data: m.data, seq });
        }
        return out;
      },
      async [Symbol.asyncDispose]() {
        await vigil.close();
        await nats[Symbol.asyncDispose]();
      },
    };
  } catch (e) {
    await nats[Symbol.asyncDispose]();
    throw e;
  }
}
