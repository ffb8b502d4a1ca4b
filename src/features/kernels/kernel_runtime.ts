/**
 * The one instance of the Vigil Wasm kernels (kernels/build/vigil_kernels.release.wasm) and the memory it
 * works in. Loaded synchronously on first use; plans (FFT twiddles) live in a persistent region, and every
 * call reserves its buffers from one scratch region above it that grows when a call needs more. Nothing
 * here allocates on the JS heap in the steady state: typed-array views are cached per memory buffer.
 *
 * @module
 */

/** The floating-point precision of a kernel call, taken from the typed arrays passed in. */
export type Precision = "f32" | "f64";

/** A float typed array; its type picks the kernel precision. */
export type FloatArray = Float32Array | Float64Array;

/** The raw exports of the kernel module (byte addresses and element counts; see kernels/assembly/). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  fft_plan_len(m: number): number;
  fft_plan_f32(plan: number, m: number): void;
  fft_plan_f64(plan: number, m: number): void;
  fft_complex_f32(
    inp: number,
    out: number,
    n: number,
    batch: number,
    inverse: number,
    plan: number,
    scratch: number,
  ): void;
  fft_complex_f64(
    inp: number,
    out: number,
    n: number,
    batch: number,
    inverse: number,
    plan: number,
    scratch: number,
  ): void;
  fft_real_f32(inp: number, out: number, n: number, batch: number, plan: number, scratch: number): void;
  fft_real_f64(inp: number, out: number, n: number, batch: number, plan: number, scratch: number): void;
  ifft_real_f32(inp: number, out: number, n: number, batch: number, plan: number, scratch: number): void;
  ifft_real_f64(inp: number, out: number, n: number, batch: number, plan: number, scratch: number): void;
  power_spectrum_f32(inp: number, out: number, n: number, batch: number, plan: number, scratch: number): void;
  power_spectrum_f64(inp: number, out: number, n: number, batch: number, plan: number, scratch: number): void;
  spectral_residual_f32(
    inp: number,
    out: number,
    n: number,
    window: number,
    realPlan: number,
    complexPlan: number,
    scratch: number,
  ): void;
  spectral_residual_f64(
    inp: number,
    out: number,
    n: number,
    window: number,
    realPlan: number,
    complexPlan: number,
    scratch: number,
  ): void;
  autocorrelation_f32(
    inp: number,
    out: number,
    len: number,
    maxLag: number,
    n: number,
    plan: number,
    scratch: number,
  ): void;
  autocorrelation_f64(
    inp: number,
    out: number,
    len: number,
    maxLag: number,
    n: number,
    plan: number,
    scratch: number,
  ): void;
  sinkhorn_scratch_len(method: number, n: number, m: number): number;
  sinkhorn_f32: SinkhornExport;
  sinkhorn_f64: SinkhornExport;
  quantile_batch_f64(
    data: number,
    out: number,
    len: number,
    batch: number,
    qs: number,
    nq: number,
    scratch: number,
  ): void;
  mad_batch_f64(data: number, out: number, len: number, batch: number, scratch: number): void;
  first_nonfinite_f32(ptr: number, n: number): number;
  first_nonfinite_f64(ptr: number, n: number): number;
}

type SinkhornExport = (
  method: number,
  a: number,
  b: number,
  cost: number,
  costStride: number,
  n: number,
  m: number,
  batch: number,
  eps: number,
  maxIter: number,
  tol: number,
  tau: number,
  scratch: number,
  f: number,
  g: number,
  plan: number,
  info: number,
) => void;

const PAGE_BYTES = 65536;
const VIEW_CACHE_SIZE = 16;

/** Rounds a byte count up to a multiple of 16 (one v128). */
export function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}

/** Bytes per element of a precision. */
export function bytesPer(precision: Precision): 4 | 8 {
  return precision === "f32" ? 4 : 8;
}

/** The precision of a float typed array; throws a TypeError for anything else. */
export function precisionOf(array: FloatArray, name: string): Precision {
  if (array instanceof Float32Array) return "f32";
  if (array instanceof Float64Array) return "f64";
  throw new TypeError(
    `Cannot run the kernel as ${name} must be a Float32Array or Float64Array: current value is ${
      Object.prototype.toString.call(array)
    }`,
  );
}

/** Owner of the kernel instance, its memory, the cached plans and the scratch region. */
export class KernelRuntime {
  readonly exports: KernelExports;
  #persistentTop: number;
  #plans = new Map<number, number>();
  #buffer: ArrayBuffer | null = null;
  #f32 = new Float32Array(0);
  #f64 = new Float64Array(0);
  #views: FloatArray[] = [];
  #viewNext = 0;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort(_message: number, _file: number, line: number, column: number) {
          throw new Error(`Kernel assertion failed at kernels/assembly line ${line}:${column}`);
        },
      },
    });
    this.exports = instance.exports as unknown as KernelExports;
    this.#persistentTop = align16(this.exports.heap_base());
  }

  /** The f32 view of the whole memory (refreshed after growth). */
  get f32(): Float32Array {
    this.#refresh();
    return this.#f32;
  }

  /** The f64 view of the whole memory (refreshed after growth). */
  get f64(): Float64Array {
    this.#refresh();
    return this.#f64;
  }

  /** Byte address of the plan for an m-point complex transform (2m-point real) at a precision. */
  plan(precision: Precision, m: number): number {
    const key = precision === "f32" ? m : -m;
    const cached = this.#plans.get(key);
    if (cached !== undefined) return cached;
    const ptr = this.#persistentTop;
    const bytes = align16(this.exports.fft_plan_len(m) * bytesPer(precision));
    this.#ensure(ptr + bytes);
    this.#persistentTop = ptr + bytes;
    if (precision === "f32") this.exports.fft_plan_f32(ptr, m);
    else this.exports.fft_plan_f64(ptr, m);
    this.#plans.set(key, ptr);
    return ptr;
  }

  /**
   * Reserves `bytes` of scratch for the current call and returns its 16-byte-aligned address. The region
   * is shared by all calls: it is valid until the next reserve() or plan().
   */
  reserve(bytes: number): number {
    const base = this.#persistentTop;
    this.#ensure(base + bytes);
    return base;
  }

  /** Copies values into memory at a byte address, converting to the precision. */
  write(values: ArrayLike<number>, ptr: number, precision: Precision): void {
    if (precision === "f32") this.f32.set(values, ptr >>> 2);
    else this.f64.set(values, ptr >>> 3);
  }

  /** A cached view of `length` elements at a byte address (do not keep it across calls). */
  view(ptr: number, length: number, precision: Precision): FloatArray {
    this.#refresh();
    for (const v of this.#views) {
      if (
        v.byteOffset === ptr && v.length === length && (v instanceof Float32Array) === (precision === "f32")
      ) {
        return v;
      }
    }
    const v = precision === "f32"
      ? new Float32Array(this.#buffer!, ptr, length)
      : new Float64Array(this.#buffer!, ptr, length);
    if (this.#views.length < VIEW_CACHE_SIZE) this.#views.push(v);
    else this.#views[this.#viewNext++ % VIEW_CACHE_SIZE] = v;
    return v;
  }

  /** Copies `output.length` elements from a byte address into output. */
  read(output: FloatArray, ptr: number): void {
    output.set(this.view(ptr, output.length, output instanceof Float32Array ? "f32" : "f64"));
  }

  #ensure(endByte: number): void {
    this.#refresh();
    const have = this.#buffer!.byteLength;
    if (endByte > have) {
      this.exports.memory.grow(Math.ceil((endByte - have) / PAGE_BYTES));
      this.#refresh();
    }
  }

  // Growing the memory detaches the old buffer (its byteLength drops to 0), so a live cached buffer is
  // current: checking that is cheaper than the memory.buffer getter, which crossed into the engine four
  // times per call (about 3% of a 1024-point f32 FFT).
  #refresh(): void {
    if (this.#buffer !== null && this.#buffer.byteLength !== 0) return;
    const buffer = this.exports.memory.buffer as ArrayBuffer;
    this.#buffer = buffer;
    this.#f32 = new Float32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#views = [];
    this.#viewNext = 0;
  }
}

let runtime: KernelRuntime | undefined;

/** The shared kernel runtime, instantiating the committed release module on first use. */
export function kernelRuntime(): KernelRuntime {
  if (runtime === undefined) {
    const url = new URL("../../../kernels/build/vigil_kernels.release.wasm", import.meta.url);
    runtime = new KernelRuntime(new WebAssembly.Module(Deno.readFileSync(url)));
  }
  return runtime;
}
