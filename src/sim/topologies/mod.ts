/** The built-in topologies, by name, and {@link resolveTopology} for the CLI and the harness. */
import { loadTopologyFile, parseTopology, type Topology } from "../topology.ts";
import { onlineBoutique } from "./online_boutique.ts";
import { sockShop } from "./sock_shop.ts";
import { trainTicket } from "./train_ticket.ts";

export const BUILTIN_TOPOLOGIES = {
  "online-boutique": onlineBoutique,
  "sock-shop": sockShop,
  "train-ticket": trainTicket,
} as const;

export type BuiltinTopologyName = keyof typeof BUILTIN_TOPOLOGIES;

export function isBuiltinTopology(name: string): name is BuiltinTopologyName {
  return Object.hasOwn(BUILTIN_TOPOLOGIES, name);
}

/** A built-in topology, validated and with defaults applied. */
export function builtinTopology(name: BuiltinTopologyName): Topology {
  return parseTopology(BUILTIN_TOPOLOGIES[name], { source: `builtin:${name}` });
}

/** A built-in name, else a path to a YAML/JSON topology file. */
export async function resolveTopology(nameOrPath: string): Promise<Topology> {
  if (isBuiltinTopology(nameOrPath)) return builtinTopology(nameOrPath);
  return await loadTopologyFile(nameOrPath);
}
