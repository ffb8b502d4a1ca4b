import { assert, assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { parse as parseYaml } from "yaml";
import { ConfigError, loadConfig, parseConfig } from "./load.ts";

Deno.test("parseConfig() fills every default from an empty file", () => {
  const c = parseConfig({}, "t", { env: {} });
  assertEquals(c.nats.url, "nats://127.0.0.1:4222");
  assertEquals(c.otlp_http.port, 4318);
  assertEquals(c.api.port, 8080);
  assertEquals(c.tenant.default, "default");
});

Deno.test("parseConfig() applies VIGIL_* environment overrides", () => {
  const c = parseConfig({}, "t", {
    env: { VIGIL_NATS_URL: "nats://10.0.0.1:4222", VIGIL_OTLP_HTTP_PORT: "14318", VIGIL_API_PORT: "18080" },
  });
  assertEquals([c.nats.url, c.otlp_http.port, c.api.port], ["nats://10.0.0.1:4222", 14318, 18080]);
});

Deno.test("parseConfig() reports every problem at once, each with its path", () => {
  const err = assertThrows(
    () =>
      parseConfig(
        { otlp_http: { port: "x", max_body_bytes: -1 }, nats: { url: "http://x" }, bogus: 1 },
        "vigil.yaml",
        { env: { VIGIL_API_PORT: "eighty" } },
      ),
    ConfigError,
  );
  const text = err.problems.join("\n");
  for (const p of ["otlp_http.port", "otlp_http.max_body_bytes", "nats.url", "bogus", "VIGIL_API_PORT"]) {
    assert(text.includes(p), `missing ${p} in:\n${text}`);
  }
  assert(err.message.includes("vigil.yaml"));
});

Deno.test("config/vigil.yaml spells out exactly the schema's defaults", async () => {
  const file = new URL("../../config/vigil.yaml", import.meta.url);
  const fromFile = parseYaml(await Deno.readTextFile(file));
  assertEquals(parseConfig(fromFile, "file", { env: {} }), parseConfig({}, "defaults", { env: {} }));
  assertEquals(fromFile, parseConfig({}, "defaults", { env: {} }));
});

Deno.test("loadConfig() names the file when it cannot be read or parsed", async () => {
  try {
    await loadConfig("/nonexistent/vigil.yaml", { env: {} });
    throw new Error("expected a ConfigError");
  } catch (e) {
    assert(e instanceof ConfigError && e.message.includes("/nonexistent/vigil.yaml"), String(e));
  }
});

Deno.test("parseConfig() rejects incidents.report_llm enabled without a URL or a model, naming both", () => {
  const err = assertThrows(
    () =>
      parseConfig({ incidents: { report_llm: { enabled: true, url: "localhost:11434" } } }, "t", { env: {} }),
    ConfigError,
  );
  const text = err.problems.join("\n");
  assert(text.includes("incidents.report_llm.url") && text.includes("localhost:11434"), text);
  assert(text.includes("incidents.report_llm.model"), text);
  const ok = parseConfig(
    { incidents: { report_llm: { enabled: true, url: "http://127.0.0.1:11434/v1", model: "qwen2.5:3b" } } },
    "t",
    { env: {} },
  );
  assertEquals(ok.incidents.report_llm.timeout_ms, 30_000);
});

Deno.test("parseConfig() reads the feature reducer's caps and ttls, and names a bad value", () => {
  const c = parseConfig({ features: { series_ttl_ms: 120_000, log_similarity: 0.7 } }, "t", { env: {} });
  assertEquals([c.features.series_ttl_ms, c.features.log_similarity, c.features.max_log_clusters], [
    120_000,
    0.7,
    1_000,
  ]);
  const err = assertThrows(
    () =>
      parseConfig(
        {
          features: {
            log_similarity: 1.5,
            max_log_clusters: 2.5,
            max_metric_series: 100,
            max_metric_series_held: 50,
          },
        },
        "t",
        { env: {} },
      ),
    ConfigError,
  );
  const text = err.problems.join("\n");
  for (
    const p of [
      "features.log_similarity: must be in (0, 1]: current value is 1.5",
      "features.max_log_clusters: must be an integer > 0: current value is 2.5",
      "features.max_metric_series_held: must be >= max_metric_series (100) or null: current value is 50",
    ]
  ) assert(text.includes(p), `missing "${p}" in:\n${text}`);
});
