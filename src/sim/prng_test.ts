import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { Prng, seedToInt } from "./prng.ts";

Deno.test("Prng gives the same sequence for the same seed and another for another seed", () => {
  const draw = (seed: string | number) => {
    const r = new Prng(seed);
    return Array.from({ length: 20 }, () => r.uint32());
  };
  assertEquals(draw(42), draw(42));
  assertEquals(draw("abc"), draw("abc"));
  assert(draw(42).join() !== draw(43).join());
  assertEquals(seedToInt(42), seedToInt("42"));
});

Deno.test("Prng distributions have the documented centre and spread", () => {
  const r = new Prng(1);
  const n = 20_000;
  let u = 0, z = 0, z2 = 0, pois = 0, exp = 0, below = 0;
  for (let i = 0; i < n; i++) {
    const x = r.next();
    assert(x >= 0 && x < 1);
    u += x;
    const g = r.normal();
    z += g;
    z2 += g * g;
    pois += r.poisson(3.5);
    exp += r.exponential(2);
    if (r.lognormal(10, 0.5) < 10) below++;
  }
  assert(Math.abs(u / n - 0.5) < 0.01, `uniform mean ${u / n}`);
  assert(Math.abs(z / n) < 0.03 && Math.abs(z2 / n - 1) < 0.05, `normal ${z / n}, ${z2 / n}`);
  assert(Math.abs(pois / n - 3.5) < 0.08, `poisson mean ${pois / n}`);
  assert(Math.abs(exp / n - 2) < 0.06, `exponential mean ${exp / n}`);
  assert(Math.abs(below / n - 0.5) < 0.02, `lognormal median share ${below / n}`);
  const big = Array.from({ length: 2000 }, () => r.poisson(400));
  assert(Math.abs(big.reduce((a, b) => a + b, 0) / 2000 - 400) < 2);
});

Deno.test("Prng.weighted() and hex() behave", () => {
  const r = new Prng(9);
  const counts = [0, 0, 0];
  for (let i = 0; i < 9000; i++) counts[r.weighted([1, 2, 6])]++;
  assert(counts[0] < counts[1] && counts[1] < counts[2], `${counts}`);
  const id = r.hex(16);
  assert(/^[0-9a-f]{32}$/.test(id), id);
  assertEquals(r.hex(8).length, 16);
});
