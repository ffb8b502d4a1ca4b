import assert from "node:assert/strict";
import { LogTemplateBuffer } from "./log_template_buffer.ts";

const STEP = 10_000;
const rec = (service: string, w: number, templates: [string, number, number][]) => ({
  service,
  window_start_ms: w * STEP,
  logs: {
    count: templates.reduce((n, t) => n + t[1], 0),
    by_severity: {},
    templates: templates.map(([t, count, error_count]) => ({
      template_id: t,
      template: `tpl ${t}`,
      count,
      error_count,
    })),
  },
});

Deno.test("LogTemplateBuffer.series() aligns counts with the frame's windows, zero where a template had none", () => {
  const b = new LogTemplateBuffer({ step_ms: STEP, capacity: 4 });
  b.add(rec("a", 1, [["x", 3, 0]]));
  b.add(rec("a", 3, [["x", 5, 0], ["y", 2, 2]]));
  const s = b.series(3 * STEP);
  const x = s.find((l) => l.template_id === "x")!;
  const y = s.find((l) => l.template_id === "y")!;
  assert.deepEqual([...x.counts], [0, 3, 0, 5]);
  assert.deepEqual([...y.counts], [0, 0, 0, 2]);
  assert.deepEqual([...y.error_counts!], [0, 0, 0, 2]);
  assert.equal(x.template, "tpl x");
  assert.equal(x.service, "a");
});

Deno.test("LogTemplateBuffer drops templates idle for the whole capacity", () => {
  const b = new LogTemplateBuffer({ step_ms: STEP, capacity: 3 });
  b.add(rec("a", 0, [["old", 1, 0]]));
  b.add(rec("a", 1, [["new", 1, 0]]));
  assert.equal(b.size, 2);
  b.add(rec("b", 3, [["z", 1, 0]])); // windows 1..3 kept: "old" (window 0) goes
  assert.equal(b.size, 2);
  assert.deepEqual(b.series().map((l) => l.template_id).sort(), ["new", "z"]);
});

Deno.test("LogTemplateBuffer keeps max_templates per service, evicting the least recently seen, never the newest", () => {
  const b = new LogTemplateBuffer({ step_ms: STEP, capacity: 10, max_templates: 2 });
  b.add(rec("a", 0, [["chatter", 100, 0], ["rare", 1, 0]]));
  b.add(rec("a", 1, [["chatter", 100, 0]]));
  b.add(rec("a", 2, [["fresh", 1, 1]]));
  assert.deepEqual(b.series().map((l) => l.template_id).sort(), ["chatter", "fresh"]);
});

Deno.test("LogTemplateBuffer rejects a bad capacity, naming the value", () => {
  assert.throws(() => new LogTemplateBuffer({ step_ms: STEP, capacity: 1 }), /current value is 1/);
  assert.throws(
    () => new LogTemplateBuffer({ step_ms: STEP, capacity: 4, max_templates: 0 }),
    /current value is 0/,
  );
});

Deno.test("LogTemplateBuffer.addCounts() buffers any keyed counts (operations) on the same grid", () => {
  const b = new LogTemplateBuffer({ step_ms: 10, capacity: 3 });
  b.addCounts("api", 0, [{ template_id: "GET /a", template: "GET /a", count: 5, error_count: 1 }]);
  b.addCounts("api", 10, [{ template_id: "GET /a", template: "GET /a", count: 7, error_count: 0 }]);
  b.addCounts("api", 20, []);
  const [s] = b.series(20);
  assert.equal(s.template, "GET /a");
  assert.deepEqual([...s.counts], [5, 7, 0]);
  assert.deepEqual([...s.error_counts!], [1, 0, 0]);
});
