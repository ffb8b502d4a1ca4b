/** Terse helpers for writing the built-in topologies as TypeScript literals (validated by parseTopology). */
import type { TopologyInput } from "../topology.ts";

type ServiceInput = TopologyInput["services"][number];
type EndpointInput = ServiceInput["endpoints"][number];
type CallInput = NonNullable<EndpointInput["calls"]>[number];

/** A call written as "service:endpoint" plus options. */
export function call(
  target: string,
  options: Omit<Partial<CallInput>, "service" | "endpoint"> = {},
): CallInput {
  const i = target.indexOf(":");
  if (i <= 0) {
    throw new RangeError(
      `Cannot parse call target as it must be "service:endpoint": current value is ${target}`,
    );
  }
  return { service: target.slice(0, i), endpoint: target.slice(i + 1), ...options };
}

export function endpoint(
  name: string,
  self_ms: number,
  calls: CallInput[] = [],
  options: Omit<Partial<EndpointInput>, "name" | "self_ms" | "calls"> = {},
): EndpointInput {
  return { name, self_ms, calls, ...options };
}

export type { CallInput, EndpointInput, ServiceInput };
