/**
 * Builds the AssemblyScript kernels into WebAssembly.
 *
 *   deno task build:kernels            # release + debug into kernels/build/
 *   deno run -A kernels/build.ts --out-dir /tmp/x --target release
 *
 * The build is deterministic: the same sources and compiler give byte-identical files, which is what
 * src/features/kernels/wasm_build_test.ts checks against the committed release module.
 */
import asc from "assemblyscript/asc";

export type KernelTarget = "release" | "debug";

const KERNELS_DIR = new URL("./", import.meta.url);

/** Compiler flags shared by both targets: no managed runtime, no imports, fixed-width SIMD. */
const COMMON_FLAGS = [
  "--runtime",
  "stub",
  "--enable",
  "simd,relaxed-simd",
  "--initialMemory",
  "2",
];

const TARGET_FLAGS: Record<KernelTarget, string[]> = {
  release: ["-O3", "--noAssert", "--use", "abort="],
  debug: ["--debug"],
};

/**
 * The asc flags of a target (a fresh array): what every AssemblyScript module of the project is compiled
 * with, the kernels here and the spikes under kernels/bench/.
 */
export function kernelFlags(target: KernelTarget): string[] {
  return [...COMMON_FLAGS, ...TARGET_FLAGS[target]];
}

/** File name of a built target inside the output directory. */
export function kernelFileName(target: KernelTarget): string {
  return `vigil_kernels.${target}.wasm`;
}

/**
 * Compiles kernels/assembly/index.ts for one target and returns the module bytes; writes them (and the
 * debug source map) into outDir when given. Throws with the compiler's diagnostics on failure.
 */
export async function buildKernels(
  target: KernelTarget,
  options: { out_dir?: string } = {},
): Promise<Uint8Array> {
  const entry = new URL("assembly/index.ts", KERNELS_DIR).pathname;
  const files = new Map<string, Uint8Array | string>();
  const name = kernelFileName(target);
  const { error, stderr } = await asc.main(
    [entry, "--outFile", name, ...kernelFlags(target)],
    {
      writeFile(filename: string, contents: Uint8Array | string) {
        files.set(filename.replace(/^.*\//, ""), contents);
      },
    },
  );
  if (error) throw new Error(`Cannot build the ${target} kernels: ${stderr.toString()}`);
  const wasm = files.get(name);
  if (!(wasm instanceof Uint8Array)) {
    throw new Error(`Cannot build the ${target} kernels: no ${name} written`);
  }
  if (options.out_dir !== undefined) {
    await Deno.mkdir(options.out_dir, { recursive: true });
    for (const [file, contents] of files) {
      const path = `${options.out_dir}/${file}`;
      if (typeof contents === "string") await Deno.writeTextFile(path, contents);
      else await Deno.writeFile(path, contents);
    }
  }
  return wasm;
}

if (import.meta.main) {
  const args = Deno.args;
  const outIndex = args.indexOf("--out-dir");
  const outDir = outIndex >= 0 ? args[outIndex + 1] : new URL("build", KERNELS_DIR).pathname;
  const targetIndex = args.indexOf("--target");
  const targets: KernelTarget[] = targetIndex >= 0
    ? [args[targetIndex + 1] as KernelTarget]
    : ["release", "debug"];
  for (const target of targets) {
    const started = performance.now();
    const wasm = await buildKernels(target, { out_dir: outDir });
    console.log(
      `built ${outDir}/${kernelFileName(target)} (${wasm.length} bytes, ${
        Math.round(performance.now() - started)
      } ms)`,
    );
  }
}
