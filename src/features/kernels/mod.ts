/**
 * Vigil numeric kernels (AssemblyScript compiled to WebAssembly, kernels/): FFT, spectral tools, Sinkhorn
 * optimal transport and robust statistics, with plain TypeScript twins for reference.
 *
 * @module
 */
export * from "./fft.ts";
export * from "./spectral.ts";
export * from "./sinkhorn.ts";
export * from "./robust_stats.ts";
export type { FloatArray, Precision } from "./kernel_runtime.ts";
