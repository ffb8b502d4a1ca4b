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
  | "host"
  | "volume"
  | "other";

/** The family of an indicator, by name. */
export function indicatorFamily(name: string): IndicatorFamily {
  const n = name.toLowerCase();
  if (n.startsWith("edge_in_") || n.startsWith("callers_")) return "callers"; // what callers observed (src/incident/edge_indicators.ts)
  // `X<-caller` / `X<-caller@side`: X of this service as a caller measured it (src/replay/nezha.ts)
  if (/<-[^\s<]+$/.test(n)) return "callers";
  // the host's (node's) gauges: every pod on the node shares them
  if (/^(node|host)|^system\.|^k8s\.node\./.test(n)) return "host";
  // bytes and system calls move with the load, whatever its cause
  if (/syscall|bytes|network\.io|disk\.io$/.test(n)) return "volume";
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
 * How much a change of a family says about the service itself, in [0, 1] (a weight in log space: a family
 * of weight w adds w·ln(1 + z)). A service's own latency is mostly what it waits for (0.3); the volume
 * of bytes and system calls follows its load (0.3); host gauges are shared by every pod on the node (0).
 */
export function familyWeight(family: IndicatorFamily): number {
  return family === "latency" || family === "volume" ? 0.3 : family === "host" ? 0 : 1;
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

/**
 * Whether a metric describes the cluster's view of a workload rather than the workload's own activity:
 * restart counts, readiness, phase, requests and limits (the Collector's k8s_cluster receiver,
 * kube-state-metrics). The cluster keeps reporting them, with the service's name attached, while the pod is
 * down, so they never show that a service is still reporting.
 */
export function isClusterState(name: string): boolean {
  const n = name.toLowerCase();
  return indicatorFamily(n) === "restarts" || n.startsWith("kube_") ||
    /^k8s\.(container|pod)\.(ready|phase|status|(cpu|memory|storage|ephemeralstorage)_(request|limit))/.test(
      n,
    ) ||
    /^k8s\.(deployment|replicaset|statefulset|daemonset|job|cronjob|hpa)\./.test(n);
}

/**
 * Whether an indicator is reported by the service itself: not what its callers observed of it
 * (`edge_in_*`, `callers_*`, `X<-caller`), nor the cluster's state of it ({@link isClusterState}).
 */
export function reportedBySelf(indicator: string): boolean {
  return indicatorFamily(indicator) !== "callers" && !isClusterState(indicator);
}
