/**
 * TAMO-style frequency-domain attention (after TAMO's T2, "fine-grained multi-modal fusion ... causal
 * graph in the frequency domain"): each service's most deviating indicator, around the onset, is taken to
 * the frequency domain with the FFT; attention between services is the softmax of their spectra's
 * normalized cross-power (coherence), and the direction of an edge comes from the cross-spectrum's phase
 * (the leading series is the cause). A service's root score is its own anomaly times the causal strength it
 * sends out minus what it receives. Training-free; a learned version would replace the coherence.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import { type Fft, nextPowerOfTwo, wasmFft } from "../detect/fft.ts";
import { BaroLocalizer, type BaroOptions } from "./baro.ts";
import { onsetIndex, sortCandidates } from "./onset.ts";

export interface SpectralAttentionOptions extends BaroOptions {
  /** Windows before and after the onset taken into the spectra. @default 32 */
  span_windows?: number;
  /** Softmax temperature over coherences. @default 0.1 */
  temperature?: number;
  fft?: Fft;
}

export interface CausalEdge {
  readonly cause: string;
  readonly effect: string;
  readonly strength: number;
}

export class SpectralAttentionLocalizer implements Localizer {
  readonly name = "spectral_attention";
  readonly #baro: BaroLocalizer;
  constructor(private readonly options: SpectralAttentionOptions = {}) {
    this.#baro = new BaroLocalizer(options);
  }

  /** The causal strength graph (edges with strength > 0), strongest first. */
  causalGraph(input: LocalizeInput): CausalEdge[] {
    return this.#compute(input).edges;
  }

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const { services, root, base, edges } = this.#compute(input);
    return sortCandidates(services.map((s, i) => {
      const b = base.get(s)!;
      const outs = edges.filter((e) => e.cause === s).slice(0, 3).map((e) =>
        `${e.effect} (${e.strength.toFixed(2)})`
      );
      return {
        service: s,
        ...(b.indicator ? { indicator: b.indicator } : {}),
        score: root[i],
        evidence: [...(outs.length ? [`spectrally leads ${outs.join(", ")}`] : []), ...b.evidence],
      };
    }));
  }

  #compute(input: LocalizeInput) {
    const baseList = this.#baro.localize(input);
    const base = new Map(baseList.map((c) => [c.service, c]));
    const services = baseList.map((c) => c.service).sort();
    const frame = input.frame;
    const t0 = onsetIndex(frame, input.anomaly_start_ms);
    const span = this.options.span_windows ?? 32;
    const from = Math.max(0, t0 - span);
    const to = Math.min(frame.times_ms.length, t0 + span);
    const len = nextPowerOfTwo(Math.max(2, to - from));
    const fft = this.options.fft ?? wasmFft;
    const spectra = services.map((s) => {
      const col = frame.series.get(s)?.get(base.get(s)!.indicator ?? "") ?? new Float64Array(0);
      const re = new Float64Array(len);
      const im = new Float64Array(len);
      let mean = 0;
      let c = 0;
      for (let i = from; i < to; i++) if (Number.isFinite(col[i])) (mean += col[i], c++);
      mean = c ? mean / c : 0;
      let sd = 0;
      for (let i = from; i < to; i++) if (Number.isFinite(col[i])) sd += (col[i] - mean) ** 2;
      sd = Math.sqrt(sd / Math.max(1, c)) || 1;
      for (let i = from; i < to; i++) re[i - from] = Number.isFinite(col[i]) ? (col[i] - mean) / sd : 0;
      fft.transform(re, im, false);
      return { re, im };
    });
    const n = services.length;
    const half = len >> 1;
    const temp = this.options.temperature ?? 0.1;
    const edges: CausalEdge[] = [];
    const outS = new Float64Array(n);
    const inS = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const coh = new Float64Array(n);
      const lead = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let cr = 0, ci = 0, pi = 0, pj = 0, phaseLead = 0;
        for (let k = 1; k < half; k++) {
          const a = spectra[i], b = spectra[j];
          // cross-spectrum X_i · conj(X_j)
          const xr = a.re[k] * b.re[k] + a.im[k] * b.im[k];
          const xi = a.im[k] * b.re[k] - a.re[k] * b.im[k];
          cr += xr;
          ci += xi;
          pi += a.re[k] ** 2 + a.im[k] ** 2;
          pj += b.re[k] ** 2 + b.im[k] ** 2;
          // For x_j(t) = x_i(t - d) (i leads by d > 0), X_i·conj(X_j) has phase +2πkd/len: a positive
          // magnitude-weighted phase means i leads. Low frequencies weigh more (1/k), where the phase is unwrapped.
          phaseLead += Math.atan2(xi, xr) * Math.hypot(xr, xi) / k;
        }
        coh[j] = Math.hypot(cr, ci) / Math.sqrt(pi * pj + 1e-12);
        lead[j] = phaseLead;
      }
      // attention of i over the others (softmax of coherence)
      let z = 0;
      const att = new Float64Array(n);
      for (let j = 0; j < n; j++) if (j !== i) z += att[j] = Math.exp(coh[j] / temp);
      for (let j = 0; j < n; j++) {
        if (j === i || z === 0) continue;
        const s = (att[j] / z) * coh[j];
        if (lead[j] > 0) {
          outS[i] += s;
          inS[j] += s;
          edges.push({ cause: services[i], effect: services[j], strength: s });
        }
      }
    }
    edges.sort((a, b) => b.strength - a.strength);
    const root = services.map((s, i) => {
      const b = base.get(s)!.score;
      const anomaly = 1 - Math.exp(-Math.max(0, b) / 10);
      return anomaly * (1 + outS[i] - inS[i]);
    });
    return { services, root, base, edges };
  }
}
