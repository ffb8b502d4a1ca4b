/**
 * What the benchmarks read off the host (Linux /proc; NaN, null or empty elsewhere): the load average, the
 * CPU time of a nats-server and of this process's threads, and the median the figures are reported as.
 * Shared by bench:features, bench:scaling and the kernels' scanner bench.
 */
import { quantileSorted, sortedFinite } from "../detect/robust_stats.ts";

/** Median of the finite values (NaN when none). */
export function median(xs: readonly number[]): number {
  return quantileSorted(sortedFinite(xs), 0.5);
}

/** 1-minute load average, so figures taken on a shared box say how shared it was. */
export function load1(): number | null {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return null;
  }
}

/** utime + stime of a /proc `stat` line, in seconds (clock ticks, USER_HZ = 100). */
function statCpuS(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds (user + system) of the nats-server started on `storeDir`; NaN when it cannot be read. */
export function natsServerCpuS(storeDir: string): number {
  try {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^[0-9]+$/.test(e.name)) continue;
      let cmd = "";
      try {
        cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      } catch {
        continue;
      }
      if (cmd.includes(`${storeDir}/nats.conf`)) {
        return statCpuS(Deno.readTextFileSync(`/proc/${e.name}/stat`));
      }
    }
  } catch { /* not Linux */ }
  return NaN;
}

/** CPU seconds of each thread of this process, by "tid:name" (Deno Workers are named "worker-N"). */
export function threadCpuS(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const e of Deno.readDirSync("/proc/self/task")) {
      try {
        const stat = Deno.readTextFileSync(`/proc/self/task/${e.name}/stat`);
        out.set(`${e.name}:${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}`, statCpuS(stat));
      } catch { /* the thread ended */ }
    }
  } catch { /* not Linux */ }
  return out;
}
