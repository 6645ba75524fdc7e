import { logGamma, regularizedBeta, regularizedGammaQ } from './special-functions';

/** erfc(x), from Q(1/2, x²) so that the upper tail keeps its relative precision. */
export function erfc(x: number): number {
  const q = regularizedGammaQ(0.5, x * x);
  return x >= 0 ? q : 2 - q;
}

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z > z); for large z this is accurate where 1 − Φ(z) would round to 0. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

// P. J. Acklam's rational approximation of Φ⁻¹ (relative error 1.15e-9), then one Halley step
// against normalCdf to reach double precision.
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (const c of coefficients) value = value * x + c;
  return value;
}

/** Φ⁻¹(p) for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = polynomial(C, q) / (polynomial(D, q) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = (polynomial(A, r) * q) / (polynomial(B, r) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -polynomial(C, q) / (polynomial(D, q) * q + 1);
  }
  const error = normalCdf(x) - p;
  const u = error * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Φ⁻¹(0.975), as scipy.stats.norm.ppf(0.975). */
const Z_95 = 1.959963984540054;

/** The two-sided critical value z with P(|Z| > z) = 1 − confidence. */
export function twoSidedZ(confidence: number): number {
  // Every report asks for 95 %, several times per arm: skip the series for it.
  if (confidence === 0.95) return Z_95;
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** P(χ²_k > x). */
export function chiSquaredSurvival(x: number, degreesOfFreedom: number): number {
  return regularizedGammaQ(degreesOfFreedom / 2, x / 2);
}

/** P(|T| > |t|) for Student's t with (possibly fractional) degrees of freedom. */
export function studentTTwoSidedP(t: number, degreesOfFreedom: number): number {
  return regularizedBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
}

/** P(T ≤ t). */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  const tail = studentTTwoSidedP(t, degreesOfFreedom) / 2;
  return t >= 0 ? 1 - tail : tail;
}

function studentTDensity(t: number, v: number): number {
  return Math.exp(
    logGamma((v + 1) / 2) - logGamma(v / 2) - 0.5 * Math.log(v * Math.PI) - ((v + 1) / 2) * Math.log1p((t * t) / v),
  );
}

/**
 * The t with P(|T| > t) = 1 − confidence: Newton's method on the two-sided tail, kept inside
 * a bracket so heavy tails (df near 1) cannot throw it off.
 */
export function twoSidedT(confidence: number, degreesOfFreedom: number): number {
  const target = 1 - confidence;
  let low = 0;
  let high = Math.max(1, twoSidedZ(confidence));
  while (studentTTwoSidedP(high, degreesOfFreedom) > target) {
    low = high;
    high *= 2;
  }
  let t = (low + high) / 2;
  for (let i = 0; i < 200; i++) {
    const excess = studentTTwoSidedP(t, degreesOfFreedom) - target;
    if (excess > 0) low = t;
    else high = t;
    const step = excess / (2 * studentTDensity(t, degreesOfFreedom));
    let next = t + step;
    if (!(next > low && next < high)) next = (low + high) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, t)) return next;
    t = next;
  }
  return t;
}
