/**
 * Vigil's configuration: one zod schema that is also the one place the defaults are documented.
 * Keys are snake_case nouns with unit suffixes; unknown keys are rejected. config/vigil.yaml spells out
 * every default (config_test.ts keeps it equal to this schema).
 */
import { z } from "zod";
import { TENANT_RE } from "../bus/subjects.ts";

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
/** A positive integer whose error names the value given. */
const positiveIntNamed = z.number().refine((x) => Number.isInteger(x) && x > 0, {
  error: (iss) => `must be an integer > 0: current value is ${JSON.stringify(iss.input)}`,
});

export const StreamOverrideSchema = z.strictObject({
  /** Size cap of the stream, bytes. */
  max_bytes: positiveInt.optional(),
  /** Age cap of messages, ms. */
  max_age_ms: positiveInt.optional(),
});

export const ConfigSchema = z.strictObject({
  tenant: z.strictObject({
    /** Tenant of data that names none. */
    default: z.string().regex(TENANT_RE, "must be 1-64 of [A-Za-z0-9_-]").default("default"),
    /** HTTP header that names the tenant of a request. */
    header: z.string().min(1).default("x-vigil-tenant"),
  }).prefault({}),
  nats: z.strictObject({
    /** Env VIGIL_NATS_URL. */
    url: z.string().regex(/^(nats|tls|ws|wss):\/\//, "must be a nats:// URL").default(
      "nats://127.0.0.1:4222",
    ),
    /**
     * auto: start a local nats-server (JetStream, data in store_dir) when the URL is on this machine and
     * nothing answers there; always: fail if one is already running; never: only connect.
     */
    embedded: z.enum(["auto", "always", "never"]).default("auto"),
    /** Where the embedded nats-server keeps its JetStream data (relative to the project root). */
    store_dir: z.string().min(1).default(".vigil/nats"),
    /** Max message payload of the embedded server, bytes. */
    max_payload_bytes: positiveInt.default(8 * 1024 * 1024),
    /** Stream replicas: 1 on one box, 3 on a cluster. */
    replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(1),
    /** Per-stream overrides of nats/streams.json, by stream name. */
    streams: z.record(z.string(), StreamOverrideSchema).default({}),
  }).prefault({}),
  otlp_http: z.strictObject({
    enabled: z.boolean().default(true),
    /** Env VIGIL_OTLP_HTTP_HOST. Loopback by default, as the OpenTelemetry Collector does. */
    host: z.string().min(1).default("127.0.0.1"),
    /** Env VIGIL_OTLP_HTTP_PORT. */
    port: port.default(4318),
    /** Largest accepted body after decompression, bytes (larger: 413). */
    max_body_bytes: positiveInt.default(20 * 1024 * 1024),
    /** Largest NATS message; larger requests are split by resource, then by item. */
    max_message_bytes: positiveInt.default(4 * 1024 * 1024),
    /** How long to wait for JetStream's acknowledgement before answering 503. */
    publish_timeout_ms: positiveInt.default(5_000),
    /** Retry-After on 503 and 429, seconds. */
    retry_after_s: positiveInt.default(2),
  }).prefault({}),
  api: z.strictObject({
    enabled: z.boolean().default(true),
    /** Env VIGIL_API_HOST. */
    host: z.string().min(1).default("127.0.0.1"),
    /** Env VIGIL_API_PORT. */
    port: port.default(8080),
  }).prefault({}),
  features: z.strictObject({
    enabled: z.boolean().default(true),
    /** Feature workers (Deno Workers) sharing the OTLP consumer; 0 = none in this process. */
    workers: z.number().int().min(0).max(64).default(1),
    /** Tumbling event-time window. */
    window_ms: positiveInt.default(10_000),
    /** Bounded out-of-orderness before a window closes. */
    max_out_of_order_ms: z.number().int().min(0).default(5_000),
    /** Data later than the window close by more than this goes to vigil.late.> (counted). */
    allowed_lateness_ms: z.number().int().min(0).default(5_000),
    /** Operations tracked per service; the rest fold into "__overflow__". */
    max_operations: positiveInt.default(200),
    /** Close open windows after this long without input (end of a stream); 0 = never. */
    idle_flush_ms: z.number().int().min(0).default(30_000),
    /** Hard cap on operations held per open window (memory bound); null = 4 × max_operations. */
    max_operations_held: positiveIntNamed.nullable().default(null),
    /** Metric series per service kept in a record; the rest are dropped and counted. */
    max_metric_series: positiveIntNamed.default(2_000),
    /** Hard cap on metric series held per open window (memory bound); null = 2 × max_metric_series. */
    max_metric_series_held: positiveIntNamed.nullable().default(null),
    /** Log templates (clusters) per service kept in a record. */
    max_templates: positiveIntNamed.default(500),
    /** A cumulative series' last point stays the baseline of its next window for this long (event time). */
    series_ttl_ms: positiveIntNamed.default(600_000),
    /** Drain-style log template clusters kept per service. */
    max_log_clusters: positiveIntNamed.default(1_000),
    /** Share of token positions that must agree for two log templates to merge, in (0, 1]. */
    log_similarity: z.number().refine((x) => x > 0 && x <= 1, {
      error: (iss) => `must be in (0, 1]: current value is ${iss.input}`,
    }).default(0.5),
    /** A log template cluster not seen for this long (event time) is forgotten. */
    log_cluster_ttl_ms: positiveIntNamed.default(3_600_000),
    /**
     * Keep the reducer's state across windows (cumulative baselines, log clusters) in KV vigil_reducer_state,
     * so that a restart changes no record.
     */
    persist_state: z.boolean().default(true),
  }).prefault({}).superRefine((f, ctx) => {
    for (
      const [held, kept] of [["max_operations_held", "max_operations"], [
        "max_metric_series_held",
        "max_metric_series",
      ]] as const
    ) {
      const h = f[held];
      if (h !== null && h < f[kept]) {
        ctx.addIssue({
          code: "custom",
          path: [held],
          message: `must be >= ${kept} (${f[kept]}) or null: current value is ${h}`,
        });
      }
    }
  }),
  incidents: z.strictObject({
    enabled: z.boolean().default(true),
    /** A detector from src/detect/registry.ts, and its config. */
    detector: z.string().min(1).default("robust_effect"),
    detector_config: z.record(z.string(), z.unknown()).default({}),
    /** A localizer from src/localize/registry.ts, and its config. */
    localizer: z.string().min(1).default("anomaly_descent"),
    localizer_config: z.record(z.string(), z.unknown()).default({}),
    /** Windows of history handed to the localizer. */
    history_windows: z.number().int().min(2).default(90),
    /** FEATURES history replayed on start to warm the detectors. */
    replay_history_ms: z.number().int().min(0).default(3_600_000),
    /** User-facing services (their involvement raises severity). */
    entry_services: z.array(z.string()).default([]),
    /** Consecutive anomalous windows before a new incident opens (the onset is the first of them). */
    open_after_windows: z.number().int().min(1).default(2),
    /** Quiet windows before an incident resolves. */
    recovery_windows: z.number().int().min(1).default(3),
    /**
     * Optional rewrite of each incident's templated report by an LLM behind an OpenAI-compatible
     * `{url}/chat/completions`, stored beside the templated report (src/incident/report_rewriter.ts).
     */
    report_llm: z.strictObject({
      enabled: z.boolean().default(false),
      /** Base URL, e.g. http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1. */
      url: z.string().default(""),
      model: z.string().default(""),
      /** Environment variable holding the API key (sent as a bearer token); "" for none. */
      api_key_env: z.string().default(""),
      /** Budget for one answer; the incident never waits for it. */
      timeout_ms: positiveInt.default(30_000),
      max_tokens: positiveInt.default(800),
    }).prefault({}).superRefine((c, ctx) => {
      if (!c.enabled) return;
      if (!/^https?:\/\/[^/]/.test(c.url)) {
        ctx.addIssue({
          code: "custom",
          path: ["url"],
          message: `must be an http(s):// URL when enabled: current value is "${c.url}"`,
        });
      }
      if (!c.model) {
        ctx.addIssue({ code: "custom", path: ["model"], message: "must name a model when enabled" });
      }
    }),
  }).prefault({}),
  shutdown: z.strictObject({
    /** Drain budget on SIGINT/SIGTERM before exiting anyway, ms. */
    timeout_ms: positiveInt.default(10_000),
  }).prefault({}),
});

export type VigilConfig = z.infer<typeof ConfigSchema>;
