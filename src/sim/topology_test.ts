import { assert, assertEquals, assertRejects, assertThrows } from "../../tests/helpers/assert.ts";
import { loadTopologyFile, parseTopology, parseTopologyText, TopologyError } from "./topology.ts";
import { BUILTIN_TOPOLOGIES, builtinTopology, resolveTopology } from "./topologies/mod.ts";

const example = new URL("../../config/topologies/payments-api.yaml", import.meta.url).pathname;

Deno.test("builtinTopology() validates the three benchmark-like systems", () => {
  const sizes = Object.fromEntries(
    Object.keys(BUILTIN_TOPOLOGIES).map((n) => {
      const t = builtinTopology(n as keyof typeof BUILTIN_TOPOLOGIES);
      return [n, t.services.filter((s) => s.kind === "service").length];
    }),
  );
  assert(sizes["online-boutique"] >= 10, `online-boutique ${sizes["online-boutique"]}`);
  assert(sizes["sock-shop"] >= 8 && builtinTopology("sock-shop").services.length === 13);
  assert(sizes["train-ticket"] >= 40, `train-ticket ${sizes["train-ticket"]}`);
  const ss = builtinTopology("sock-shop");
  assert(ss.services.some((s) => s.kind === "queue" && s.messaging_system === "rabbitmq"));
  assert(ss.services.some((s) => s.kind === "database" && s.db_system === "mongodb"));
});

Deno.test("loadTopologyFile() loads a YAML topology and applies defaults", async () => {
  const t = await loadTopologyFile(example);
  assertEquals(t.name, "payments-api");
  const risk = t.services.find((s) => s.name === "risk")!;
  assertEquals(risk.protocol, "grpc");
  assertEquals(risk.replicas, 1);
  assertEquals(risk.endpoints[0].calls, []);
  assertEquals(t.load.diurnal_period_s, 86_400);
  assertEquals((await resolveTopology(example)).name, "payments-api");
});

Deno.test("parseTopologyText() reads JSON too", () => {
  const json = JSON.stringify(builtinTopology("sock-shop"));
  assertEquals(parseTopologyText(json, { source: "x.json" }).services.length, 13);
});

Deno.test("loadTopologyFile() rejects a bad file naming every bad path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/bad.yaml`;
    await Deno.writeTextFile(
      bad,
      (await Deno.readTextFile(example))
        .replace("self_ms: 12", "self_ms: -4")
        .replace("service: ledger-db, endpoint: SELECT", "service: ledger-dbx, endpoint: SELECT")
        .replace("runtime: python", "runtime: cobol"),
    );
    const e = await assertRejects(() => loadTopologyFile(bad), TopologyError);
    assert(e.message.includes(bad), e.message);
    assert(e.issues.some((i) => i.startsWith("services[1].endpoints[0].self_ms:")), e.message);
    assert(e.issues.some((i) => i.startsWith("services[1].runtime:")), e.message);
    // Reference errors are reported once the shape is valid:
    await Deno.writeTextFile(
      bad,
      (await Deno.readTextFile(example)).replace(
        "service: ledger-db, endpoint: SELECT",
        "service: ledger-dbx, endpoint: SELECT",
      ),
    );
    const r = await assertRejects(() => loadTopologyFile(bad), TopologyError);
    assertEquals(r.issues, ['services[2].endpoints[1].calls[0].service: unknown service "ledger-dbx"']);
    await assertRejects(() => loadTopologyFile(`${dir}/missing.yaml`), TopologyError, "cannot read");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseTopology() rejects unknown keys, cycles and misuse of queues", () => {
  const base = () => structuredClone(BUILTIN_TOPOLOGIES["sock-shop"]) as Record<string, unknown>;
  const unknownKey = { ...base(), colour: "blue" };
  assertThrows(() => parseTopology(unknownKey), TopologyError, "(root): Unrecognized key");

  const cyclic = base() as { services: { name: string; endpoints: { name: string; calls?: unknown[] }[] }[] };
  cyclic.services.find((s) => s.name === "payment")!.endpoints[0].calls = [{
    service: "orders",
    endpoint: "POST /orders",
  }];
  assertThrows(() => parseTopology(cyclic), TopologyError, "cycle");

  const direct = base() as typeof cyclic;
  direct.services.find((s) => s.name === "payment")!.endpoints[0].calls = [
    { service: "rabbitmq", endpoint: "publish shipping-task" },
  ];
  assertThrows(() => parseTopology(direct), TopologyError, 'with "via: rabbitmq"');
});
