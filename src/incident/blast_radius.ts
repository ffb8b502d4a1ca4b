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
  for (const e of graph?.edges ?? []) {
    if (!callers.has(e.callee)) callers.set(e.callee, []);
    callers.get(e.callee)!.push(e.caller);
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
  for (const e of graph?.edges ?? []) {
    if (!adj.has(e.caller)) adj.set(e.caller, new Set());
    if (!adj.has(e.callee)) adj.set(e.callee, new Set());
    adj.get(e.caller)!.add(e.callee);
    adj.get(e.callee)!.add(e.caller);
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
