/**
 * Indicator families, recognised by name, so that rules read Vigil's own features (cpu, mem, latency_p99,
 * error_rate, ...) and public datasets' columns (CpuUsageRate(%), PodSuccessRate(%), ...) alike.
 */

export type IndicatorFamily =
  | "cpu"
  | "memory"
  | "disk"
  | "latency"
  | "network"
  | "errors"
  | "success"
  | "traffic"
  | "restarts"
  | "callers"
  | "other";

/** The family of an indicator, by name. */
export function indicatorFamily(name: string): IndicatorFamily {
  const n = name.toLowerCase();
  if (n.startsWith("edge_in_") || n.startsWith("callers_")) return "callers"; // what callers observed (src/incident/edge_indicators.ts)
  if (/restart|oomkill|oom_kill/.test(n)) return "restarts";
  if (/network|packet|retrans|tcp/.test(n)) return "network"; // network errors are the network's
  if (/success/.test(n)) return "success";
  if (/err|fail|5xx|exception/.test(n)) return "errors";
  if (/cpu/.test(n)) return "cpu";
  if (/mem|heap|rss|oom/.test(n)) return "memory";
  if (/disk|fs_|filesystem|iops|io_|blkio|syscall/.test(n)) return "disk";
  if (/lat|p50|p90|p95|p99|duration|delay|rtt/.test(n)) return "latency";
  if (/net|bytes|packet|retrans|tcp/.test(n)) return "network";
  if (/lod|load|workload|throughput|rps|qps|count|calls|requests|ops/.test(n)) return "traffic";
  return "other";
}

/**
 * Whether a change of this indicator is the service's own doing: its resources (CPU, memory, disk, restarts).
 * A caller inherits a slow or failing callee's latency, errors and traffic changes — and network errors
 * too (connections refused by a crashed callee) — never these, so a callee's anomaly does not explain them.
 */
export function isOwnResource(name: string): boolean {
  const f = indicatorFamily(name);
  return f === "cpu" || f === "memory" || f === "disk" || f === "restarts";
}
