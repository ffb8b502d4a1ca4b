/**
 * A simulated microservice system: services (and the databases, caches and queues they use), their
 * endpoints with call trees, replicas (pods) and hosts, and the offered load. Validated once with zod;
 * {@link parseTopology} reports every problem together, each naming its path (`services[3].endpoints[0]
 * .calls[1].service`), and checks the references between services and endpoints and that the call graph
 * has no cycle.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";

export const CallSchema = z.strictObject({
  /** Callee service (a service, database, cache or — with `via` — the consumer behind a queue). */
  service: z.string().min(1),
  /** Callee endpoint name. */
  endpoint: z.string().min(1),
  /** Chance the call happens on a given request. @default 1 */
  probability: z.number().min(0).max(1).default(1),
  /** How many times the call repeats (a loop over items). @default 1 */
  repeat: z.number().int().min(1).max(50).default(1),
  /** Starts together with the previous call instead of after it. @default false */
  parallel: z.boolean().default(false),
  /** The caller degrades gracefully when this call fails (logs a warning, still succeeds). @default false */
  optional: z.boolean().default(false),
  /** Client timeout; defaults to the caller's `timeout_ms`. */
  timeout_ms: z.number().positive().optional(),
  /** Retries after a timeout or a retryable error; defaults to the caller's `retries`. */
  retries: z.number().int().min(0).max(5).optional(),
  /** Name of a queue service: the call is an asynchronous publish, consumed later by `service`. */
  via: z.string().min(1).optional(),
});

export const EndpointSchema = z.strictObject({
  /** "GET /cart" for HTTP services, "hipstershop.CartService/GetCart" for gRPC, "find" for databases. */
  name: z.string().min(1),
  /** Median self time (work outside child calls) at low load. @default 2 */
  self_ms: z.number().nonnegative().default(2),
  /** Log-space spread of the self time. @default 0.35 */
  sigma: z.number().nonnegative().max(3).default(0.35),
  /** CPU time spent per request. @default self_ms * 0.6 */
  cpu_ms: z.number().nonnegative().optional(),
  /** Disk traffic per request (writes, reads). @default 0 */
  disk_kb: z.number().nonnegative().default(0),
  /** Response size. @default 2 */
  response_kb: z.number().nonnegative().default(2),
  /** Baseline chance of an unexpected error. Defaults to the service's. */
  error_rate: z.number().min(0).max(1).optional(),
  /** The INFO log line written on success ("{var}" fields are filled in). */
  log: z.string().optional(),
  calls: z.array(CallSchema).default([]),
});

export const ServiceKindSchema = z.enum(["service", "database", "cache", "queue"]);
export const RuntimeSchema = z.enum(["go", "java", "nodejs", "python", "dotnet", "native"]);

export const ServiceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "lowercase letters, digits, '.', '-' and '_'"),
  kind: ServiceKindSchema.default("service"),
  /** Wire protocol of a service's endpoints. @default "http" */
  protocol: z.enum(["http", "grpc"]).default("http"),
  /** db.system for a database or cache ("mongodb", "mysql", "redis"...). */
  db_system: z.string().optional(),
  /** messaging.system for a queue ("rabbitmq", "kafka"...). */
  messaging_system: z.string().optional(),
  runtime: RuntimeSchema.default("go"),
  replicas: z.number().int().min(1).max(20).default(1),
  cpu_limit_cores: z.number().positive().default(1),
  memory_limit_mb: z.number().positive().default(512),
  /** Resident memory at rest. @default 96 */
  memory_base_mb: z.number().positive().default(96),
  /** Default client timeout for this service's outgoing calls. @default 1000 */
  timeout_ms: z.number().positive().default(1000),
  /** Default retries for this service's outgoing calls. @default 0 */
  retries: z.number().int().min(0).max(5).default(0),
  error_rate: z.number().min(0).max(1).default(0.0005),
  /** Service version, reported as service.version. @default "1.0.0" */
  version: z.string().default("1.0.0"),
  endpoints: z.array(EndpointSchema).min(1),
});

export const HostSchema = z.strictObject({
  name: z.string().min(1),
  cpu_cores: z.number().positive().default(8),
  memory_gb: z.number().positive().default(32),
});

export const TopologySchema = z.strictObject({
  name: z.string().min(1),
  /** k8s namespace of every pod. @default "default" */
  namespace: z.string().default("default"),
  hosts: z.array(HostSchema).min(1).optional(),
  /** When `hosts` is absent, this many hosts named "node-1".."node-N". @default 3 */
  host_count: z.number().int().min(1).max(100).default(3),
  services: z.array(ServiceSchema).min(1),
  /** Where user traffic enters, with relative weights. */
  entrypoints: z.array(z.strictObject({
    service: z.string().min(1),
    endpoint: z.string().min(1),
    weight: z.number().positive().default(1),
  })).min(1),
  load: z.strictObject({
    /** Mean requests per second into the entrypoints. @default 20 */
    rps: z.number().positive().default(20),
    /** Peak-to-mean ratio minus one of the daily cycle. @default 0.4 */
    diurnal_amplitude: z.number().min(0).max(0.95).default(0.4),
    /** Length of one load cycle. @default 86400 */
    diurnal_period_s: z.number().positive().default(86_400),
    /** Relative standard deviation of the slow (AR(1)) load noise. @default 0.08 */
    noise: z.number().min(0).max(1).default(0.08),
  }).prefault({}),
});

export type TopologyInput = z.input<typeof TopologySchema>;
export type Topology = z.output<typeof TopologySchema>;
export type Service = z.output<typeof ServiceSchema>;
export type Endpoint = z.output<typeof EndpointSchema>;
export type Call = z.output<typeof CallSchema>;

/** Thrown when a topology does not validate; `issues` lists every problem as "path: message". */
export class TopologyError extends Error {
  constructor(source: string, readonly issues: readonly string[]) {
    super(`Invalid topology ${source}:\n  ${issues.join("\n  ")}`);
    this.name = "TopologyError";
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? String(p) : `.${String(p)}`;
  return s === "" ? "(root)" : s;
}

/**
 * Validates a plain object (parsed YAML or JSON, or a literal) as a topology, applying defaults.
 * @throws TopologyError listing every schema and reference problem, each with its path.
 */
export function parseTopology(input: unknown, options: { source?: string } = {}): Topology {
  const source = options.source ?? "(object)";
  const r = TopologySchema.safeParse(input);
  if (!r.success) {
    throw new TopologyError(source, r.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`));
  }
  const t = r.data;
  const issues = checkReferences(t);
  if (issues.length > 0) throw new TopologyError(source, issues);
  return t;
}

function checkReferences(t: Topology): string[] {
  const issues: string[] = [];
  const byName = new Map<string, Service>();
  t.services.forEach((s, i) => {
    if (byName.has(s.name)) issues.push(`services[${i}].name: duplicate service "${s.name}"`);
    byName.set(s.name, s);
    if ((s.kind === "database" || s.kind === "cache") && !s.db_system) {
      issues.push(`services[${i}].db_system: required for a ${s.kind}`);
    }
    if (s.kind === "queue" && !s.messaging_system) {
      issues.push(`services[${i}].messaging_system: required for a queue`);
    }
    const eps = new Set<string>();
    s.endpoints.forEach((e, j) => {
      if (eps.has(e.name)) issues.push(`services[${i}].endpoints[${j}].name: duplicate endpoint "${e.name}"`);
      eps.add(e.name);
      if (s.kind !== "service" && e.calls.length > 0) {
        issues.push(`services[${i}].endpoints[${j}].calls: a ${s.kind} makes no calls`);
      }
    });
  });
  const hostNames = new Set<string>();
  t.hosts?.forEach((h, i) => {
    if (hostNames.has(h.name)) issues.push(`hosts[${i}].name: duplicate host "${h.name}"`);
    hostNames.add(h.name);
  });
  const endpointExists = (svc: string, ep: string) =>
    byName.get(svc)?.endpoints.some((e) => e.name === ep) ?? false;
  t.services.forEach((s, i) =>
    s.endpoints.forEach((e, j) =>
      e.calls.forEach((c, k) => {
        const at = `services[${i}].endpoints[${j}].calls[${k}]`;
        const callee = byName.get(c.service);
        if (!callee) return void issues.push(`${at}.service: unknown service "${c.service}"`);
        if (!endpointExists(c.service, c.endpoint)) {
          issues.push(`${at}.endpoint: service "${c.service}" has no endpoint "${c.endpoint}"`);
        }
        if (c.via !== undefined) {
          if (byName.get(c.via)?.kind !== "queue") {
            issues.push(`${at}.via: "${c.via}" is not a queue service`);
          }
          if (callee.kind !== "service") issues.push(`${at}.service: a queue consumer must be a service`);
        } else if (callee.kind === "queue") {
          issues.push(
            `${at}.service: call a queue's consumer with "via: ${c.service}", not the queue itself`,
          );
        }
      })
    )
  );
  t.entrypoints.forEach((e, i) => {
    if (!byName.has(e.service)) issues.push(`entrypoints[${i}].service: unknown service "${e.service}"`);
    else if (!endpointExists(e.service, e.endpoint)) {
      issues.push(`entrypoints[${i}].endpoint: service "${e.service}" has no endpoint "${e.endpoint}"`);
    }
  });
  if (issues.length === 0) {
    const cycle = findCycle(t);
    if (cycle) issues.push(`services: the call graph has a cycle: ${cycle.join(" -> ")}`);
  }
  return issues;
}

function findCycle(t: Topology): string[] | undefined {
  const key = (s: string, e: string) => `${s} ${e}`;
  const calls = new Map<string, string[]>();
  for (const s of t.services) {
    for (const e of s.endpoints) {
      calls.set(
        key(s.name, e.name),
        e.calls.map((c) => key(c.service, c.endpoint)),
      );
    }
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const st = state.get(n);
    if (st === 2) return undefined;
    if (st === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const m of calls.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of calls.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** Parses YAML or JSON text (JSON is YAML) as a topology. */
export function parseTopologyText(text: string, options: { source?: string } = {}): Topology {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new TopologyError(options.source ?? "(text)", [
      `(root): not valid YAML/JSON: ${(e as Error).message}`,
    ]);
  }
  return parseTopology(data, options);
}

/** Reads and validates a topology file (.yaml, .yml or .json). */
export async function loadTopologyFile(path: string): Promise<Topology> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new TopologyError(path, [`(file): cannot read: ${(e as Error).message}`]);
  }
  return parseTopologyText(text, { source: path });
}
