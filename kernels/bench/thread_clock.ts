/**
 * The CPU time of this thread in ms (Linux CLOCK_THREAD_CPUTIME_ID through libc), so that time spent
 * preempted by other jobs on the shared cores is not counted; what load still costs (caches evicted by
 * the jobs that ran in between) is. Falls back to wall-clock time where libc cannot be opened.
 */
export function threadClock(): { now: () => number; kind: string } {
  if (Deno.build.os === "linux") {
    try {
      const libc = Deno.dlopen("libc.so.6", {
        clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
      });
      const ts = new BigInt64Array(2);
      const CLOCK_THREAD_CPUTIME_ID = 3;
      return {
        now() {
          libc.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, ts);
          return Number(ts[0]) * 1e3 + Number(ts[1]) / 1e6;
        },
        kind: "thread CPU time",
      };
    } catch {
      // fall through
    }
  }
  return { now: () => performance.now(), kind: "wall-clock time" };
}
