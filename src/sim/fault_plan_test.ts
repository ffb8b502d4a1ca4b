import { assert, assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { FAULT_TYPES } from "../core/rca.ts";
import { FAULT_KINDS } from "./faults.ts";
import { planEndMs, planFaultCases, reachableEndpoints, truthRecord } from "./fault_plan.ts";
import { builtinTopology } from "./topologies/mod.ts";

const topology = builtinTopology("online-boutique");
const start_ms = Date.UTC(2026, 0, 1);

Deno.test("planFaultCases() covers every kind once per cycle, with fault-free gaps", () => {
  const cases = planFaultCases({ topology, cases: 18, seed: 4, start_ms });
  assertEquals(cases.length, 18);
  assertEquals(new Set(cases.slice(0, 9).map((c) => c.fault.kind)).size, FAULT_KINDS.length);
  assertEquals(cases[0].fault_start_ms, start_ms + 600_000);
  for (let i = 1; i < cases.length; i++) {
    assertEquals(cases[i].fault_start_ms - cases[i - 1].fault_end_ms, 420_000);
  }
  for (const c of cases) {
    assertEquals(c.fault_end_ms - c.fault_start_ms, 180_000);
    assert(FAULT_TYPES.includes(c.fault_type));
    assertEquals(c.dataset, "sim:online-boutique");
    assertEquals(c.id, c.fault.id);
    assertEquals(c.root_cause_service, c.fault.service);
    if (c.fault.kind === "code_return" || c.fault.kind === "code_exception") {
      assertEquals(c.root_cause_indicator, c.fault.endpoint);
      assert(topology.services.find((s) => s.name === c.root_cause_service)!.kind === "service");
    }
  }
  const cpu = cases.find((c) => c.fault.kind === "cpu_hog")!;
  assertEquals([cpu.fault_type, cpu.root_cause_indicator], ["cpu", "cpu"]);
  const mem = cases.find((c) => c.fault.kind === "memory_leak")!;
  assertEquals([mem.fault_type, mem.root_cause_indicator], ["memory", "mem"]);
  assertEquals(planEndMs(cases, { start_ms }), cases.at(-1)!.fault_end_ms + 420_000);
});

Deno.test("planFaultCases() is deterministic for a seed and honours kinds and services", () => {
  const a = planFaultCases({ topology, cases: 6, seed: 1, start_ms });
  assertEquals(a, planFaultCases({ topology, cases: 6, seed: 1, start_ms }));
  assert(JSON.stringify(a) !== JSON.stringify(planFaultCases({ topology, cases: 6, seed: 2, start_ms })));
  const only = planFaultCases({
    topology,
    cases: 4,
    seed: 1,
    start_ms,
    kinds: ["disk_io"],
    services: ["redis-cart", "cartservice"],
  });
  assert(
    only.every((c) =>
      c.fault.kind === "disk_io" && ["redis-cart", "cartservice"].includes(c.root_cause_service)
    ),
  );
  // Never the same service twice in a row when there is a choice.
  for (let i = 1; i < only.length; i++) assert(only[i].root_cause_service !== only[i - 1].root_cause_service);
  const rec = truthRecord(only[0], 1);
  assertEquals(Object.keys(rec).slice(0, 5), [
    "case_id",
    "dataset",
    "root_cause_service",
    "root_cause_indicator",
    "fault_type",
  ]);
});

Deno.test("planFaultCases() rejects bad input naming the value", () => {
  assertThrows(
    () => planFaultCases({ topology, cases: -1, seed: 1, start_ms }),
    RangeError,
    "current value is -1",
  );
  assertThrows(
    () => planFaultCases({ topology, cases: 1, seed: 1, start_ms, services: ["nope"] }),
    RangeError,
    "current value is nope",
  );
  assertThrows(
    () =>
      planFaultCases({
        topology,
        cases: 1,
        seed: 1,
        start_ms,
        kinds: ["code_return"],
        services: ["redis-cart"],
      }),
    RangeError,
    "no candidate service",
  );
});

Deno.test("reachableEndpoints() follows calls and queues from the entrypoints", () => {
  const r = reachableEndpoints(builtinTopology("sock-shop"));
  assert(r.get("queue-master")!.has("consume shipping-task"));
  assert(r.get("rabbitmq")!.has("publish shipping-task"));
  assertEquals([...r.get("payment")!], ["POST /paymentAuth"]);
});
