import { normalQuantile, twoSidedZ } from './distributions';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_POWER = 0.8;

/**
 * Recipients per arm for a fixed-horizon, two-sided two-proportion z-test to detect the
 * relative lift `relativeEffect` (0.1 = +10 %) over `baselineRate`: the pooled variance under
 * the null, the unpooled one under the alternative, no continuity correction (Fleiss, Levin &
 * Paik, "Statistical Methods for Rates and Proportions", 3rd ed., eq. 4.14 without the
 * correction). 5 % → 5.5 % at α = 0.05 and 80 % power needs 31,234 per arm.
 * Null when the rates are not both strictly between 0 and 1 or the effect is 0.
 */
export function requiredSampleSize(input: {
  baselineRate: number;
  relativeEffect: number;
  alpha?: number;
  power?: number;
}): number | null {
  const { baselineRate: p1, relativeEffect, alpha = DEFAULT_ALPHA, power = DEFAULT_POWER } = input;
  const p2 = p1 * (1 + relativeEffect);
  if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1) || relativeEffect === 0) return null;
  const pBar = (p1 + p2) / 2;
  const zAlpha = twoSidedZ(1 - alpha);
  const zBeta = normalQuantile(power);
  const root = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((root * root) / ((p2 - p1) * (p2 - p1)));
}

/** How many more recipients each arm still needs: the smallest arm decides. */
export function remainingSampleSize(input: {
  requiredPerArm: number | null;
  perArm: readonly number[];
}): number | null {
  const { requiredPerArm, perArm } = input;
  if (requiredPerArm === null || perArm.length === 0) return null;
  return Math.max(0, requiredPerArm - Math.min(...perArm));
}
