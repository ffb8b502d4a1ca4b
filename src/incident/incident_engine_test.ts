import assert from "node:assert/strict";
import { FEATURE_SCHEMA_VERSION, type FeatureRecord } from "../core/feature_record.ts";
import { IncidentEngine, NOVEL_ERRORS_INDICATOR, SILENCE_INDICATOR } from "./incident_engine.ts";

const W = 10_000;

/** One service's record for one window: steady traffic and CPU (a little deterministic noise). */
function record(service: string, w: number): FeatureRecord {
  const n = 100 + ((w * 7) % 5);
  return {
    schema_version: FEATURE_SCHEMA_VERSION,
    tenant: "t",
    service,
    window_start_ms: w * W,
    window_end_ms: (w + 1) * W,
    count: n,
    error_count: 0,
    rate_per_s: n / 10,
    error_rate: 0,
    latency_ms: { p50: 5, p90: 9, p95: 10, p99: 12, mean: 6, max: 20 },
    operations: [],
    operations_overflowed: 0,
    instances: [`${service}-0`],
    metrics: [{
      name: "k8s.pod.cpu.usage",
      kind: "gauge",
      unit: "1",
      instance: `${service}-0`,
      labels: "",
      points: 1,
      last: 0.2 + ((w * 3) % 4) / 100,
      min: 0.2,
      max: 0.25,
      mean: 0.2,
      rate_per_s: null,
      count: null,
      sum: null,
    }],
    logs: { count: 0, by_severity: {}, templates: [] },
  };
}

function run(services: (w: number) => string[], windows: number, options = {}) {
  const engine = new IncidentEngine({ window_ms: W, ...options });
  const incidents = [];
  const silent = [];
  for (let w = 0; w < windows; w++) {
    for (const s of services(w)) {
      const out = engine.onRecord(record(s, w));
      incidents.push(...out.incidents);
      silent.push(
        ...out.anomalies.filter((a) => a.indicators.some((i) => i.indicator === SILENCE_INDICATOR)),
      );
    }
  }
  incidents.push(...engine.flush());
  return { incidents, silent };
}

Deno.test("IncidentEngine raises an incident for a service that stops reporting (a crashed pod sends nothing)", () => {
  const all = ["a", "b", "c", "d"];
  const { incidents, silent } = run((w) => (w >= 40 ? all.filter((s) => s !== "c") : all), 50);
  assert.ok(silent.length >= 2, "the silence is published as anomalies");
  assert.ok(silent.every((a) => a.service === "c"));
  const opened = incidents.filter((r) => r.revision === 1);
  assert.equal(opened.length, 1);
  assert.equal(opened[0].root_causes[0].service, "c");
  assert.equal(opened[0].onset_ms, 40 * W);
});

/** A restart count gauge of one instance, as the cluster reports it. */
function restartGauge(instance: string, count: number): FeatureRecord["metrics"][number] {
  return {
    name: "k8s.container.restart_count",
    kind: "gauge",
    unit: "{restart}",
    instance,
    labels: "",
    points: 1,
    last: count,
    min: count,
    max: count,
    mean: count,
    rate_per_s: null,
    count: null,
    sum: null,
  };
}

Deno.test("IncidentEngine names a crash loop by its restarts, and a record of restarts alone is a silence", () => {
  // c crashes at window 40 and loops: the cluster still reports its restart count (1, 2, 3 ...), nothing
  // else comes from it
  const engine = new IncidentEngine({ window_ms: W });
  const flagged = new Map<number, string[]>();
  const incidents = [];
  for (let w = 0; w < 50; w++) {
    for (const s of ["a", "b", "c", "d"]) {
      let rec = record(s, w);
      if (s === "c") {
        const restarts = restartGauge("c-0", w < 40 ? 0 : 1 + Math.floor((w - 40) / 3));
        rec = w < 40 ? { ...rec, metrics: [...rec.metrics, restarts] } : {
          ...rec,
          count: 0,
          rate_per_s: 0,
          latency_ms: null,
          metrics: [restarts],
        };
      }
      const out = engine.onRecord(rec);
      incidents.push(...out.incidents);
      for (const a of out.anomalies) {
        const names = a.indicators.map((i) => i.indicator);
        flagged.set(w, [...(flagged.get(w) ?? []), `${a.service}:${names.join("+")}`]);
      }
    }
  }
  incidents.push(...engine.flush());
  // a restart needs no baseline: the first one is flagged in its window, and so is each one after it
  assert.ok(
    flagged.get(40)?.some((f) => /^c:.*k8s\.container\.restart_count/.test(f)),
    JSON.stringify(flagged.get(40)),
  );
  assert.ok(flagged.get(43)?.some((f) => /^c:.*k8s\.container\.restart_count/.test(f)));
  assert.ok(!flagged.get(41)?.some((f) => /restart_count/.test(f)), "no restart, no restart anomaly");
  // the cluster's restart count is not the service reporting: it went silent too
  assert.ok(flagged.get(42)?.some((f) => f.startsWith("c:") && f.includes(SILENCE_INDICATOR)));
  const opened = incidents.filter((r) => r.revision === 1);
  assert.equal(opened.length, 1);
  assert.equal(opened[0].root_causes[0].service, "c");
});

Deno.test("IncidentEngine takes no restart from a pod replaced by a new one, or scaled away", () => {
  const engine = new IncidentEngine({ window_ms: W });
  const restartFlags: number[] = [];
  for (let w = 0; w < 50; w++) {
    for (const s of ["a", "b"]) {
      const rec = record(s, w);
      // two pods with 3 and 0 restarts; at 30 the first is replaced (a new pod, 0), at 40 the second goes
      const pods = s === "b"
        ? [
          w < 30 ? restartGauge("b-old", 3) : restartGauge("b-new", 0),
          ...(w < 40 ? [restartGauge("b-1", 0)] : []),
        ]
        : [];
      const out = engine.onRecord({ ...rec, metrics: [...rec.metrics, ...pods] });
      for (const a of out.anomalies) {
        if (a.indicators.some((i) => i.indicator === "k8s.container.restart_count")) {
          restartFlags.push(w);
        }
      }
    }
  }
  assert.deepEqual(restartFlags, []);
});

Deno.test("IncidentEngine reads each restart series on its own, however often it is reported", () => {
  const engine = new IncidentEngine({ window_ms: W });
  const flags: number[] = [];
  for (let w = 0; w < 60; w++) {
    const rec = record("a", w);
    // two containers of one pod (5 and 0 restarts, never changing), and a third series reported every
    // third window only (a cluster receiver's 30 s interval), which restarts once at window 45
    const containers = [{ ...restartGauge("a-0", 5), labels: "k8s.container.name=app" }, {
      ...restartGauge("a-0", 0),
      labels: "k8s.container.name=sidecar",
    }];
    const sparse = w % 3 === 0 ? [{ ...restartGauge("a-1", w >= 45 ? 1 : 0), labels: "" }] : [];
    engine.onRecord(record("b", w));
    const out = engine.onRecord({ ...rec, metrics: [...rec.metrics, ...containers, ...sparse] });
    for (const a of out.anomalies) {
      if (a.indicators.some((i) => i.indicator === "k8s.container.restart_count")) flags.push(w);
    }
  }
  assert.deepEqual(flags, [45]);
});

Deno.test("IncidentEngine flags nothing when most services go silent together (the telemetry stopped)", () => {
  const all = ["a", "b", "c", "d"];
  const { incidents, silent } = run((w) => (w >= 40 ? ["a"] : all), 50);
  assert.equal(silent.length, 0);
  assert.equal(incidents.length, 0);
});

Deno.test("IncidentEngine forgets a silent service after stale_windows, and silence detection can be off", () => {
  const all = ["a", "b", "c", "d"];
  const { silent } = run((w) => (w >= 40 ? all.filter((s) => s !== "c") : all), 80, { stale_windows: 5 });
  assert.equal(new Set(silent.map((a) => a.window_start_ms)).size, 5);
  const off = run((w) => (w >= 40 ? all.filter((s) => s !== "c") : all), 50, { silence_after_windows: 0 });
  assert.equal(off.silent.length, 0);
  assert.equal(off.incidents.length, 0);
});

Deno.test("IncidentEngine scores error lines in templates new to a service (after it has been watched long)", () => {
  const engine = new IncidentEngine({ window_ms: W });
  const flagged: number[] = [];
  for (let w = 0; w < 50; w++) {
    const rec = record("caller", w);
    const templates = [];
    // an old error template from the start (noise), and a new one from window 40 on
    if (w % 7 === 0) {
      templates.push({ template_id: "old", template: "timeout <*>", count: 1, error_count: 1 });
    }
    if (w >= 40) {
      templates.push({
        template_id: "new",
        template: "invalid response from callee",
        count: 2,
        error_count: 2,
      });
    }
    const out = engine.onRecord({ ...rec, logs: { count: templates.length, by_severity: {}, templates } });
    for (const a of out.anomalies) {
      if (a.indicators.some((i) => i.indicator === NOVEL_ERRORS_INDICATOR)) {
        flagged.push(a.window_start_ms / W);
      }
    }
  }
  // new for novel_windows (6) windows after it first appeared; the old template never counts
  assert.deepEqual(flagged, [40, 41, 42, 43, 44, 45]);
});

Deno.test("IncidentEngine publishes a burst of bytes alone as an anomaly but opens no incident for it", () => {
  // from window 40 one service's received bytes jump tenfold: its load, not its fault; the same jump of its
  // CPU is an incident
  const burst = (metric: string) => {
    const engine = new IncidentEngine({ window_ms: W });
    let anomalies = 0;
    const incidents = [];
    for (let w = 0; w < 60; w++) {
      for (const s of ["api", "db"]) {
        const rec = record(s, w);
        const extra = {
          ...rec.metrics[0],
          name: metric,
          last: (s === "api" && w >= 40 ? 10 : 1) + ((w * 3) % 4) / 100,
        };
        const out = engine.onRecord({ ...rec, metrics: [...rec.metrics, extra] });
        anomalies += out.anomalies.filter((a) => a.service === "api").length;
        incidents.push(...out.incidents);
      }
    }
    incidents.push(...engine.flush());
    return { anomalies, incidents: new Set(incidents.map((i) => i.id)).size };
  };
  const bytes = burst("k8s.pod.network.io");
  assert.ok(bytes.anomalies > 0);
  assert.equal(bytes.incidents, 0);
  assert.equal(burst("container.cpu.usage").incidents, 1);
});

Deno.test("IncidentEngine names the failing operation of a code defect", () => {
  // from window 40, api's "POST /orders" fails 40 times a window; "GET /orders" stays fine
  const engine = new IncidentEngine({ window_ms: W });
  const incidents = [];
  for (let w = 0; w < 60; w++) {
    for (const s of ["api", "db"]) {
      const rec = record(s, w);
      const failing = s === "api" && w >= 40 ? 40 : 0;
      const lat = rec.latency_ms;
      const operations = s === "api"
        ? [
          { operation: "GET /orders", count: rec.count - 50, error_count: 0, latency_ms: lat },
          { operation: "POST /orders", count: 50, error_count: failing, latency_ms: lat },
        ]
        : [];
      const out = engine.onRecord({
        ...rec,
        error_count: failing,
        error_rate: failing / rec.count,
        operations,
      });
      incidents.push(...out.incidents);
    }
  }
  incidents.push(...engine.flush());
  const first = incidents[0];
  assert.ok(first, "an incident");
  assert.equal(first.root_causes[0].service, "api");
  assert.ok(first.fault_type === "code_return" || first.fault_type === "code_exception", first.fault_type);
  assert.equal(first.root_causes[0].indicator, "POST /orders");
});
