/**
 * One half of a service-graph edge as an object: a server, client, producer or consumer span reduced to
 * what the join needs. Workers and the halves codec carry halves column by column
 * (HalfColumns in half_columns.ts, keys as raw bytes); this object form is what JSON
 * messages (foreign producers) and tests use. The graph assembler (src/graph/graph_assembler.ts) pairs
 * client↔server and producer↔consumer halves.
 */

export interface EdgeHalf {
  /**
   * trace id, span id, parent span id (lower-case hex). The join reads the trace id and one span id: a
   * caller's own, a callee's parent ("" for a root); halves decoded from columns carry only that one.
   */
  tr: string;
  id: string;
  par: string;
  svc: string;
  /** OTLP span kind: 2 server, 3 client, 4 producer, 5 consumer */
  k: number;
  /** start, epoch ms; duration ms */
  st: number;
  d: number;
  /** 1 when the span is an error */
  e: 0 | 1;
  /** Virtual peer for client/producer spans ("" when none): see {@link virtualPeerId}. */
  peer: string;
  /** "database" | "messaging_system" | "peer" | "" */
  pk: string;
}

/**
 * A pod / instance and host seen for a service (REASON's lower levels). With both empty, it only says the
 * service ran in that window: how root server and consumer spans (no caller to pair with) reach the graph.
 */
export interface ResourceLink {
  svc: string;
  pod: string;
  host: string;
  /** event time, epoch ms */
  t: number;
}

export interface PeerAttributes {
  db_system: string;
  db_name: string;
  peer_service: string;
  server_address: string;
  messaging_system: string;
  messaging_destination: string;
}

/** The kind of peer a client or producer span names ("" when it names none): see {@link virtualPeerId}. */
export function virtualPeerKind(a: PeerAttributes): "database" | "messaging_system" | "peer" | "" {
  if (a.db_system) return "database";
  if (a.messaging_system) return "messaging_system";
  return a.peer_service || a.server_address ? "peer" : "";
}

/**
 * The uninstrumented peer a client or producer span names, as a node id: `postgresql` or
 * `postgresql/orders` (db.system[/db.name]), `kafka/orders` (messaging.system/destination), else
 * peer.service, else server.address; "" when there is none. `kind` is its {@link virtualPeerKind} (pass it
 * when already known).
 */
export function virtualPeerId(a: PeerAttributes, kind = virtualPeerKind(a)): string {
  switch (kind) {
    case "database":
      return a.db_name ? `${a.db_system}/${a.db_name}` : a.db_system;
    case "messaging_system":
      return a.messaging_destination
        ? `${a.messaging_system}/${a.messaging_destination}`
        : a.messaging_system;
    case "peer":
      return a.peer_service || a.server_address;
    default:
      return "";
  }
}
