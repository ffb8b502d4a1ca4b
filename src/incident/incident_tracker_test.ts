import assert from "node:assert/strict";
import type { Localizer, MetricFrame, ServiceGraphSnapshot } from "../core/rca.ts";
import type { DetectionResult } from "../detect/detector.ts";
import { BaroLocalizer } from "../localize/baro.ts";
import { incidentId } from "./incident_id.ts";
import { incidentRecordSchema } from "./incident_record.ts";
import { IncidentTracker } from "./incident_tracker.ts";

const STEP = 10_000;
const N = 40;
const ONSET = 30;
const services = ["frontend", "orders", "payment", "catalogue", "batch"];
const graph: ServiceGraphSnapshot = {
  nodes: services.map((id) => ({ id, kind: "service" as const })),
  edges: [
    { caller: "frontend", callee: "orders", calls: 1, errors: 0 },
    { caller: "orders", callee: "payment", calls: 1, errors: 0 },
    { caller: "frontend", callee: "catalogue", calls: 1, errors: 0 },
    { caller: "batch", callee: "postgresql/warehouse", calls: 1, errors: 0 },
  ],
};
const frame: MetricFrame = {
  times_ms: Array.from({ length: N }, (_, i) => i * STEP),
  step_ms: STEP,
  series: new Map(
    services.map((s, k) => [
      s,
      new Map([[
        "cpu",
        Float64Array.from(
          { length: N },
          (_, t) => 20 + ((t + k) % 4) + (s === "payment" && t >= ONSET ? 70 : 0),
        ),
      ]]),
    ]),
  ),
};
const det = (service: string, t: number, anomalous: boolean): DetectionResult => ({
  service,
  time_ms: t * STEP,
  anomalous,
  severity: anomalous ? 8 : 0.2,
  indicators: [],
});

function run(pattern: (s: string, t: number) => boolean, open_after_windows = 2) {
  const tracker = new IncidentTracker({
    tenant: "acme",
    localizer: new BaroLocalizer(),
    entry_services: ["frontend"],
    open_after_windows,
  });
  const records = [];
  for (let t = ONSET; t < N; t++) {
    records.push(...tracker.step(t * STEP, services.map((s) => det(s, t, pattern(s, t))), { frame, graph }));
  }
  return { tracker, records };
}

Deno.test("IncidentTracker.step() raises one incident for a fault and its symptoms, names the root and resolves", () => {
  // payment from the onset, its callers a window later, all recover at ONSET + 4.
  const { records, tracker } = run((s, t) =>
    t < ONSET + 4 && (s === "payment" || (t > ONSET && (s === "orders" || s === "frontend")))
  );
  const ids = new Set(records.map((r) => r.id));
  assert.equal(ids.size, 1);
  const last = records.at(-1)!;
  assert.equal(last.status, "resolved");
  assert.equal(last.root_causes[0].service, "payment");
  assert.equal(last.fault_type, "cpu");
  assert.deepEqual(last.suppressed_symptoms, ["frontend", "orders"]);
  assert.deepEqual(last.blast_radius.services, ["frontend", "orders", "payment"]);
  assert.equal(last.id, incidentId("acme", "payment", { onset_ms: ONSET * STEP }));
  for (let i = 1; i < records.length; i++) assert.ok(records[i].revision > records[i - 1].revision);
  for (const r of records) incidentRecordSchema.parse(r);
  assert.match(last.report.title, /payment/);
  assert.ok(last.report.recommended_actions.length > 0);
  assert.equal(tracker.open.length, 0);
});

Deno.test("IncidentTracker.step() keeps unconnected faults apart and stays silent when nothing is anomalous", () => {
  const quiet = run(() => false);
  assert.equal(quiet.records.length, 0);
  const two = run((s, t) => t < ONSET + 2 && (s === "payment" || s === "batch"));
  assert.equal(new Set(two.records.map((r) => r.id)).size, 2);
});

Deno.test("IncidentTracker.step() groups a service the graph does not hold (a broker) as without a graph", () => {
  const tracker = new IncidentTracker({ tenant: "acme", localizer: new BaroLocalizer() });
  const records = [];
  for (let t = ONSET; t < ONSET + 3; t++) {
    const dets = ["payment", "rabbitmq"].map((s) => det(s, t, true));
    records.push(...tracker.step(t * STEP, dets, { frame, graph }));
  }
  assert.equal(new Set(records.map((r) => r.id)).size, 1);
  assert.deepEqual(records.at(-1)!.anomalous_services, ["payment", "rabbitmq"]);
});

Deno.test("incidentId() is deterministic, bucketed, and differs across tenants", () => {
  const a = incidentId("t1", "svc", { onset_ms: 120_500 });
  assert.equal(a, incidentId("t1", "svc", { onset_ms: 150_000 }));
  assert.notEqual(a, incidentId("t2", "svc", { onset_ms: 120_500 }));
  assert.notEqual(a, incidentId("t1", "svc", { onset_ms: 180_000 }));
  assert.match(a, /^inc-[0-9a-f]{16}$/);
});

Deno.test("IncidentTracker.step() opens nothing for a one-window blip and dates a persistent run from its start", () => {
  const blip = run((s, t) => s === "payment" && t === ONSET + 2);
  assert.equal(blip.records.length, 0);
  const eager = run((s, t) => s === "payment" && t === ONSET + 2, 1);
  assert.equal(eager.records.length > 0, true);
  const late = run((s, t) => s === "payment" && t >= ONSET + 2 && t < ONSET + 5);
  assert.equal(late.records[0].onset_ms, (ONSET + 2) * STEP);
  assert.equal(late.records[0].updated_ms, (ONSET + 3) * STEP);
  assert.throws(
    () => new IncidentTracker({ tenant: "a", localizer: new BaroLocalizer(), open_after_windows: 0 }),
    /current value is 0/,
  );
});

Deno.test("IncidentTracker.step() treats a graph without edges like no graph: one incident, not one per service", () => {
  const services = ["a", "b", "c"];
  const times = Array.from({ length: 40 }, (_, i) => i * 10_000);
  const series = new Map(
    services.map((s) => [s, new Map([["cpu", new Float64Array(40).map((_, i) => (i >= 30 ? 10 : 1))]])]),
  );
  const frame = { times_ms: times, step_ms: 10_000, series };
  const tracker = new IncidentTracker({ tenant: "t", localizer: new BaroLocalizer(), open_after_windows: 1 });
  const emptyGraph = { nodes: services.map((id) => ({ id, kind: "service" as const })), edges: [] };
  const detections = services.map((service) => ({
    service,
    time_ms: times[30],
    anomalous: true,
    severity: 2,
    indicators: [{ indicator: "cpu", value: 10, score: 9, threshold: 3, anomalous: true }],
  }));
  const out = tracker.step(times[30], detections, { frame, graph: emptyGraph });
  assert.equal(new Set(out.map((r) => r.id)).size, 1);
});

Deno.test("IncidentTracker.step() resolves when the root recovers, whatever one-window blips its symptoms show", () => {
  // payment's fault lasts 3 windows; frontend joins at once, then blips every other window (noise)
  const { records } = run((s, t) =>
    (s === "payment" && t < ONSET + 3) ||
    (s === "frontend" && (t === ONSET + 1 || (t > ONSET + 3 && t % 2 === 0)))
  );
  const last = records.at(-1)!;
  assert.equal(last.status, "resolved");
  assert.equal(last.resolved_ms, (ONSET + 5) * STEP);
});

/** Ranks services by how much their cpu rose from the onset on (a step change names its service). */
const stepLocalizer: Localizer = {
  name: "step",
  localize(input) {
    const i = input.frame.times_ms.indexOf(input.anomaly_start_ms);
    return [...input.frame.series].map(([service, s]) => {
      const cpu = s.get("cpu")!;
      const rise = i > 0 ? Math.max(...cpu.slice(i, i + 4)) - cpu[i - 1] : 0;
      return { service, indicator: "cpu", score: rise, evidence: [] };
    }).sort((a, b) => b.score - a.score || (a.service < b.service ? -1 : 1));
  },
};

/** Steps a tracker over 60 windows; `steps` puts a service's cpu steps (its faults) at windows. */
function runSteps(steps: Record<string, number[]>, pattern: (s: string, t: number) => boolean) {
  const n = 60;
  const frame: MetricFrame = {
    times_ms: Array.from({ length: n }, (_, i) => i * STEP),
    step_ms: STEP,
    series: new Map(services.map((s) => [
      s,
      new Map([[
        "cpu",
        Float64Array.from({ length: n }, (_, t) => 20 + 50 * (steps[s] ?? []).filter((at) => t >= at).length),
      ]]),
    ])),
  };
  const tracker = new IncidentTracker({ tenant: "acme", localizer: stepLocalizer });
  const records = [];
  for (let t = 1; t < n; t++) {
    records.push(...tracker.step(t * STEP, services.map((s) => det(s, t, pattern(s, t))), { frame, graph }));
  }
  const roots = [...new Map(records.map((r) => [r.id, r.root_causes[0].service])).values()];
  return { records, roots };
}

Deno.test("IncidentTracker.step() opens a new incident for a member's later fault instead of absorbing it", () => {
  // payment's long fault keeps its incident open; orders joins as its symptom, recovers, and fails on its
  // own (a step of its own) long after the join period: a second incident, naming orders
  const { roots } = runSteps(
    { payment: [10], orders: [30] },
    (s, t) =>
      (s === "payment" && t >= 10 && t < 45) ||
      (s === "orders" && ((t >= 11 && t < 14) || (t >= 30 && t < 35))),
  );
  assert.deepEqual(roots, ["payment", "orders"]);
});

Deno.test("IncidentTracker.step() does not root a new fault at a symptom an older incident still explains", () => {
  // payment's fault (window 10) leaves orders, its caller, shifted from window 11 for as long as it lasts:
  // a continuing symptom of payment's incident. catalogue fails at 30. A localizer that ranks by the level
  // against the distant past names orders (the larger shift) first: the new incident is catalogue's.
  const standing = new Map<number, string[]>();
  const levelLocalizer: Localizer = {
    name: "level",
    localize(input) {
      const i = input.frame.times_ms.indexOf(input.anomaly_start_ms);
      standing.set(i, [...input.standing ?? []]);
      return [...input.frame.series].map(([service, s]) => {
        const cpu = s.get("cpu")!;
        return { service, indicator: "cpu", score: cpu[i] - cpu[0], evidence: [] };
      }).sort((a, b) => b.score - a.score || (a.service < b.service ? -1 : 1));
    },
  };
  const level = (s: string, t: number) =>
    20 + (s === "payment" && t >= 10 ? 50 : 0) + (s === "orders" && t >= 11 ? 100 : 0) +
    (s === "catalogue" && t >= 30 ? 50 : 0);
  const frame: MetricFrame = {
    times_ms: Array.from({ length: 60 }, (_, i) => i * STEP),
    step_ms: STEP,
    series: new Map(
      services.map((s) => [s, new Map([["cpu", Float64Array.from({ length: 60 }, (_, t) => level(s, t))]])]),
    ),
  };
  const tracker = new IncidentTracker({ tenant: "acme", localizer: levelLocalizer });
  const roots = new Map<string, string>();
  for (let t = 1; t < 60; t++) {
    const anomalous = (s: string) =>
      (s === "payment" && t >= 10 && t < 45) || (s === "orders" && t >= 11 && t < 45) ||
      (s === "catalogue" && t >= 30 && t < 35);
    for (const r of tracker.step(t * STEP, services.map((s) => det(s, t, anomalous(s))), { frame, graph })) {
      roots.set(r.id, r.root_causes[0].service);
    }
  }
  assert.deepEqual([...roots.values()], ["payment", "catalogue"]);
  // ... and the localizer is told, so that orders explains none of catalogue's symptoms either
  assert.deepEqual(standing.get(30), ["orders"]);
  assert.deepEqual(standing.get(10), []);
});

Deno.test("IncidentTracker.step() keeps a root's flapping in its incident, and opens a new one for its next fault", () => {
  // one quiet window between two anomalous runs of the root: the same fault
  const flapping = runSteps(
    { payment: [10] },
    (s, t) => s === "payment" && ((t >= 10 && t < 14) || (t >= 15 && t < 18)),
  );
  assert.deepEqual(flapping.roots, ["payment"]);
  // the root recovers while a symptom lingers (keeping the incident open); its next fault, after the join
  // period, is a new incident, not an after-effect of the first
  const { roots, records } = runSteps(
    { payment: [10, 24] },
    (s, t) =>
      (s === "payment" && ((t >= 10 && t < 14) || (t >= 24 && t < 28))) ||
      (s === "orders" && t >= 11 && t < 30),
  );
  assert.deepEqual(roots, ["payment", "payment"]);
  assert.deepEqual(new Set(records.map((r) => r.onset_ms)), new Set([10 * STEP, 24 * STEP]));
});

Deno.test("IncidentTracker.step() dates an incident from its root cause's run, not a noisy neighbour's", () => {
  // orders (noise) is anomalous a window before payment's fault; the group opens when orders has persisted
  const { records } = runSteps(
    { payment: [12] },
    (s, t) => (s === "orders" && t >= 11 && t < 16) || (s === "payment" && t >= 12 && t < 16),
  );
  assert.equal(records[0].root_causes[0].service, "payment");
  assert.equal(records[0].onset_ms, 12 * STEP);
});

Deno.test("IncidentTracker.step() takes the fault type of a localizer that types its candidates", () => {
  const baro = new BaroLocalizer();
  const typing: Localizer = {
    name: "typing",
    localize: (input) => baro.localize(input).map((c) => ({ ...c, fault_type: "memory" as const })),
  };
  const types = (localizer: Localizer) => {
    const tracker = new IncidentTracker({ tenant: "acme", localizer });
    const out = [];
    for (let t = ONSET; t < N; t++) {
      out.push(...tracker.step(t * STEP, services.map((s) => det(s, t, s === "payment")), { frame, graph }));
    }
    return new Set(out.map((r) => r.fault_type));
  };
  // payment's CPU rose: the classifier says cpu, the typing localizer's own verdict (memory) stands
  assert.deepEqual(types(baro), new Set(["cpu"]));
  assert.deepEqual(types(typing), new Set(["memory"]));
});

Deno.test("IncidentTracker.step() names the root's indicator after its resource fault type", () => {
  const baro = new BaroLocalizer();
  // a localizer that names what payment's callers felt, while payment's own CPU is what moved
  const symptomatic: Localizer = {
    name: "symptomatic",
    localize: (input) => baro.localize(input).map((c) => ({ ...c, indicator: "latency_p99" })),
  };
  const tracker = new IncidentTracker({ tenant: "acme", localizer: symptomatic });
  const out = [];
  for (let t = ONSET; t < N; t++) {
    out.push(...tracker.step(t * STEP, services.map((s) => det(s, t, s === "payment")), { frame, graph }));
  }
  assert(out.length > 0);
  for (const r of out) {
    assert.equal(r.fault_type, "cpu");
    assert.equal(r.root_causes[0].indicator, "cpu");
  }
});

Deno.test("IncidentTracker.step() takes a much weaker late anomaly for the open incident's after-effect", () => {
  // payment fails hard from window 10 on; long past the join period, orders (its caller) turns mildly
  // anomalous for a few windows: one incident. The same anomaly as strong as payment's: a second one.
  const incidents = (ordersSeverity: number) => {
    const tracker = new IncidentTracker({ tenant: "acme", localizer: stepLocalizer });
    const frame: MetricFrame = {
      times_ms: Array.from({ length: 60 }, (_, i) => i * STEP),
      step_ms: STEP,
      series: new Map(services.map((s) => [
        s,
        new Map([["cpu", Float64Array.from({ length: 60 }, (_, t) => s === "payment" && t >= 10 ? 70 : 20)]]),
      ])),
    };
    const ids = new Set<string>();
    for (let t = 1; t < 60; t++) {
      const dets = services.map((s): DetectionResult => {
        const payment = s === "payment" && t >= 10 && t < 45;
        const orders = s === "orders" && t >= 30 && t < 34;
        return {
          ...det(s, t, payment || orders),
          severity: payment ? 20 : orders ? ordersSeverity : 0.2,
        };
      });
      for (const r of tracker.step(t * STEP, dets, { frame, graph })) ids.add(r.id);
    }
    return ids.size;
  };
  assert.equal(incidents(2), 1);
  assert.equal(incidents(20), 2);
});

Deno.test("IncidentTracker.step() opens a new incident for a linked anomaly that dwarfs what the open one shows now", () => {
  // payment's hard fault (windows 10-13) fades into a long, faint after-effect; orders, its caller, then
  // changes sharply from window 17 (diagnosis settled, inside the join period) or 25 (after it). Much
  // stronger than what payment still shows: a fault of its own, a second incident rooted at orders. About
  // as faint: one.
  const roots = (ordersFrom: number, ordersSeverity: number) => {
    const tracker = new IncidentTracker({ tenant: "acme", localizer: stepLocalizer });
    const frame: MetricFrame = {
      times_ms: Array.from({ length: 60 }, (_, i) => i * STEP),
      step_ms: STEP,
      series: new Map(services.map((s) => [
        s,
        new Map([[
          "cpu",
          Float64Array.from(
            { length: 60 },
            (_, t) =>
              s === "payment" && t >= 10 && t < 14
                ? 90
                : s === "orders" && t >= ordersFrom && t < ordersFrom + 5
                ? 70
                : 20,
          ),
        ]]),
      ])),
    };
    const byId = new Map<string, string>();
    for (let t = 1; t < 60; t++) {
      const dets = services.map((s): DetectionResult => {
        const payment = s === "payment" && t >= 10 && t < 40;
        const orders = s === "orders" && t >= ordersFrom && t < ordersFrom + 5;
        return {
          ...det(s, t, payment || orders),
          severity: payment ? (t < 14 ? 600 : 2) : orders ? ordersSeverity : 0.2,
        };
      });
      for (const r of tracker.step(t * STEP, dets, { frame, graph })) {
        byId.set(r.id, r.root_causes[0]?.service);
      }
    }
    return [...byId.values()].sort();
  };
  assert.deepEqual(roots(17, 60), ["orders", "payment"]);
  assert.deepEqual(roots(25, 60), ["orders", "payment"]);
  assert.deepEqual(roots(17, 5), ["payment"]);
  assert.deepEqual(roots(25, 5), ["payment"]);
});

Deno.test("IncidentTracker.step() lets a young incident take a dominant late sign whose diagnosis names one of its members", () => {
  // payment and orders turn anomalous at window 10; at window 12, while that incident is still being
  // re-localized, frontend's far stronger change arrives and its own diagnosis names orders: the same
  // fault, one incident. Past re-localization, the same diagnosis opens a second incident once orders has
  // recovered (naming orders' new trouble); while orders' symptom goes on, the incident still explains it,
  // and frontend's change is that incident's (see the test above).
  const ids = (frontendFrom: number, ordersUntil = 16) => {
    const namesOrdersLate: Localizer = {
      name: "late",
      localize: (input) =>
        (input.anomaly_start_ms >= frontendFrom * STEP ? ["orders", "payment"] : ["payment", "orders"])
          .map((service, i) => ({ service, indicator: "cpu", score: 2 - i, evidence: [] })),
    };
    const tracker = new IncidentTracker({ tenant: "acme", localizer: namesOrdersLate });
    const out = new Set<string>();
    for (let t = 1; t < 40; t++) {
      const dets = services.map((s): DetectionResult => {
        const on = s === "payment" && t >= 10 && t < 30 || s === "orders" && t >= 10 && t < ordersUntil ||
          s === "frontend" && t >= frontendFrom && t < frontendFrom + 4;
        return { ...det(s, t, on), severity: s === "frontend" ? 500 : s === "payment" ? 10 : on ? 5 : 0.2 };
      });
      for (const r of tracker.step(t * STEP, dets, { frame, graph })) out.add(r.id);
    }
    return out.size;
  };
  assert.equal(ids(12), 1);
  assert.equal(ids(18), 2);
  assert.equal(ids(18, 30), 1);
});
