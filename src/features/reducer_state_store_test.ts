import { deepStrictEqual as assertEquals, rejects } from "node:assert";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { connectBus } from "../bus/connection.ts";
import { ReducerStateStore } from "./reducer_state_store.ts";
import type { ReducerSnapshot, ServiceState } from "./reducer_state.ts";

const svc = (service: string, last_end_ms: number): ServiceState => ({
  tenant: "default",
  service,
  last_end_ms,
  baselines: [[`requests\u0000sum\u0000${service}-0\u0000`, [last_end_ms - 5_000, 0, last_end_ms / 1000, 0]]],
  clusters: {
    clusters: [[`t-${service}`, `hello from ${service} <*>`, last_end_ms - 10_000, [`t-${service}`]]],
  },
});
const snap = (changed: ServiceState[], position: number, forgotten: string[] = []): ReducerSnapshot => ({
  progress: { max_event_ms: position * 1000, flushed_through_ms: null, position },
  changed,
  forgotten: forgotten.map((service) => ({ tenant: "default", service })),
});

Deno.test({
  name:
    "ReducerStateStore.load() returns the last complete generation, rolling back one whose marker never came",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    await using bus = await connectBus(nats.url);
    const store = await ReducerStateStore.open(bus);
    assertEquals((await store.load()).gen, 0);
    await store.write(snap([svc("a", 10_000), svc("b", 10_000)], 3));
    await store.write(snap([svc("a", 20_000)], 5));
    // generation 3 writes a, b and a new service c, then dies before its marker
    await rejects(
      store.write(snap([svc("a", 30_000), svc("b", 30_000), svc("c", 30_000)], 9), {
        on_step: () => {
          throw new Error("killed");
        },
      }),
      /killed/,
    );
    await rejects(store.write(snap([], 10)), /before load\(\) after a failed write/);
    const again = await ReducerStateStore.open(bus);
    const got = await again.load();
    assertEquals(got.gen, 2);
    assertEquals(got.rolled_back, 3);
    assertEquals(got.progress.position, 5);
    assertEquals(got.services, [svc("a", 20_000), svc("b", 10_000)]);
    // the bucket holds complete revisions again: a second crash in the next generation still rolls back
    await rejects(
      again.write(snap([svc("a", 40_000)], 11), {
        on_step: () => {
          throw new Error("killed again");
        },
      }),
    );
    const third = await ReducerStateStore.open(bus);
    assertEquals((await third.load()).services, [svc("a", 20_000), svc("b", 10_000)]);
    // forgetting deletes; a complete generation is what the next load sees
    await third.write(snap([svc("a", 50_000)], 12, ["b"]));
    const fourth = await (await ReducerStateStore.open(bus)).load();
    assertEquals([fourth.gen, fourth.services], [3, [svc("a", 50_000)]]);
  },
});
