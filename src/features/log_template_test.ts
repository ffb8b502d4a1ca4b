import { deepStrictEqual as assertEquals, notDeepStrictEqual } from "node:assert";
import { logTemplate, templateId, TemplateMiner } from "./log_template.ts";

Deno.test("logTemplate() masks variable tokens and keeps constant ones", () => {
  assertEquals(
    logTemplate("GET /api/users/42 took 12ms status=500 from 10.0.0.7:443"),
    "GET /api/users/<*> took <*> status=<*> from <*>",
  );
  assertEquals(logTemplate("  connection   reset by peer "), "connection reset by peer");
  assertEquals(logTemplate('user "bob" not found id 123 456'), "user <*> not found id <*>");
  assertEquals(logTemplate("level=info msg=started"), "level=info msg=started");
});

Deno.test("TemplateMiner.mine() gives the same stable id to messages of one template", () => {
  const m = new TemplateMiner();
  const a = m.mine("db timeout after 30 ms on shard 4");
  const b = new TemplateMiner().mine("db timeout after 2500 ms on shard 11");
  assertEquals(a, b);
  assertEquals(a.id, templateId("db timeout after <*> ms on shard <*>"));
  assertEquals(a.id, "e6282e7f9023eaea"); // pinned: ids must never change between releases
  notDeepStrictEqual(m.mine("cache miss for key 4").id, a.id);
});
