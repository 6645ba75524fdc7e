import { chiSquaredSurvival } from './distributions';

/** Alert threshold used by most experimentation platforms: real imbalances reach it fast, noise rarely does. */
export const SRM_P_VALUE_THRESHOLD = 0.001;

export interface SampleRatioCheck {
  chiSquared: number;
  degreesOfFreedom: number;
  pValue: number;
  mismatch: boolean;
}

/**
 * Sample-ratio mismatch: Pearson's chi-squared goodness of fit of the arm sizes against the
 * planned weights (scipy's chisquare with expected counts from the weights). A mismatch means
 * assignment or tracking is broken, so no comparison between the arms can be trusted.
 * Weights need not sum to 1; each must be positive. No recipients at all is no evidence (p = 1).
 */
export function sampleRatioMismatch(input: { observed: number[]; weights: number[] }): SampleRatioCheck {
  const { observed, weights } = input;
  if (observed.length !== weights.length || observed.length < 2) {
    throw new RangeError(
      `sampleRatioMismatch needs one weight per arm and at least two arms (got ${observed.length} arms, ${weights.length} weights)`,
    );
  }
  if (weights.some((w) => !(w > 0 && Number.isFinite(w)))) {
    throw new RangeError('sampleRatioMismatch needs positive, finite weights');
  }
  const degreesOfFreedom = observed.length - 1;
  const total = observed.reduce((a, b) => a + b, 0);
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return { chiSquared: 0, degreesOfFreedom, pValue: 1, mismatch: false };
  let chiSquared = 0;
  observed.forEach((o, i) => {
    const expected = (total * (weights[i] ?? 0)) / weightTotal;
    chiSquared += ((o - expected) * (o - expected)) / expected;
  });
  const pValue = chiSquaredSurvival(chiSquared, degreesOfFreedom);
  return { chiSquared, degreesOfFreedom, pValue, mismatch: pValue < SRM_P_VALUE_THRESHOLD };
}
