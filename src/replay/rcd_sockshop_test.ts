import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { defaultRcdSockshopDir, loadRcdSockshop, splitRcdColumn } from "./rcd_sockshop.ts";
import { sharedDataExists } from "./shared_data.ts";
import { firstOf } from "./dataset.ts";

const present = sharedDataExists("rca", "rcd-sockshop", "carts-cpu", "1", "anomalous.csv");

Deno.test("splitRcdColumn() splits service names with dashes from multi-part indicators", () => {
  deepStrictEqual(splitRcdColumn("carts-db_lat_99"), ["carts-db", "lat_99"]);
  deepStrictEqual(splitRcdColumn("queue-master_cpu"), ["queue-master", "cpu"]);
  strictEqual(splitRcdColumn("time"), null);
});

Deno.test({
  name: "loadRcdSockshop() decodes carts-cpu/1 as normal then anomalous rows on one 1 s grid",
  ignore: !present,
  fn: async () => {
    const ds = loadRcdSockshop(defaultRcdSockshopDir());
    strictEqual(ds.size, 50);
    const first = await firstOf(ds.cases());
    const { label, input: { frame } } = first;
    deepStrictEqual(
      [label.id, label.root_cause_service, label.root_cause_indicator, label.fault_type],
      ["carts-cpu/1", "carts", "cpu", "cpu"],
    );
    strictEqual(label.fault_start_ms, 1652812675_000); // first timestamp of anomalous.csv
    strictEqual(frame.step_ms, 1000);
    strictEqual(frame.times_ms.length, 292 + 282); // data rows of normal.csv + anomalous.csv
    ok(frame.times_ms.includes(label.fault_start_ms));
    strictEqual(frame.series.size, 13);
    deepStrictEqual([...frame.series.get("carts")!.keys()].sort(), [
      "cpu",
      "lat_50",
      "lat_90",
      "lat_99",
      "lod",
      "mem",
    ]);
    // first value of anomalous.csv's carts_cpu lands at the fault start
    const i = frame.times_ms.indexOf(label.fault_start_ms);
    strictEqual(frame.series.get("carts")!.get("cpu")![i], 100.06266460914617);
  },
});
