import { ok, strictEqual } from "node:assert/strict";
import { defaultNabDir, loadNab, parseNabTime } from "./nab.ts";
import { sharedDataExists } from "./shared_data.ts";

const present = sharedDataExists("ad", "nab", "labels", "combined_windows.json");

Deno.test("parseNabTime() reads NAB timestamps with and without microseconds as UTC", () => {
  strictEqual(parseNabTime("2014-04-10 07:15:00.000000"), Date.UTC(2014, 3, 10, 7, 15));
  strictEqual(parseNabTime("2014-04-10 07:15:00"), Date.UTC(2014, 3, 10, 7, 15));
});

Deno.test({
  name: "loadNab() yields the 58 series with their label windows",
  ignore: !present,
  fn: async () => {
    const ds = await loadNab(defaultNabDir());
    strictEqual(ds.size, 58);
    let windows = 0;
    let taxi = null;
    for await (const s of ds.series()) {
      windows += s.windows.length;
      strictEqual(s.times_ms.length, s.values.length);
      if (s.name === "realKnownCause/nyc_taxi.csv") taxi = s;
    }
    strictEqual(windows, 116);
    ok(taxi);
    strictEqual(taxi.values[0], 10844);
    strictEqual(taxi.times_ms[0], Date.UTC(2014, 6, 1));
    strictEqual(taxi.windows.length, 5);
  },
});
