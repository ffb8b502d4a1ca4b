import assert from "node:assert/strict";
import type { FeatureRecord, OperationFeatures } from "../core/feature_record.ts";
import { detectionIndicators, featureIndicators } from "./feature_indicators.ts";

const lat = (p: number) => ({ p50: p, p90: p, p95: p, p99: p, mean: p, max: p });
const op = (operation: string, count: number, ms: number): OperationFeatures => ({
  operation,
  count,
  error_count: 0,
  latency_ms: lat(ms),
});

function record(operations: OperationFeatures[], latency_p90: number): FeatureRecord {
  const count = operations.reduce((n, o) => n + o.count, 0);
  return {
    schema_version: 1,
    tenant: "t",
    service: "orders",
    window_start_ms: 0,
    window_end_ms: 10_000,
    count,
    error_count: 0,
    rate_per_s: count / 10,
    error_rate: 0,
    latency_ms: { ...lat(5), p90: latency_p90 },
    operations,
    operations_overflowed: 0,
    instances: [],
    metrics: [],
    logs: { count: 0, by_severity: {}, templates: [] },
  };
}

Deno.test("featureIndicators() weighs the operations' quantiles by their spans (a mix shift moves it a little)", () => {
  // 89 % fast, 11 % slow: the service-wide p90 sits in the slow mode, the weighted mean does not jump
  const v = featureIndicators(record([op("GET", 89, 5), op("POST", 11, 20)], 20));
  assert.ok(Math.abs(v.get("latency_p90")! - (89 * 5 + 11 * 20) / 100) < 1e-9);
});

Deno.test("featureIndicators() keeps the service's quantiles with a single operation", () => {
  const v = featureIndicators(record([op("GET", 50, 5)], 7));
  assert.equal(v.get("latency_p90"), 7);
});

Deno.test("detectionIndicators() leaves out the quantiles too few spans support, and the ratios", () => {
  const v = featureIndicators(record([op("GET", 60, 5)], 7));
  const d = detectionIndicators(v, { spans: 60 });
  assert.ok(d.has("latency_p50") && d.has("latency_p90"));
  assert.ok(!d.has("latency_p99")); // 60 spans put 0.6 above the p99
  assert.ok(!d.has("error_rate"));
  assert.ok(detectionIndicators(v).has("latency_p99")); // no span count: nothing to judge by
});

Deno.test("featureIndicators() adds restart counts up over instances, and detectors do not score them", () => {
  const gauge = (name: string, instance: string, last: number): FeatureRecord["metrics"][number] => ({
    name,
    kind: "gauge",
    unit: "1",
    instance,
    labels: "",
    points: 1,
    last,
    min: last,
    max: last,
    mean: last,
    rate_per_s: null,
    count: null,
    sum: null,
  });
  const rec = {
    ...record([op("GET", 60, 5)], 7),
    metrics: [
      gauge("k8s.container.restart_count", "a", 5),
      gauge("k8s.container.restart_count", "b", 0),
      gauge("k8s.container.restart_count", "c", 0),
      gauge("k8s.pod.cpu.usage", "a", 0.2),
      gauge("k8s.pod.cpu.usage", "b", 0.4),
    ],
  };
  const v = featureIndicators(rec);
  // a mean (1.67) would rise to 5 when the replicas without restarts go away
  assert.equal(v.get("k8s.container.restart_count"), 5);
  assert.ok(Math.abs(v.get("k8s.pod.cpu.usage")! - 0.3) < 1e-12);
  assert.ok(!detectionIndicators(v).has("k8s.container.restart_count"));
});
