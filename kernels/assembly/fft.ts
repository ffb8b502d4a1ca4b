// Fast Fourier transforms over caller-owned linear memory.
//
// Complex transforms are a Stockham autosort FFT (no bit reversal: every stage reads one buffer and writes
// the other) with radix-4 stages and one radix-2 stage when log2(n) is odd, on a split (planar) re/im
// layout so that Wasm SIMD works on 4 f32 or 2 f64 lanes of independent butterflies. Real transforms of
// length n use the standard "two reals in one complex" packing: the even/odd samples form an n/2-point
// complex signal whose spectrum is untangled by one twiddle pass.
// Reference: Stockham, "High-speed convolution and correlation" (AFIPS 1966); the radix-4 Stockham
// formulation follows Van Loan, "Computational Frameworks for the Fast Fourier Transform" (SIAM 1992), §1.7.
//
// Conventions: forward X_k = sum_j x_j e^{-2 pi i jk/n} (unscaled); inverse carries the 1/n.
// Interleaved complex arrays are [re0, im0, re1, im1, ...]. Every pointer is a byte address; every length
// counts elements of the precision T. Buffers passed to one call must not overlap.

const TAU: f64 = 6.283185307179586;

/** Elements of T in the plan of an m-point complex transform (twiddles per stage + real-split twiddles). */
export function fft_plan_len(m: i32): i32 {
  let len = 0;
  let n = m;
  while (n >= 4) {
    len += 6 * (n >> 2);
    n >>= 2;
  }
  return len + 2 * m;
}

/** Fills a plan for an m-point complex transform (and for the 2m-point real transform built on it). */
export function buildPlan<T>(plan: usize, m: i32): void {
  const B = alignof<T>();
  let n = m;
  let off = plan;
  while (n >= 4) {
    const n4 = n >> 2;
    for (let p = 0; p < n4; p++) {
      for (let r = 1; r <= 3; r++) {
        const angle = (-TAU * <f64> (r * p)) / <f64> n;
        store<T>(off + (<usize> ((2 * r - 2) * n4 + p) << B), <T> Math.cos(angle));
        store<T>(off + (<usize> ((2 * r - 1) * n4 + p) << B), <T> Math.sin(angle));
      }
    }
    off += <usize> (6 * n4) << B;
    n >>= 2;
  }
  for (let k = 0; k < m; k++) {
    const angle = (-TAU * <f64> k) / <f64> (2 * m);
    store<T>(off + (<usize> k << B), <T> Math.cos(angle));
    store<T>(off + (<usize> (m + k) << B), <T> Math.sin(angle));
  }
}

/** Byte address of the real-split twiddles W_{2m}^k (re[m], im[m]) inside a plan. */
export function realTwiddles<T>(plan: usize, m: i32): usize {
  return plan + (<usize> (fft_plan_len(m) - 2 * m) << alignof<T>());
}

function reverseLanes<T>(v: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<f32>(v, v, 3, 2, 1, 0);
  return v128.shuffle<f64>(v, v, 1, 0);
}

function evenLanes<T>(v0: v128, v1: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
  return v128.shuffle<f64>(v0, v1, 0, 2);
}

function oddLanes<T>(v0: v128, v1: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<f32>(v0, v1, 1, 3, 5, 7);
  return v128.shuffle<f64>(v0, v1, 1, 3);
}

function interleaveLow<T>(re: v128, im: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<f32>(re, im, 0, 4, 1, 5);
  return v128.shuffle<f64>(re, im, 0, 2);
}

function interleaveHigh<T>(re: v128, im: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<f32>(re, im, 2, 6, 3, 7);
  return v128.shuffle<f64>(re, im, 1, 3);
}

/** Splits count interleaved complex values (or 2*count reals into even/odd) into planar re/im. */
export function deinterleave<T>(src: usize, re: usize, im: usize, count: i32): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  let k = 0;
  for (; k + L <= count; k += L) {
    const v0 = v128.load(src + (<usize> (2 * k) << B));
    const v1 = v128.load(src + (<usize> (2 * k) << B), 16);
    v128.store(re + (<usize> k << B), evenLanes<T>(v0, v1));
    v128.store(im + (<usize> k << B), oddLanes<T>(v0, v1));
  }
  for (; k < count; k++) {
    store<T>(re + (<usize> k << B), load<T>(src + (<usize> (2 * k) << B)));
    store<T>(im + (<usize> k << B), load<T>(src + (<usize> (2 * k + 1) << B)));
  }
}

/** Writes planar re/im (times scale) as count interleaved complex values. */
export function interleave<T>(re: usize, im: usize, dst: usize, count: i32, scale: T): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const vs = v128.splat<T>(scale);
  let k = 0;
  for (; k + L <= count; k += L) {
    const r = v128.mul<T>(v128.load(re + (<usize> k << B)), vs);
    const i = v128.mul<T>(v128.load(im + (<usize> k << B)), vs);
    v128.store(dst + (<usize> (2 * k) << B), interleaveLow<T>(r, i));
    v128.store(dst + (<usize> (2 * k) << B), interleaveHigh<T>(r, i), 16);
  }
  for (; k < count; k++) {
    store<T>(dst + (<usize> (2 * k) << B), load<T>(re + (<usize> k << B)) * scale);
    store<T>(dst + (<usize> (2 * k + 1) << B), load<T>(im + (<usize> k << B)) * scale);
  }
}

// One radix-4 Stockham stage: sequence length n, stride s, x -> y, twiddles tw (w1r w1i w2r w2i w3r w3i).
function radix4Stage<T>(xr: usize, xi: usize, yr: usize, yi: usize, n: i32, s: i32, tw: usize): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const n4 = n >> 2;
  const quarter = <usize> (n4 * s) << B;
  const tq = <usize> n4 << B;
  if (s >= L) {
    const stride = <usize> s << B;
    for (let p = 0; p < n4; p++) {
      const tp = tw + (<usize> p << B);
      const w1r = v128.splat<T>(load<T>(tp));
      const w1i = v128.splat<T>(load<T>(tp + tq));
      const w2r = v128.splat<T>(load<T>(tp + 2 * tq));
      const w2i = v128.splat<T>(load<T>(tp + 3 * tq));
      const w3r = v128.splat<T>(load<T>(tp + 4 * tq));
      const w3i = v128.splat<T>(load<T>(tp + 5 * tq));
      const xo = <usize> (p * s) << B;
      const yo = <usize> (4 * p * s) << B;
      for (let q: usize = 0; q < stride; q += 16) {
        const pa = xo + q;
        const ar = v128.load(xr + pa);
        const ai = v128.load(xi + pa);
        const br = v128.load(xr + pa + quarter);
        const bi = v128.load(xi + pa + quarter);
        const cr = v128.load(xr + pa + 2 * quarter);
        const ci = v128.load(xi + pa + 2 * quarter);
        const dr = v128.load(xr + pa + 3 * quarter);
        const di = v128.load(xi + pa + 3 * quarter);
        const apcr = v128.add<T>(ar, cr);
        const apci = v128.add<T>(ai, ci);
        const amcr = v128.sub<T>(ar, cr);
        const amci = v128.sub<T>(ai, ci);
        const bpdr = v128.add<T>(br, dr);
        const bpdi = v128.add<T>(bi, di);
        const bmdr = v128.sub<T>(br, dr);
        const bmdi = v128.sub<T>(bi, di);
        const t1r = v128.add<T>(amcr, bmdi);
        const t1i = v128.sub<T>(amci, bmdr);
        const t2r = v128.sub<T>(apcr, bpdr);
        const t2i = v128.sub<T>(apci, bpdi);
        const t3r = v128.sub<T>(amcr, bmdi);
        const t3i = v128.add<T>(amci, bmdr);
        const po = yo + q;
        v128.store(yr + po, v128.add<T>(apcr, bpdr));
        v128.store(yi + po, v128.add<T>(apci, bpdi));
        v128.store(yr + po + stride, v128.sub<T>(v128.mul<T>(t1r, w1r), v128.mul<T>(t1i, w1i)));
        v128.store(yi + po + stride, v128.add<T>(v128.mul<T>(t1r, w1i), v128.mul<T>(t1i, w1r)));
        v128.store(yr + po + 2 * stride, v128.sub<T>(v128.mul<T>(t2r, w2r), v128.mul<T>(t2i, w2i)));
        v128.store(yi + po + 2 * stride, v128.add<T>(v128.mul<T>(t2r, w2i), v128.mul<T>(t2i, w2r)));
        v128.store(yr + po + 3 * stride, v128.sub<T>(v128.mul<T>(t3r, w3r), v128.mul<T>(t3i, w3i)));
        v128.store(yi + po + 3 * stride, v128.add<T>(v128.mul<T>(t3r, w3i), v128.mul<T>(t3i, w3r)));
      }
    }
  } else if (s == 1 && n4 >= L) {
    // First stage: vectorise across p; the four outputs of each butterfly are adjacent, so transpose.
    for (let p = 0; p < n4; p += L) {
      const pa = <usize> p << B;
      const ar = v128.load(xr + pa);
      const ai = v128.load(xi + pa);
      const br = v128.load(xr + pa + quarter);
      const bi = v128.load(xi + pa + quarter);
      const cr = v128.load(xr + pa + 2 * quarter);
      const ci = v128.load(xi + pa + 2 * quarter);
      const dr = v128.load(xr + pa + 3 * quarter);
      const di = v128.load(xi + pa + 3 * quarter);
      const tp = tw + pa;
      const w1r = v128.load(tp);
      const w1i = v128.load(tp + tq);
      const w2r = v128.load(tp + 2 * tq);
      const w2i = v128.load(tp + 3 * tq);
      const w3r = v128.load(tp + 4 * tq);
      const w3i = v128.load(tp + 5 * tq);
      const apcr = v128.add<T>(ar, cr);
      const apci = v128.add<T>(ai, ci);
      const amcr = v128.sub<T>(ar, cr);
      const amci = v128.sub<T>(ai, ci);
      const bpdr = v128.add<T>(br, dr);
      const bpdi = v128.add<T>(bi, di);
      const bmdr = v128.sub<T>(br, dr);
      const bmdi = v128.sub<T>(bi, di);
      const t1r = v128.add<T>(amcr, bmdi);
      const t1i = v128.sub<T>(amci, bmdr);
      const t2r = v128.sub<T>(apcr, bpdr);
      const t2i = v128.sub<T>(apci, bpdi);
      const t3r = v128.sub<T>(amcr, bmdi);
      const t3i = v128.add<T>(amci, bmdr);
      const y0r = v128.add<T>(apcr, bpdr);
      const y0i = v128.add<T>(apci, bpdi);
      const y1r = v128.sub<T>(v128.mul<T>(t1r, w1r), v128.mul<T>(t1i, w1i));
      const y1i = v128.add<T>(v128.mul<T>(t1r, w1i), v128.mul<T>(t1i, w1r));
      const y2r = v128.sub<T>(v128.mul<T>(t2r, w2r), v128.mul<T>(t2i, w2i));
      const y2i = v128.add<T>(v128.mul<T>(t2r, w2i), v128.mul<T>(t2i, w2r));
      const y3r = v128.sub<T>(v128.mul<T>(t3r, w3r), v128.mul<T>(t3i, w3i));
      const y3i = v128.add<T>(v128.mul<T>(t3r, w3i), v128.mul<T>(t3i, w3r));
      const po = pa << 2;
      storeTransposed<T>(yr + po, y0r, y1r, y2r, y3r);
      storeTransposed<T>(yi + po, y0i, y1i, y2i, y3i);
    }
  } else {
    for (let p = 0; p < n4; p++) {
      const tp = tw + (<usize> p << B);
      const w1r = load<T>(tp);
      const w1i = load<T>(tp + tq);
      const w2r = load<T>(tp + 2 * tq);
      const w2i = load<T>(tp + 3 * tq);
      const w3r = load<T>(tp + 4 * tq);
      const w3i = load<T>(tp + 5 * tq);
      for (let q = 0; q < s; q++) {
        const pa = <usize> (p * s + q) << B;
        const ar = load<T>(xr + pa);
        const ai = load<T>(xi + pa);
        const br = load<T>(xr + pa + quarter);
        const bi = load<T>(xi + pa + quarter);
        const cr = load<T>(xr + pa + 2 * quarter);
        const ci = load<T>(xi + pa + 2 * quarter);
        const dr = load<T>(xr + pa + 3 * quarter);
        const di = load<T>(xi + pa + 3 * quarter);
        const apcr = ar + cr;
        const apci = ai + ci;
        const amcr = ar - cr;
        const amci = ai - ci;
        const bpdr = br + dr;
        const bpdi = bi + di;
        const bmdr = br - dr;
        const bmdi = bi - di;
        const t1r = amcr + bmdi;
        const t1i = amci - bmdr;
        const t2r = apcr - bpdr;
        const t2i = apci - bpdi;
        const t3r = amcr - bmdi;
        const t3i = amci + bmdr;
        const stride = <usize> s << B;
        const po = <usize> (4 * p * s + q) << B;
        store<T>(yr + po, apcr + bpdr);
        store<T>(yi + po, apci + bpdi);
        store<T>(yr + po + stride, t1r * w1r - t1i * w1i);
        store<T>(yi + po + stride, t1r * w1i + t1i * w1r);
        store<T>(yr + po + 2 * stride, t2r * w2r - t2i * w2i);
        store<T>(yi + po + 2 * stride, t2r * w2i + t2i * w2r);
        store<T>(yr + po + 3 * stride, t3r * w3r - t3i * w3i);
        store<T>(yi + po + 3 * stride, t3r * w3i + t3i * w3r);
      }
    }
  }
}

// Stores lanes so that memory reads y0[0] y1[0] y2[0] y3[0] y0[1] y1[1] ... (a 4 x L transpose).
function storeTransposed<T>(dst: usize, y0: v128, y1: v128, y2: v128, y3: v128): void {
  if (sizeof<T>() == 4) {
    const t0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
    v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
  } else {
    v128.store(dst, v128.shuffle<f64>(y0, y1, 0, 2));
    v128.store(dst, v128.shuffle<f64>(y2, y3, 0, 2), 16);
    v128.store(dst, v128.shuffle<f64>(y0, y1, 1, 3), 32);
    v128.store(dst, v128.shuffle<f64>(y2, y3, 1, 3), 48);
  }
}

// The last stage when log2(n) is odd: n = 2, stride s = m / 2, twiddle 1.
function radix2Stage<T>(xr: usize, xi: usize, yr: usize, yi: usize, s: i32): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const half = <usize> s << B;
  let q = 0;
  for (; q + L <= s; q += L) {
    const o = <usize> q << B;
    const ar = v128.load(xr + o);
    const ai = v128.load(xi + o);
    const br = v128.load(xr + o + half);
    const bi = v128.load(xi + o + half);
    v128.store(yr + o, v128.add<T>(ar, br));
    v128.store(yi + o, v128.add<T>(ai, bi));
    v128.store(yr + o + half, v128.sub<T>(ar, br));
    v128.store(yi + o + half, v128.sub<T>(ai, bi));
  }
  for (; q < s; q++) {
    const o = <usize> q << B;
    const ar = load<T>(xr + o);
    const ai = load<T>(xi + o);
    const br = load<T>(xr + o + half);
    const bi = load<T>(xi + o + half);
    store<T>(yr + o, ar + br);
    store<T>(yi + o, ai + bi);
    store<T>(yr + o + half, ar - br);
    store<T>(yi + o + half, ai - bi);
  }
}

/**
 * Forward m-point complex FFT of planar x into planar y, using planar w as the ping-pong buffer.
 * x is left untouched unless it aliases w; y and w must be distinct from x and from each other.
 */
export function fftCore<T>(
  xr: usize,
  xi: usize,
  yr: usize,
  yi: usize,
  wr: usize,
  wi: usize,
  m: i32,
  plan: usize,
): void {
  const B = alignof<T>();
  if (m == 1) {
    store<T>(yr, load<T>(xr));
    store<T>(yi, load<T>(xi));
    return;
  }
  let stages = 0;
  let n = m;
  while (n >= 4) {
    stages++;
    n >>= 2;
  }
  if (n == 2) stages++;
  let sr = xr;
  let si = xi;
  let s = 1;
  let t = 0;
  let tw = plan;
  n = m;
  while (n >= 4) {
    const toY = ((stages - 1 - t) & 1) == 0;
    const dr = toY ? yr : wr;
    const di = toY ? yi : wi;
    radix4Stage<T>(sr, si, dr, di, n, s, tw);
    tw += <usize> (6 * (n >> 2)) << B;
    sr = dr;
    si = di;
    n >>= 2;
    s <<= 2;
    t++;
  }
  if (n == 2) radix2Stage<T>(sr, si, yr, yi, s);
}

/** Untangles the m-point spectrum Z of packed reals into X_0..X_m (interleaved, 2m + 2 elements). */
export function realForwardPost<T>(zr: usize, zi: usize, out: usize, m: i32, tw: usize): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const twr = tw;
  const twi = tw + (<usize> m << B);
  const z0r = load<T>(zr);
  const z0i = load<T>(zi);
  store<T>(out, z0r + z0i);
  store<T>(out + (<usize> 1 << B), 0);
  store<T>(out + (<usize> (2 * m) << B), z0r - z0i);
  store<T>(out + (<usize> (2 * m + 1) << B), 0);
  const h = v128.splat<T>(<T> 0.5);
  let k = 1;
  for (; k + L <= m; k += L) {
    const o = <usize> k << B;
    const mo = <usize> (m - k - L + 1) << B;
    const ar = v128.load(zr + o);
    const ai = v128.load(zi + o);
    const br = reverseLanes<T>(v128.load(zr + mo));
    const ci = reverseLanes<T>(v128.load(zi + mo));
    const er = v128.mul<T>(v128.add<T>(ar, br), h);
    const ei = v128.mul<T>(v128.sub<T>(ai, ci), h);
    const or = v128.mul<T>(v128.add<T>(ai, ci), h);
    const oi = v128.mul<T>(v128.sub<T>(br, ar), h);
    const wr = v128.load(twr + o);
    const wi = v128.load(twi + o);
    const xr = v128.add<T>(er, v128.sub<T>(v128.mul<T>(wr, or), v128.mul<T>(wi, oi)));
    const xi = v128.add<T>(ei, v128.add<T>(v128.mul<T>(wr, oi), v128.mul<T>(wi, or)));
    v128.store(out + (o << 1), interleaveLow<T>(xr, xi));
    v128.store(out + (o << 1), interleaveHigh<T>(xr, xi), 16);
  }
  for (; k < m; k++) {
    const o = <usize> k << B;
    const mo = <usize> (m - k) << B;
    const ar = load<T>(zr + o);
    const ai = load<T>(zi + o);
    const br = load<T>(zr + mo);
    const ci = load<T>(zi + mo);
    const er = (ar + br) * <T> 0.5;
    const ei = (ai - ci) * <T> 0.5;
    const or = (ai + ci) * <T> 0.5;
    const oi = (br - ar) * <T> 0.5;
    const wr = load<T>(twr + o);
    const wi = load<T>(twi + o);
    store<T>(out + (o << 1), er + wr * or - wi * oi);
    store<T>(out + (o << 1) + (<usize> 1 << B), ei + wr * oi + wi * or);
  }
}

/**
 * Inverse of realForwardPost: from X_0..X_m (interleaved) builds Z/m, where Z is the m-point spectrum of
 * the packed even/odd samples, so that a forward transform with swapped re/im yields the signal.
 */
export function realInversePre<T>(inp: usize, zr: usize, zi: usize, m: i32, tw: usize): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const twr = tw;
  const twi = tw + (<usize> m << B);
  const hs = <T> (0.5 / <f64> m);
  const h = v128.splat<T>(hs);
  let k = 0;
  for (; k + L <= m; k += L) {
    const o = <usize> k << B;
    const mo = <usize> (m - k - L + 1) << B;
    const a0 = v128.load(inp + (o << 1));
    const a1 = v128.load(inp + (o << 1), 16);
    const c0 = v128.load(inp + (mo << 1));
    const c1 = v128.load(inp + (mo << 1), 16);
    const ar = evenLanes<T>(a0, a1);
    const ai = oddLanes<T>(a0, a1);
    const cr = reverseLanes<T>(evenLanes<T>(c0, c1));
    const ci = reverseLanes<T>(oddLanes<T>(c0, c1));
    const er = v128.mul<T>(v128.add<T>(ar, cr), h);
    const ei = v128.mul<T>(v128.sub<T>(ai, ci), h);
    const dr = v128.mul<T>(v128.sub<T>(ar, cr), h);
    const di = v128.mul<T>(v128.add<T>(ai, ci), h);
    const wr = v128.load(twr + o);
    const wi = v128.load(twi + o);
    const or = v128.add<T>(v128.mul<T>(dr, wr), v128.mul<T>(di, wi));
    const oi = v128.sub<T>(v128.mul<T>(di, wr), v128.mul<T>(dr, wi));
    v128.store(zr + o, v128.sub<T>(er, oi));
    v128.store(zi + o, v128.add<T>(ei, or));
  }
  for (; k < m; k++) {
    const o = <usize> k << B;
    const mo = <usize> (m - k) << B;
    const ar = load<T>(inp + (o << 1));
    const ai = load<T>(inp + (o << 1) + (<usize> 1 << B));
    const cr = load<T>(inp + (mo << 1));
    const ci = load<T>(inp + (mo << 1) + (<usize> 1 << B));
    const er = (ar + cr) * hs;
    const ei = (ai - ci) * hs;
    const dr = (ar - cr) * hs;
    const di = (ai + ci) * hs;
    const wr = load<T>(twr + o);
    const wi = load<T>(twi + o);
    const or = dr * wr + di * wi;
    const oi = di * wr - dr * wi;
    store<T>(zr + o, er - oi);
    store<T>(zi + o, ei + or);
  }
}

/** Complex FFT of `batch` interleaved series of n points; scratch holds 6n elements. */
export function fftComplex<T>(
  inp: usize,
  out: usize,
  n: i32,
  batch: i32,
  inverse: bool,
  plan: usize,
  scratch: usize,
): void {
  const B = alignof<T>();
  const nb = <usize> n << B;
  const zr = scratch;
  const zi = zr + nb;
  const yr = zi + nb;
  const yi = yr + nb;
  const wr = yi + nb;
  const wi = wr + nb;
  const scale = inverse ? <T> (1.0 / <f64> n) : <T> 1;
  for (let b = 0; b < batch; b++) {
    const series = <usize> (2 * n * b) << B;
    deinterleave<T>(inp + series, zr, zi, n);
    if (inverse) fftCore<T>(zi, zr, yi, yr, wi, wr, n, plan);
    else fftCore<T>(zr, zi, yr, yi, wr, wi, n, plan);
    interleave<T>(yr, yi, out + series, n, scale);
  }
}

/** Forward real FFT of one series of n reals into n/2 + 1 interleaved bins; scratch holds 3n elements. */
export function fftRealOne<T>(inp: usize, out: usize, n: i32, plan: usize, scratch: usize): void {
  const B = alignof<T>();
  const m = n >> 1;
  const mb = <usize> m << B;
  const zr = scratch;
  const zi = zr + mb;
  const yr = zi + mb;
  const yi = yr + mb;
  const wr = yi + mb;
  const wi = wr + mb;
  deinterleave<T>(inp, zr, zi, m);
  fftCore<T>(zr, zi, yr, yi, wr, wi, m, plan);
  realForwardPost<T>(yr, yi, out, m, realTwiddles<T>(plan, m));
}

/** Inverse real FFT of n/2 + 1 interleaved bins into n reals; scratch holds 3n elements. */
export function ifftRealOne<T>(inp: usize, out: usize, n: i32, plan: usize, scratch: usize): void {
  const B = alignof<T>();
  const m = n >> 1;
  const mb = <usize> m << B;
  const zr = scratch;
  const zi = zr + mb;
  const yr = zi + mb;
  const yi = yr + mb;
  const wr = yi + mb;
  const wi = wr + mb;
  realInversePre<T>(inp, zr, zi, m, realTwiddles<T>(plan, m));
  fftCore<T>(zi, zr, yi, yr, wi, wr, m, plan);
  interleave<T>(yr, yi, out, m, <T> 1);
}
