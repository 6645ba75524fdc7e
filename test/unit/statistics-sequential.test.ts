// Why the decision rule is an always-valid interval: A/A experiments looked at 20 times.
// Numbers measured by this file (seed 2026, 2,000 experiments): the rule declared a false
// winner or loser in 1.05 % of them, a fixed z-test at p < 0.05 consulted at every look in
// 23.6 %, the same z-test consulted once at the end in 5.05 %. docs/statistics.md quotes them.
import { beforeAll, describe, expect, it } from 'vitest';
import { compareProportions, judgeExperiment, mulberry32, type ArmData } from '../../domain/statistics';

interface Simulation {
  experiments: number;
  looks: number;
  perLookPerArm: number;
  controlRate: number;
  treatmentRate: number;
  seed: number;
}

function arm(id: string, entered: number, conversions: number): ArmData {
  return { id, weight: 1, entered, conversions, revenue: { n: entered, sum: 0, sumSquares: 0 } };
}

/**
 * Each experiment gains perLookPerArm recipients per arm between looks; the analyst stops at the
 * first look where a rule declares a difference. Counts only, no per-recipient arrays.
 */
function simulate(s: Simulation) {
  const random = mulberry32(s.seed);
  const tuningSampleSize = 2 * s.looks * s.perLookPerArm; // the planned total, fixed before launch
  let sequential = 0;
  let sequentialWinnerB = 0;
  let naiveEveryLook = 0;
  let naiveOnce = 0;
  for (let e = 0; e < s.experiments; e++) {
    let control = 0;
    let treatment = 0;
    let entered = 0;
    let sequentialStopped = false;
    let naiveStopped = false;
    for (let look = 1; look <= s.looks; look++) {
      for (let i = 0; i < s.perLookPerArm; i++) {
        if (random() < s.controlRate) control++;
        if (random() < s.treatmentRate) treatment++;
      }
      entered += s.perLookPerArm;
      if (!sequentialStopped) {
        const { verdict } = judgeExperiment({
          arms: [arm('a', entered, control), arm('b', entered, treatment)],
          metric: 'orders',
          tuningSampleSize,
        });
        if (verdict.kind === 'winner' || verdict.kind === 'loser') {
          sequentialStopped = true;
          sequential++;
          if (verdict.kind === 'winner' && verdict.arm === 'b') sequentialWinnerB++;
        }
      }
      const { pValue } = compareProportions({
        control: { successes: control, trials: entered },
        treatment: { successes: treatment, trials: entered },
      });
      const significant = pValue !== null && pValue < 0.05;
      if (!naiveStopped && significant) {
        naiveStopped = true;
        naiveEveryLook++;
      }
      if (look === s.looks && significant) naiveOnce++;
    }
  }
  const rate = (count: number) => count / s.experiments;
  return {
    sequential: rate(sequential),
    sequentialWinnerB: rate(sequentialWinnerB),
    naiveEveryLook: rate(naiveEveryLook),
    naiveOnce: rate(naiveOnce),
  };
}

describe('A/A simulation: 2,000 experiments at 5 % conversion, 20 looks of 250 recipients per arm', () => {
  let aa: ReturnType<typeof simulate>;
  beforeAll(() => {
    aa = simulate({
      experiments: 2000,
      looks: 20,
      perLookPerArm: 250,
      controlRate: 0.05,
      treatmentRate: 0.05,
      seed: 2026,
    });
  });

  it('the always-valid rule keeps false winners and losers within alpha = 5 %', () => {
    // Monte Carlo standard error at 5 % over 2,000 runs is 0.5 pp; the measured 1.05 % is far below.
    expect(aa.sequential).toBeLessThanOrEqual(0.05);
  });

  it('a fixed z-test at p < 0.05 consulted at every look declares far more false winners', () => {
    expect(aa.naiveEveryLook).toBeGreaterThan(0.1);
  });

  it('the same z-test is calibrated when consulted once, at the planned end', () => {
    // So the problem is the peeking, not the test: 5 % ± 3 Monte Carlo standard errors.
    expect(aa.naiveOnce).toBeGreaterThan(0.035);
    expect(aa.naiveOnce).toBeLessThan(0.065);
  });
});

describe('the rule still finds a real difference', () => {
  it('5 % → 7 %: most of 300 experiments end with treatment as the winner, never the control', () => {
    const result = simulate({
      experiments: 300,
      looks: 20,
      perLookPerArm: 250,
      controlRate: 0.05,
      treatmentRate: 0.07,
      seed: 7,
    });
    expect(result.sequentialWinnerB).toBeGreaterThan(0.7);
    expect(result.sequential).toBe(result.sequentialWinnerB);
  });
});
