/**
 * Blast radius: who is affected when `root` fails. Failures travel against call edges (a caller waits on
 * its callee), so the radius is every service that reaches `root` through calls, plus the operations on
 * those edges (by the caller → callee pair, as the graph knows them).
 */
import type { ServiceGraphSnapshot } from "../core/rca.ts";

export function blastRadius(
  graph: ServiceGraphSnapshot | undefined,
  root: string,
): { services: string[]; operations: string[] } {
  const callers = new Map<string, string[]>();
  const id = peerAsService(graph);
  for (const e of graph?.edges ?? []) {
    const callee = id(e.callee);
    if (!callers.has(callee)) callers.set(callee, []);
    callers.get(callee)!.push(id(e.caller));
  }
  const seen = new Set<string>([root]);
  const ops = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    const s = queue.shift()!;
    for (const c of callers.get(s) ?? []) {
      ops.add(`${c} → ${s}`);
      if (!seen.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
  }
  return { services: [...seen].sort(), operations: [...ops].sort() };
}

/** True when `a` and `b` are connected in the graph, ignoring direction, within `hops`. */
export function connected(graph: ServiceGraphSnapshot | undefined, a: string, b: string, hops = 3): boolean {
  if (a === b) return true;
  const adj = new Map<string, Set<string>>();
  const id = peerAsService(graph);
  for (const e of graph?.edges ?? []) {
    const [caller, callee] = [id(e.caller), id(e.callee)];
    if (!adj.has(caller)) adj.set(caller, new Set());
    if (!adj.has(callee)) adj.set(callee, new Set());
    adj.get(caller)!.add(callee);
    adj.get(callee)!.add(caller);
  }
  let frontier = new Set([a]);
  const seen = new Set([a]);
  for (let h = 0; h < hops; h++) {
    const next = new Set<string>();
    for (const s of frontier) {
      for (const t of adj.get(s) ?? []) {
        if (t === b) return true;
        if (!seen.has(t)) {
          seen.add(t);
          next.add(t);
        }
      }
    }
    frontier = next;
  }
  return false;
}

/** The services a graph links (edge ends, virtual peers as their services). */
export function graphServices(graph: ServiceGraphSnapshot): Set<string> {
  const id = peerAsService(graph);
  const out = new Set<string>();
  for (const e of graph.edges) {
    out.add(id(e.caller));
    out.add(id(e.callee));
  }
  return out;
}

/**
 * Graph ids as the services that report: a virtual peer (an uninstrumented database `mongodb/carts-db`)
 * is the service of its last path segment (`carts-db`, whose pod metrics report under that name).
 */
function peerAsService(graph: ServiceGraphSnapshot | undefined): (id: string) => string {
  const virtual = new Set<string>();
  for (const n of graph?.nodes ?? []) if (n.kind === "virtual") virtual.add(n.id);
  return (id) => (virtual.has(id) ? id.slice(id.lastIndexOf("/") + 1) : id);
}
