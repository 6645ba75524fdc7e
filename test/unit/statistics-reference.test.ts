// Reference values from established packages, produced by scripts/statistics/reference-values.py
// with scipy 1.17.1, statsmodels 0.15.0, numpy 1.26.4 and gbstats 0.8.0 (Python 3.11.7).
// Each block names the exact call. Same method → relative tolerance 1e-6 (most agree to 1e-12).
import { describe, expect, it } from 'vitest';
import {
  chiSquaredSurvival,
  normalQuantile,
  normalSurvival,
  studentTTwoSidedP,
  twoSidedT,
} from '../../domain/statistics/distributions';
import {
  bootstrapMeanDifference,
  compareMeans,
  compareProportions,
  requiredSampleSize,
  remainingSampleSize,
  sampleRatioMismatch,
  sequentialInterval,
  sequentialPValue,
  sequentialRho,
  summarize,
  wilsonInterval,
  type MeanSummary,
} from '../../domain/statistics';

function expectClose(actual: number | null | undefined, expected: number, relative = 1e-6) {
  expect(actual).not.toBeNull();
  expect(actual).toBeDefined();
  const tolerance = Math.max(relative * Math.abs(expected), 1e-12);
  expect(Math.abs((actual ?? Number.NaN) - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function everyNumberFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  return Object.values(value).every(everyNumberFinite);
}

describe('distributions (scipy.stats 1.17.1)', () => {
  it('match norm, chi2 and t', () => {
    expectClose(normalQuantile(0.975), 1.959963984540054, 1e-12); // norm.ppf(0.975)
    expectClose(normalQuantile(1e-4), -3.7190164854556804, 1e-12); // norm.ppf(1e-4)
    expectClose(normalSurvival(8), 6.22096057427174e-16, 1e-10); // norm.sf(8)
    expectClose(chiSquaredSurvival(9, 1), 0.0026997960632601883, 1e-10); // chi2.sf(9, 1)
    expectClose(chiSquaredSurvival(20, 3), 0.00016974243555282632, 1e-10); // chi2.sf(20, 3)
    expectClose(studentTTwoSidedP(2, 5), 0.10193947882985835, 1e-10); // 2 * t.sf(2, 5)
    expectClose(studentTTwoSidedP(1.5, 3.7), 0.2135981692020135, 1e-10); // 2 * t.sf(1.5, 3.7)
    expectClose(studentTTwoSidedP(2.5, 123456.7), 0.012420617364739773, 1e-8); // 2 * t.sf(2.5, 123456.7)
    expectClose(twoSidedT(0.95, 1), 12.706204736174694, 1e-10); // t.ppf(0.975, 1)
    expectClose(twoSidedT(0.95, 2.5), 3.5746548420036817, 1e-10); // t.ppf(0.975, 2.5)
  });
});

describe('wilsonInterval (statsmodels 0.15.0 proportion_confint(count, nobs, alpha=0.05, method="wilson"))', () => {
  const cases: [number, number, number, number][] = [
    [0, 3, 0.0, 0.5614970317550455],
    [1, 3, 0.06149194472039626, 0.7923403991979523],
    [3, 3, 0.43850296824495444, 1.0],
    [0, 1000, 2.168404344971009e-19, 0.003826758485555125],
    [50, 1000, 0.03813026239274881, 0.06531382024425081],
    [12, 40, 0.1807484522974653, 0.45430018818144946],
    [31234, 624680, 0.0494622986690259, 0.05054323583132319],
  ];
  it.each(cases)('%i of %i', (successes, trials, low, high) => {
    const interval = wilsonInterval({ successes, trials });
    expectClose(interval.rate, successes / trials, 1e-15);
    expectClose(interval.low, low);
    expectClose(interval.high, high);
  });

  it('honours the confidence level (alpha=0.01)', () => {
    const interval = wilsonInterval({ successes: 50, trials: 1000 }, 0.99);
    expectClose(interval.low, 0.03502507572253244);
    expectClose(interval.high, 0.07090697269053371);
  });

  it('gives exactly 0 and 1 at the ends, without the residue of the subtraction', () => {
    // 0 of 64 once came out as 3.469446951953614e-18 and reached the CSV in scientific notation.
    for (const trials of [3, 64, 100, 1000]) {
      expect(wilsonInterval({ successes: 0, trials }).low).toBe(0);
      expect(wilsonInterval({ successes: trials, trials }).high).toBe(1);
    }
  });

  it('knows nothing, without NaN, when nobody entered', () => {
    expect(wilsonInterval({ successes: 0, trials: 0 })).toEqual({ rate: 0, low: 0, high: 1 });
  });
});

describe('compareProportions (statsmodels 0.15.0)', () => {
  // z, p: proportions_ztest([xT, xC], [nT, nC]); difference: confint_proportions_2indep(xT, nT, xC, nC,
  // method='newcomb', compare='diff'); ratio: same with method='log', compare='ratio' (Katz), minus 1.
  const cases = [
    {
      name: 'moderate n',
      c: [500, 10000],
      t: [560, 10000],
      z: 1.8937529756356748,
      p: 0.05825780603351623,
      diff: [-0.00021266672889468097, 0.012222355660731262],
      ratio: [0.9959725392796722, 1.2594724759251221],
    },
    {
      name: 'tiny n=3, zero conversions in control',
      c: [0, 3],
      t: [1, 3],
      z: 1.0954451150103321,
      p: 0.27332167829229814,
      diff: [-0.29050691643637855, 0.7923403991979523],
      ratio: null,
    },
    {
      name: 'unequal 90/10 split',
      c: [45, 900],
      t: [12, 100],
      z: 2.8643495807875388,
      p: 0.004178665656262088,
      diff: [0.017420241431872506, 0.1491027680111204],
      ratio: [1.314079255362092, 4.383297260417403],
    },
    {
      name: 'large n',
      c: [25000, 500000],
      t: [25700, 500000],
      z: 3.190746635101582,
      p: 0.0014190566421892561,
      diff: [0.0005400332629675582, 0.002260015325724583],
      ratio: [1.010708440368758, 1.0455873897861496],
    },
    {
      name: 'zero conversions in control only',
      c: [0, 1000],
      t: [7, 1000],
      z: 2.6503935653368775,
      p: 0.008039805481319906,
      diff: [0.0017425239560276608, 0.01437831546576659],
      ratio: null,
    },
  ];
  it.each(cases)('$name', ({ c, t, z, p, diff, ratio }) => {
    const result = compareProportions({
      control: { successes: c[0] ?? 0, trials: c[1] ?? 0 },
      treatment: { successes: t[0] ?? 0, trials: t[1] ?? 0 },
    });
    expectClose(result.z, z);
    expectClose(result.pValue, p);
    expectClose(result.differenceInterval.low, diff[0] ?? 0);
    expectClose(result.differenceInterval.high, diff[1] ?? 0);
    if (ratio === null) {
      expect(result.relativeUpliftInterval).toBeNull();
    } else {
      expectClose(result.relativeUpliftInterval?.low, (ratio[0] ?? 0) - 1);
      expectClose(result.relativeUpliftInterval?.high, (ratio[1] ?? 0) - 1);
    }
  });

  it('gives nulls, not NaN, where statsmodels gives nan (no conversions anywhere)', () => {
    // proportions_ztest([0, 0], [1000, 1000]) → (nan, nan); newcomb interval (−0.003826758485555125, same +)
    const result = compareProportions({
      control: { successes: 0, trials: 1000 },
      treatment: { successes: 0, trials: 1000 },
    });
    expect(result).toMatchObject({
      difference: 0,
      relativeUplift: null,
      relativeUpliftInterval: null,
      z: null,
      pValue: null,
    });
    expectClose(result.differenceInterval.low, -0.003826758485555125);
    expectClose(result.differenceInterval.high, 0.003826758485555125);
  });

  it('stays finite with an empty arm', () => {
    const result = compareProportions({
      control: { successes: 0, trials: 0 },
      treatment: { successes: 30, trials: 500 },
    });
    expect(everyNumberFinite(result)).toBe(true);
    expect(result).toMatchObject({ relativeUplift: null, z: null, pValue: null });
    expect(result.differenceInterval.low).toBeGreaterThanOrEqual(-1);
    expect(result.differenceInterval.high).toBeLessThanOrEqual(1);
  });

  it('reports the relative uplift as treatment/control − 1', () => {
    const result = compareProportions({
      control: { successes: 50, trials: 1000 },
      treatment: { successes: 60, trials: 1000 },
    });
    expectClose(result.relativeUplift, 0.2, 1e-12);
  });
});

describe('sampleRatioMismatch (scipy 1.17.1 stats.chisquare(observed, f_exp=total * weights / sum(weights)))', () => {
  const cases: [number[], number[], number, number, boolean][] = [
    [[5000, 4700], [1, 1], 9.278350515463918, 0.002318781454334581, false],
    [[5000, 5030], [1, 1], 0.0897308075772682, 0.7645196573263563, false],
    [[9050, 950], [0.9, 0.1], 2.7777777777777777, 0.09558070454562936, false],
    [[8800, 1200], [0.9, 0.1], 44.44444444444444, 2.6167849372106072e-11, true],
    [[3300, 3350, 3240], [1, 1, 1], 1.840242669362993, 0.39847068983699496, false],
    [[2, 1], [1, 1], 0.3333333333333333, 0.5637028616507731, false],
  ];
  it.each(cases)('%j at weights %j', (observed, weights, chiSquared, pValue, mismatch) => {
    const result = sampleRatioMismatch({ observed, weights });
    expectClose(result.chiSquared, chiSquared, 1e-12);
    expectClose(result.pValue, pValue);
    expect(result.degreesOfFreedom).toBe(observed.length - 1);
    expect(result.mismatch).toBe(mismatch);
  });

  it('treats no recipients as no evidence and refuses malformed weights', () => {
    expect(sampleRatioMismatch({ observed: [0, 0], weights: [1, 1] })).toEqual({
      chiSquared: 0,
      degreesOfFreedom: 1,
      pValue: 1,
      mismatch: false,
    });
    expect(() => sampleRatioMismatch({ observed: [1, 2], weights: [1] })).toThrow(RangeError);
    expect(() => sampleRatioMismatch({ observed: [1, 2], weights: [1, 0] })).toThrow(RangeError);
  });
});

describe('requiredSampleSize', () => {
  // Closed form (z_{α/2}·√(2·p̄q̄) + z_β·√(p1q1 + p2q2))² / (p2 − p1)² with scipy 1.17.1 norm.ppf, then ceil.
  // statsmodels 0.15.0 NormalIndPower().solve_power(effect_size=proportion_effectsize(p2, p1), ...)
  // (arcsine approximation) gives 31217.4, 28202.0 and 5285.4: the same to within 0.2 %.
  it.each([
    [0.05, 0.1, 0.05, 0.8, 31234],
    [0.02, 0.2, 0.05, 0.9, 28258],
    [0.3, -0.1, 0.01, 0.8, 5288],
  ])('baseline %f, lift %f, alpha %f, power %f → %i per arm', (baselineRate, relativeEffect, alpha, power, n) => {
    expect(requiredSampleSize({ baselineRate, relativeEffect, alpha, power })).toBe(n);
  });

  it('defaults to alpha 0.05 and power 0.8, and says null where no test exists', () => {
    expect(requiredSampleSize({ baselineRate: 0.05, relativeEffect: 0.1 })).toBe(31234);
    expect(requiredSampleSize({ baselineRate: 0, relativeEffect: 0.1 })).toBeNull();
    expect(requiredSampleSize({ baselineRate: 0.05, relativeEffect: 0 })).toBeNull();
    expect(requiredSampleSize({ baselineRate: 0.6, relativeEffect: 1 })).toBeNull();
  });

  it('counts what the smallest arm still needs', () => {
    expect(remainingSampleSize({ requiredPerArm: 31234, perArm: [20000, 19000] })).toBe(12234);
    expect(remainingSampleSize({ requiredPerArm: 31234, perArm: [40000, 39000] })).toBe(0);
    expect(remainingSampleSize({ requiredPerArm: null, perArm: [1] })).toBeNull();
  });
});

// Revenue per recipient in minor units, from numpy default_rng(20260101) (see the script): most
// recipients buy nothing. Order does not matter to any of the statistics compared here.
const zeros = (n: number) => new Array<number>(n).fill(0);
const revenueControl = [3448, 3576, 7697, 1678, 6576, 3811, 4084, 24141, 10191, ...zeros(391)];
const revenueTreatment = [
  4602,
  2000,
  1335,
  2040,
  1476,
  5352,
  4098,
  1497,
  3022,
  4763,
  3924,
  679,
  2365,
  26954,
  4417,
  ...zeros(285),
];

describe('compareMeans (scipy 1.17.1 stats.ttest_ind(treatment, control, equal_var=False), .confidence_interval(0.95))', () => {
  it.each([
    {
      name: 'tiny n=3',
      c: [0, 1200, 0],
      t: [2500, 0, 4100],
      p: 0.26710251495244497,
      df: 2.4440376314093366,
      ci: [-2772.5593317626735, 6372.5593317626735],
    },
    {
      name: 'skewed revenue, 400 vs 300',
      c: revenueControl,
      t: revenueTreatment,
      p: 0.5920789772543138,
      df: 583.4887122822636,
      ci: [-174.209882261119, 305.02654892778565],
    },
    {
      name: 'clear difference',
      c: [10.1, 9.8, 10.4, 10.0, 9.7, 10.2],
      t: [10.9, 11.4, 10.6, 11.1, 10.8, 11.7, 11.0, 10.7],
      p: 7.211560527724499e-5,
      df: 11.975800876267026,
      ci: [0.6259289971326232, 1.357404336200711],
    },
  ])('$name', ({ c, t, p, df, ci }) => {
    const result = compareMeans({ control: summarize(c), treatment: summarize(t) });
    expectClose(result.pValue, p);
    expectClose(result.degreesOfFreedom, df);
    expectClose(result.differenceInterval?.low, ci[0] ?? 0);
    expectClose(result.differenceInterval?.high, ci[1] ?? 0);
  });

  it('gives nulls for an empty arm or no variation at all', () => {
    const empty = compareMeans({ control: summarize([]), treatment: summarize([100, 0, 0]) });
    expect(empty).toEqual({
      controlMean: 0,
      treatmentMean: 100 / 3,
      difference: 100 / 3,
      differenceInterval: null,
      pValue: null,
      degreesOfFreedom: null,
    });
    const flat = compareMeans({ control: summarize(zeros(50)), treatment: summarize(zeros(50)) });
    expect(flat).toMatchObject({ difference: 0, differenceInterval: null, pValue: null });
  });
});

describe('bootstrapMeanDifference', () => {
  it('agrees with scipy 1.17.1 stats.bootstrap(method="percentile", n_resamples=20000) within Monte Carlo error', () => {
    // scipy: (−163.49914583333324, 328.2113541666667); Welch's interval above is (−174.2, 305.0).
    const result = bootstrapMeanDifference({
      control: revenueControl,
      treatment: revenueTreatment,
      resamples: 20000,
      seed: 7,
    });
    expectClose(result.difference, 68524 / 300 - 65202 / 400, 1e-12);
    const width = 328.2113541666667 + 163.49914583333324;
    expect(Math.abs(result.differenceInterval.low + 163.49914583333324)).toBeLessThan(0.05 * width);
    expect(Math.abs(result.differenceInterval.high - 328.2113541666667)).toBeLessThan(0.05 * width);
  });

  it('is deterministic for a seed and different for another', () => {
    const input = { control: revenueControl, treatment: revenueTreatment, resamples: 500 };
    expect(bootstrapMeanDifference({ ...input, seed: 3 })).toEqual(bootstrapMeanDifference({ ...input, seed: 3 }));
    expect(bootstrapMeanDifference({ ...input, seed: 3 })).not.toEqual(bootstrapMeanDifference({ ...input, seed: 4 }));
  });

  it('refuses an empty arm instead of inventing an interval', () => {
    expect(() => bootstrapMeanDifference({ control: [], treatment: [1] })).toThrow(RangeError);
  });
});

describe('sequentialInterval (gbstats 0.8.0 SequentialTwoSidedTTest, difference_type="absolute")', () => {
  // SequentialTwoSidedTTest(SampleMeanStatistic(n, sum, sum_squares) for control and treatment,
  // SequentialConfig(difference_type="absolute", sequential_tuning_parameter=N*)): .confidence_interval, .p_value
  const conversions = (n: number, k: number): MeanSummary => ({ n, sum: k, sumSquares: k });
  it.each([
    {
      name: '5.0 % vs 5.6 %, 10k per arm',
      c: conversions(10000, 500),
      t: conversions(10000, 560),
      tuning: 5000,
      ci: [-0.003907279847481598, 0.015907279847481595],
      p: 1.0,
    },
    {
      name: '5 % vs 9 %, 1k per arm',
      c: conversions(1000, 50),
      t: conversions(1000, 90),
      tuning: 5000,
      ci: [0.004447945110237571, 0.07555205488976241],
      p: 0.01864484501794151,
    },
    {
      name: 'N* = 100k',
      c: conversions(50000, 2500),
      t: conversions(50000, 2700),
      tuning: 100000,
      ci: [-0.0002619775574715915, 0.008261977557471585],
      p: 0.08140817125973726,
    },
    {
      name: 'revenue 400 vs 300',
      c: summarize(revenueControl),
      t: summarize(revenueTreatment),
      tuning: 5000,
      ci: [-371.1456558393369, 501.9623225060035],
      p: 1.0,
    },
  ])('$name', ({ c, t, tuning, ci, p }) => {
    const interval = sequentialInterval({ control: c, treatment: t, tuningSampleSize: tuning });
    expectClose(interval?.low, ci[0] ?? 0);
    expectClose(interval?.high, ci[1] ?? 0);
    expectClose(sequentialPValue({ control: c, treatment: t, tuningSampleSize: tuning }), p);
  });

  it('uses rho from eq. 161 (gbstats: 0.03984006677137368 at N* = 5000, 0.00890850975289221 at 100000)', () => {
    expectClose(sequentialRho(0.05, 5000), 0.03984006677137368, 1e-12);
    expectClose(sequentialRho(0.05, 100000), 0.00890850975289221, 1e-12);
  });

  it('is wider than the fixed-horizon Welch interval at every n, and null without data', () => {
    for (const n of [200, 2000, 20000, 200000]) {
      const control = conversions(n, Math.round(n * 0.05));
      const treatment = conversions(n, Math.round(n * 0.055));
      const fixed = compareMeans({ control, treatment }).differenceInterval;
      const always = sequentialInterval({ control, treatment });
      expect(always && fixed && always.high - always.low > fixed.high - fixed.low).toBe(true);
    }
    expect(sequentialInterval({ control: conversions(1, 0), treatment: conversions(1000, 50) })).toBeNull();
    expect(sequentialInterval({ control: conversions(1000, 0), treatment: conversions(1000, 0) })).toBeNull();
  });
});

describe('input checks', () => {
  it('refuses an alpha outside (0, 1) or a non-positive tuning size instead of returning NaN', () => {
    const arm = { n: 1000, sum: 50, sumSquares: 50 };
    expect(() => sequentialInterval({ control: arm, treatment: arm, alpha: 0 })).toThrow(RangeError);
    expect(() => sequentialInterval({ control: arm, treatment: arm, tuningSampleSize: 0 })).toThrow(RangeError);
  });
});
