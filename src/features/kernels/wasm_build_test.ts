import { assertEquals } from "../../../tests/helpers/assert.ts";
import { buildKernels, kernelFileName } from "../../../kernels/build.ts";

Deno.test("the committed release Wasm is byte-identical to a fresh build of kernels/assembly", async () => {
  const committed = await Deno.readFile(
    new URL(`../../../kernels/build/${kernelFileName("release")}`, import.meta.url),
  );
  const dir = await Deno.makeTempDir({ prefix: "vigil_kernels_" });
  try {
    const fresh = await buildKernels("release", { out_dir: dir });
    const same = fresh.length === committed.length && fresh.every((byte, i) => byte === committed[i]);
    assertEquals(
      same,
      true,
      `kernels/build/${
        kernelFileName("release")
      } is stale (${committed.length} bytes committed, ${fresh.length} built): run deno task build:kernels and commit the result`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
