import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseCsv, toNumber } from "./csv.ts";

Deno.test("parseCsv() reads quoted fields with doubled quotes, commas and newlines", () => {
  const t = parseCsv('a,b,c\r\n1,"x,""y""\nz",\n2,,"q"\n\n');
  assertEquals(t.header, ["a", "b", "c"]);
  assertEquals(t.rows, [["1", 'x,"y"\nz', ""], ["2", "", "q"]]);
});

Deno.test("parseCsv() throws naming the offset when a quote is not closed", () => {
  throws(() => parseCsv('a\n"open'), /offset/);
});

Deno.test("toNumber() turns empty and unparsable cells into NaN", () => {
  assertEquals([toNumber(""), toNumber("x"), toNumber("1.5"), toNumber(undefined)], [NaN, NaN, 1.5, NaN]);
});
