/**
 * Wires every stage that exists into one process: the (embedded) NATS server, the streams, the OTLP
 * receiver on :4318, the API on :8080, and the processing stages. The only module that knows them all.
 *
 * Lifecycle: `startVigil()` resolves when everything accepts work; `close()` stops accepting (HTTP
 * servers finish in-flight requests), drains the stages, closes NATS and stops the embedded server.
 * `close()` is safe twice.
 */
import { apiApp } from "../api/app.ts";
import { otlpApp } from "../api/otlp_app.ts";
import { type Bus, connectBus } from "../bus/connection.ts";
import { ensureStreams } from "../bus/streams.ts";
import type { VigilConfig } from "../config/schema.ts";
import { OtlpReceiver } from "../ingest/otlp_receiver.ts";
import { isListening, type LocalNatsServer, startLocalNatsServer } from "./nats_server.ts";
import { type FeaturesStageHandle, type IncidentsStageHandle, type StageHandle, STAGES } from "./stages.ts";

export interface VigilHandle extends AsyncDisposable {
  readonly config: VigilConfig;
  readonly bus: Bus;
  readonly nats_url: string;
  /** Actual ports (a configured 0 picks a free one). */
  readonly otlp_http_port: number;
  readonly api_port: number;
  readonly receiver: OtlpReceiver;
  readonly stages: ReadonlyMap<string, StageHandle>;
  close(): Promise<void>;
}

export interface StartVigilOptions {
  /** One line per lifecycle event (start, effective config, stop). @default console.error */
  log?: (line: string) => void;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export async function startVigil(config: VigilConfig, options: StartVigilOptions = {}): Promise<VigilHandle> {
  const log = options.log ?? ((l: string) => console.error(l));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => log(`vigil: shutdown step failed: ${e}`));
    cleanups.length = 0;
  };
  try {
    const { url: natsUrl, server } = await ensureNats(config, log);
    if (server) cleanups.push(() => server.stop());
    const bus = await connectBus(natsUrl, { name: "vigil" });
    cleanups.push(() => bus.close());
    const { created, updated } = await ensureStreams(bus, {
      overrides: config.nats.streams,
      replicas: config.nats.replicas,
    });
    if (created.length || updated.length) {
      log(`vigil: streams created [${created.join(", ")}] updated [${updated.join(", ")}]`);
    }

    const stages = new Map<string, StageHandle>();
    for (const stage of STAGES) {
      if (!stage.enabled(config)) continue;
      const h = await stage.start({ config, bus, nats_url: natsUrl, log, started: stages });
      stages.set(stage.name, h);
      cleanups.push(() => h.close());
    }

    const receiver = new OtlpReceiver(bus, {
      max_body_bytes: config.otlp_http.max_body_bytes,
      max_message_bytes: config.otlp_http.max_message_bytes,
      publish_timeout_ms: config.otlp_http.publish_timeout_ms,
      retry_after_s: config.otlp_http.retry_after_s,
      default_tenant: config.tenant.default,
      tenant_header: config.tenant.header,
    });
    let otlpPort = 0;
    if (config.otlp_http.enabled) {
      const srv = Deno.serve(
        { hostname: config.otlp_http.host, port: config.otlp_http.port, onListen: () => {} },
        otlpApp(receiver).fetch,
      );
      otlpPort = srv.addr.port;
      cleanups.push(() => srv.shutdown());
    }
    let apiPort = 0;
    if (config.api.enabled) {
      const srv = Deno.serve(
        { hostname: config.api.host, port: config.api.port, onListen: () => {} },
        apiApp({
          ready: () => bus.connected,
          ...apiQueries(stages),
          counters: () => ({
            otlp_receiver: { ...receiver.stats },
            ...Object.fromEntries([...stages].map(([n, h]) => [n, h.counters?.() ?? {}])),
          }),
        }).fetch,
      );
      apiPort = srv.addr.port;
      cleanups.push(() => srv.shutdown());
    }
    log(
      `vigil: started; nats ${natsUrl}${
        server ? " (embedded)" : ""
      }, otlp/http ${config.otlp_http.host}:${otlpPort}, ` +
        `api ${config.api.host}:${apiPort}, stages [${[...stages.keys()].join(", ")}]`,
    );
    let closed = false;
    const handle: VigilHandle = {
      config,
      bus,
      nats_url: natsUrl,
      otlp_http_port: otlpPort,
      api_port: apiPort,
      receiver,
      stages,
      async close() {
        if (closed) return;
        closed = true;
        await cleanup();
        log("vigil: stopped");
      },
      [Symbol.asyncDispose]: () => handle.close(),
    };
    return handle;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The API's query functions over the stages that run here. */
function apiQueries(stages: ReadonlyMap<string, StageHandle>) {
  const engine = (stages.get("features") as FeaturesStageHandle | undefined)?.engine;
  const incidents = stages.get("incidents") as IncidentsStageHandle | undefined;
  return {
    ...(incidents ? { incidents: () => incidents.incidents() } : {}),
    ...(engine
      ? {
        services: (tenant: string) => engine.store.services(tenant),
        features: (tenant: string, service: string, limit: number) =>
          engine.store.recent(service, { tenant, limit }),
      }
      : {}),
    ...(engine?.graph ? { graph: (tenant: string, t: number) => engine.graph!.asOf(t, { tenant }) } : {}),
  };
}

/** Connects to the configured NATS, or starts the embedded one when allowed and nothing answers. */
async function ensureNats(
  config: VigilConfig,
  log: (l: string) => void,
): Promise<{ url: string; server?: LocalNatsServer }> {
  const url = new URL(config.nats.url.replace(/^nats:/, "http:"));
  const host = url.hostname;
  const port = Number(url.port || 4222);
  const local = LOOPBACK.has(host);
  const mode = config.nats.embedded;
  if (mode === "never" || !local) return { url: config.nats.url };
  const listening = await isListening(host === "localhost" ? "127.0.0.1" : host.replace(/[[\]]/g, ""), port);
  if (listening) {
    if (mode === "always") {
      throw new Error(`Cannot start the embedded nats-server as ${host}:${port} is in use`);
    }
    return { url: config.nats.url };
  }
  log(`vigil: starting the embedded nats-server on ${host}:${port}, data in ${config.nats.store_dir}`);
  const server = await startLocalNatsServer({
    host: host === "localhost" ? "127.0.0.1" : host,
    port,
    store_dir: config.nats.store_dir,
    max_payload_bytes: config.nats.max_payload_bytes,
  });
  return { url: server.url, server };
}
