// Vector exponential for f32x4 / f64x2 lanes: range reduction x = n ln2 + r, |r| <= ln2 / 2, a polynomial
// for e^r and 2^n built in the exponent bits (Cody & Waite, "Software Manual for the Elementary
// Functions", 1980; the f32 polynomial is Cephes expf). Results below the smallest normal flush to 0;
// -Infinity gives 0. Error: about 1 ulp (f64) and 2 ulp (f32) for arguments in range.

export function vexp<T>(x: v128): v128 {
  if (sizeof<T>() == 4) return vexpF32(x);
  return vexpF64(x);
}

function vexpF32(x0: v128): v128 {
  const tiny = f32x4.lt(x0, f32x4.splat(-87.3));
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-87.3)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  const r = f32x4.sub(
    f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))),
    f32x4.mul(n, f32x4.splat(-2.12194440e-4)),
  );
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, pow2), tiny);
}

function vexpF64(x0: v128): v128 {
  const tiny = f64x2.lt(x0, f64x2.splat(-708.0));
  const x = f64x2.min(f64x2.max(x0, f64x2.splat(-708.0)), f64x2.splat(709.0));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634)));
  const r = f64x2.sub(
    f64x2.sub(x, f64x2.mul(n, f64x2.splat(6.93147180369123816490e-1))),
    f64x2.mul(n, f64x2.splat(1.90821492927058770002e-10)),
  );
  // Taylor series of e^r to degree 13: truncation error below 1e-17 for |r| <= ln2 / 2.
  let p = f64x2.splat(1.0 / 6227020800.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  const pow2 = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, pow2), tiny);
}
