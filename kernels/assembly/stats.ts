// Robust statistics by selection: quantiles (linear interpolation between order statistics, the
// "type 7" definition of Hyndman & Fan, "Sample Quantiles in Statistical Packages", 1996, also numpy's
// default), the median and the median absolute deviation. Selection is Hoare's FIND (quickselect) with
// a median-of-three pivot: expected O(n) per quantile, working on a scratch copy of each series.

// Partially orders buf[0..n) so that buf[k] is the k-th smallest value, and returns it.
function select(buf: usize, n: i32, k: i32): f64 {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    // Median of three into buf[mid], with buf[lo] <= buf[mid] <= buf[hi].
    if (at(buf, mid) < at(buf, lo)) swap(buf, mid, lo);
    if (at(buf, hi) < at(buf, lo)) swap(buf, hi, lo);
    if (at(buf, hi) < at(buf, mid)) swap(buf, hi, mid);
    const pivot = at(buf, mid);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (at(buf, i) < pivot) i++;
      while (at(buf, j) > pivot) j--;
      if (i <= j) {
        swap(buf, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return at(buf, k);
}

function at(buf: usize, i: i32): f64 {
  return load<f64>(buf + (<usize> i << 3));
}

function swap(buf: usize, i: i32, j: i32): void {
  const pi = buf + (<usize> i << 3);
  const pj = buf + (<usize> j << 3);
  const t = load<f64>(pi);
  store<f64>(pi, load<f64>(pj));
  store<f64>(pj, t);
}

// Type-7 quantile of buf[0..n) (reordered in place).
function quantileOf(buf: usize, n: i32, q: f64): f64 {
  const h = <f64> (n - 1) * q;
  const k = <i32> Math.floor(h);
  const low = select(buf, n, k);
  const frac = h - <f64> k;
  if (frac == 0 || k + 1 >= n) return low;
  // After selection every element right of k is >= buf[k]; the next order statistic is their minimum.
  let next = at(buf, k + 1);
  for (let i = k + 2; i < n; i++) {
    const x = at(buf, i);
    if (x < next) next = x;
  }
  return low + frac * (next - low);
}

/** For each of `batch` series of len f64 values, the quantiles qs[0..nq) into out (batch x nq). */
export function quantileBatch(
  data: usize,
  out: usize,
  len: i32,
  batch: i32,
  qs: usize,
  nq: i32,
  scratch: usize,
): void {
  const bytes = <usize> len << 3;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < nq; t++) {
      memory.copy(scratch, data + <usize> b * bytes, bytes);
      store<f64>(
        out + (<usize> (b * nq + t) << 3),
        quantileOf(scratch, len, load<f64>(qs + (<usize> t << 3))),
      );
    }
  }
}

/** For each of `batch` series: the median absolute deviation median(|x - median(x)|), unscaled. */
export function madBatch(data: usize, out: usize, len: i32, batch: i32, scratch: usize): void {
  const bytes = <usize> len << 3;
  for (let b = 0; b < batch; b++) {
    const series = data + <usize> b * bytes;
    memory.copy(scratch, series, bytes);
    const med = quantileOf(scratch, len, 0.5);
    for (let i = 0; i < len; i++) {
      store<f64>(scratch + (<usize> i << 3), Math.abs(load<f64>(series + (<usize> i << 3)) - med));
    }
    store<f64>(out + (<usize> b << 3), quantileOf(scratch, len, 0.5));
  }
}

/** Index of the first NaN or infinity among n values of T, or -1. */
export function firstNonFinite<T>(ptr: usize, n: i32): i32 {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const p = ptr + (<usize> i << B);
    // x - x is 0 for finite x and NaN otherwise; NaN != NaN.
    const d0 = v128.sub<T>(v128.load(p), v128.load(p));
    const d1 = v128.sub<T>(v128.load(p, 16), v128.load(p, 16));
    const d2 = v128.sub<T>(v128.load(p, 32), v128.load(p, 32));
    const d3 = v128.sub<T>(v128.load(p, 48), v128.load(p, 48));
    const bad = v128.or(
      v128.or(v128.ne<T>(d0, d0), v128.ne<T>(d1, d1)),
      v128.or(v128.ne<T>(d2, d2), v128.ne<T>(d3, d3)),
    );
    if (v128.any_true(bad)) break;
  }
  for (; i < n; i++) {
    const x = load<T>(ptr + (<usize> i << B));
    if (x - x != 0) return i;
  }
  return -1;
}
