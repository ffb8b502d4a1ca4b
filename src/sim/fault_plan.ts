/**
 * Plans a sequence of labelled fault cases for a topology: a fault-free warm-up, then one fault at a time
 * separated by fault-free gaps, cycling through the fault kinds (in a seeded order) so every kind is
 * covered evenly, each on a randomly chosen service that real traffic reaches.
 */
import type { FaultType, LabelledCase } from "../core/rca.ts";
import { FAULT_CATALOGUE, FAULT_KINDS, faultIndicator, type FaultKind, type FaultSpec } from "./faults.ts";
import { Prng } from "./prng.ts";
import type { Topology } from "./topology.ts";

/** A labelled case with the fault that produces it (pass `fault` to createSimulation). */
export interface PlannedCase extends LabelledCase {
  readonly root_cause_indicator: string;
  readonly fault_type: FaultType;
  readonly fault_end_ms: number;
  readonly fault: FaultSpec;
}

export interface PlanFaultCasesOptions {
  readonly topology: Topology;
  /** Number of cases. */
  readonly cases: number;
  readonly seed: string | number;
  /** Simulated epoch ms where the simulation starts. */
  readonly start_ms: number;
  /** Fault-free time before the first fault (baselines, detector warm-up). @default 600000 */
  readonly warmup_ms?: number;
  /** Length of each fault. @default 180000 */
  readonly fault_duration_ms?: number;
  /** Fault-free time after each fault, before the next. @default 420000 */
  readonly gap_ms?: number;
  /** Kinds to draw from, cycled in a seeded order. @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** Restrict root causes to these services. @default every service reached by traffic */
  readonly services?: readonly string[];
  /** Dataset name of the cases. @default `sim:${topology.name}` */
  readonly dataset?: string;
}

/** Service → endpoints reached from the entrypoints (sync calls and queue consumers). */
export function reachableEndpoints(topology: Topology): Map<string, Set<string>> {
  const byName = new Map(topology.services.map((s) => [s.name, s]));
  const seen = new Map<string, Set<string>>();
  const stack = topology.entrypoints.map((e) => [e.service, e.endpoint] as const);
  while (stack.length > 0) {
    const [s, e] = stack.pop()!;
    const set = seen.get(s) ?? new Set<string>();
    if (set.has(e)) continue;
    set.add(e);
    seen.set(s, set);
    const ep = byName.get(s)?.endpoints.find((x) => x.name === e);
    for (const c of ep?.calls ?? []) {
      stack.push([c.service, c.endpoint]);
      if (c.via !== undefined) {
        const q = byName.get(c.via)!;
        const qs = seen.get(q.name) ?? new Set<string>();
        qs.add(q.endpoints[0].name);
        seen.set(q.name, qs);
      }
    }
  }
  return seen;
}

/**
 * @throws RangeError when cases, durations or kinds are invalid, or no service can take a kind.
 */
export function planFaultCases(options: PlanFaultCasesOptions): PlannedCase[] {
  const { topology, cases } = options;
  const warmup = options.warmup_ms ?? 600_000;
  const duration = options.fault_duration_ms ?? 180_000;
  const gap = options.gap_ms ?? 420_000;
  if (!(Number.isInteger(cases) && cases >= 0)) {
    throw new RangeError(
      `Cannot plan fault cases as cases must be a non-negative integer: current value is ${cases}`,
    );
  }
  for (const [k, v] of [["warmup_ms", warmup], ["fault_duration_ms", duration], ["gap_ms", gap]] as const) {
    if (!(Number.isFinite(v) && v >= 0) || (k === "fault_duration_ms" && v === 0)) {
      throw new RangeError(
        `Cannot plan fault cases as ${k} must be ${
          k === "fault_duration_ms" ? "> 0" : ">= 0"
        }: current value is ${v}`,
      );
    }
  }
  const kinds = options.kinds ?? FAULT_KINDS;
  if (kinds.length === 0) {
    throw new RangeError("Cannot plan fault cases as kinds is empty: current value is []");
  }
  const reach = reachableEndpoints(topology);
  const byName = new Map(topology.services.map((s) => [s.name, s]));
  if (options.services) {
    for (const s of options.services) {
      if (!reach.has(s)) {
        throw new RangeError(
          `Cannot plan fault cases as a service is unknown or never called: current value is ${s}`,
        );
      }
    }
  }
  const pool = (options.services ?? [...reach.keys()]).slice().sort();
  // Code faults need application code; every other kind can hit any component, databases included.
  const candidates = (kind: FaultKind) =>
    pool.filter((name) =>
      !(kind === "code_return" || kind === "code_exception") || byName.get(name)!.kind === "service"
    );
  const rng = new Prng(`plan:${options.seed}`);
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const dataset = options.dataset ?? `sim:${topology.name}`;
  const out: PlannedCase[] = [];
  let previous = "";
  for (let i = 0; i < cases; i++) {
    const kind = order[i % order.length];
    let cands = candidates(kind);
    if (cands.length === 0) {
      throw new RangeError(
        `Cannot plan a ${kind} fault as no candidate service takes it: current value is ${pool.join(",")}`,
      );
    }
    if (cands.length > 1) cands = cands.filter((c) => c !== previous);
    const service = rng.pick(cands);
    previous = service;
    const spec = byName.get(service)!;
    let endpoint: string | undefined;
    if (kind === "code_return" || kind === "code_exception") {
      endpoint = rng.pick([...reach.get(service)!].sort());
    }
    const start = options.start_ms + warmup + i * (duration + gap);
    const id = `${dataset.replace(/[^A-Za-z0-9_-]/g, "-")}-s${options.seed}-${
      String(i + 1).padStart(3, "0")
    }`;
    const fault: FaultSpec = {
      id,
      kind,
      service,
      pod: rng.int(spec.replicas),
      ...(endpoint !== undefined ? { endpoint } : {}),
      start_ms: start,
      end_ms: start + duration,
      intensity: FAULT_CATALOGUE[kind].default_intensity,
    };
    out.push({
      id,
      dataset,
      root_cause_service: service,
      root_cause_indicator: faultIndicator(kind, endpoint),
      fault_type: FAULT_CATALOGUE[kind].fault_type,
      fault_start_ms: start,
      fault_end_ms: start + duration,
      fault,
    });
  }
  return out;
}

/** Where a simulation of these cases should stop: one gap after the last fault (or after the warm-up). */
export function planEndMs(
  cases: readonly PlannedCase[],
  options: { start_ms: number; warmup_ms?: number; gap_ms?: number },
): number {
  const gap = options.gap_ms ?? 420_000;
  if (cases.length === 0) return options.start_ms + (options.warmup_ms ?? 600_000);
  return Math.max(...cases.map((c) => c.fault_end_ms)) + gap;
}

/** One JSON Lines record of ground truth. */
export function truthRecord(c: PlannedCase, seed: string | number): Record<string, unknown> {
  return {
    case_id: c.id,
    dataset: c.dataset,
    root_cause_service: c.root_cause_service,
    root_cause_indicator: c.root_cause_indicator,
    fault_type: c.fault_type,
    fault_kind: c.fault.kind,
    root_cause_pod_index: c.fault.pod ?? 0,
    endpoint: c.fault.endpoint ?? null,
    intensity: c.fault.intensity ?? null,
    fault_start_ms: c.fault_start_ms,
    fault_end_ms: c.fault_end_ms,
    seed,
  };
}
