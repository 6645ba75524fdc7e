import { describe, expect, it } from 'vitest';
import {
  compareProportions,
  judgeExperiment,
  requiredSampleSize,
  type ArmData,
  type MeanSummary,
  type Metric,
} from '../../domain/statistics';

function arm(id: string, entered: number, conversions: number, weight = 1, revenue?: MeanSummary): ArmData {
  return { id, weight, entered, conversions, revenue: revenue ?? { n: entered, sum: 0, sumSquares: 0 } };
}

/** Per-recipient revenue: `buyers` recipients spend `amount` minor units, the rest nothing. */
function revenue(entered: number, buyers: number, amount: number) {
  return { n: entered, sum: buyers * amount, sumSquares: buyers * amount * amount };
}

describe('judgeExperiment', () => {
  it('flags a sample-ratio mismatch before anything else, even with a huge difference', () => {
    // 5,000 vs 4,600 at 50/50: chi-squared 16.7, p = 4.5e-5 < 0.001
    const result = judgeExperiment({ arms: [arm('a', 5000, 250), arm('b', 4600, 600)], metric: 'orders' });
    expect(result.verdict.kind).toBe('sample_ratio_mismatch');
    expect(result.srm?.mismatch).toBe(true);
    expect(result.verdict).toEqual({ kind: 'sample_ratio_mismatch', pValue: result.srm?.pValue });
  });

  it('does not flag 5,000 vs 4,700 at 50/50: p = 0.0023 is above the 0.001 alert threshold', () => {
    const result = judgeExperiment({ arms: [arm('a', 5000, 250), arm('b', 4700, 235)], metric: 'orders' });
    expect(result.srm?.pValue).toBeCloseTo(0.002318781454334581, 12);
    expect(result.srm?.mismatch).toBe(false);
    expect(result.verdict.kind).toBe('no_difference_yet');
  });

  it('judges a 90/10 split against its planned weights, not against 50/50', () => {
    const planned = judgeExperiment({ arms: [arm('a', 9050, 450, 0.9), arm('b', 950, 48, 0.1)], metric: 'orders' });
    expect(planned.srm?.mismatch).toBe(false);
    const skewed = judgeExperiment({ arms: [arm('a', 8800, 450, 0.9), arm('b', 1200, 48, 0.1)], metric: 'orders' });
    expect(skewed.verdict.kind).toBe('sample_ratio_mismatch');
  });

  it('offers no verdict on tiny data, even when it looks lopsided', () => {
    const result = judgeExperiment({ arms: [arm('a', 3, 0), arm('b', 3, 3)], metric: 'human_clicks' });
    expect(result.verdict).toEqual({ kind: 'not_enough_data' });
    expect(result.arms[1]?.vsControl?.relativeUplift).toBeNull();
  });

  it('offers no verdict when nobody converted at all', () => {
    const result = judgeExperiment({ arms: [arm('a', 5000, 0), arm('b', 5000, 0)], metric: 'orders' });
    expect(result.verdict).toEqual({ kind: 'not_enough_data' });
  });

  it('waits where a fixed-horizon z-test would already call it', () => {
    const arms = [arm('a', 400, 10), arm('b', 400, 24)];
    const naive = compareProportions({
      control: { successes: 10, trials: 400 },
      treatment: { successes: 24, trials: 400 },
    });
    expect(naive.pValue).toBeLessThan(0.05);
    const result = judgeExperiment({ arms, metric: 'orders' });
    expect(result.verdict.kind).toBe('no_difference_yet');
    const interval = result.arms[1]?.vsControl?.sequentialInterval;
    expect(interval?.low).toBeLessThan(0);
    expect(interval?.high).toBeGreaterThan(0);
  });

  it('says how many more recipients each arm needs, more than a fixed-horizon test would', () => {
    const result = judgeExperiment({
      arms: [arm('a', 10000, 500), arm('b', 10000, 520)],
      metric: 'orders',
      minimumDetectableEffect: 0.1,
    });
    expect(result.verdict.kind).toBe('no_difference_yet');
    const needed = result.verdict.kind === 'no_difference_yet' ? result.verdict.neededPerArm : null;
    const fixedHorizon = requiredSampleSize({ baselineRate: 0.05, relativeEffect: 0.1 }) ?? 0;
    expect(needed).not.toBeNull();
    expect((needed ?? 0) + 10000).toBeGreaterThan(fixedHorizon);
  });

  it('names the treatment the winner when the difference is big and real', () => {
    const result = judgeExperiment({
      arms: [arm('control', 20000, 1000), arm('new-subject', 20000, 1400)],
      metric: 'orders',
    });
    expect(result.verdict).toEqual({ kind: 'winner', arm: 'new-subject', metric: 'orders' });
    const vs = result.arms[1]?.vsControl;
    expect(vs?.sequentialInterval?.low).toBeGreaterThan(0);
    expect(vs?.relativeUplift).toBeCloseTo(0.4, 12);
    expect(result.arms[0]?.vsControl).toBeNull();
  });

  it('names a treatment that does clearly worse the loser', () => {
    const result = judgeExperiment({
      arms: [arm('control', 20000, 1400), arm('b', 20000, 1000)],
      metric: 'human_clicks',
    });
    expect(result.verdict).toEqual({ kind: 'loser', arm: 'b', metric: 'human_clicks' });
  });

  it('picks the best of several treatments, with alpha split between them', () => {
    const result = judgeExperiment({
      arms: [arm('control', 20000, 1000), arm('b', 20000, 1300), arm('c', 20000, 1500), arm('d', 20000, 1010)],
      metric: 'orders',
    });
    expect(result.verdict).toEqual({ kind: 'winner', arm: 'c', metric: 'orders' });
    expect(result.arms.map((a) => a.id)).toEqual(['control', 'b', 'c', 'd']);
  });

  it('judges revenue per recipient on revenue, not on the conversion count', () => {
    // Same number of buyers, but treatment buyers spend twice as much.
    const arms = [
      arm('control', 20000, 600, 1, revenue(20000, 600, 5000)),
      arm('bundle', 20000, 600, 1, revenue(20000, 600, 10000)),
    ];
    expect(judgeExperiment({ arms, metric: 'orders' }).verdict.kind).toBe('no_difference_yet');
    const result = judgeExperiment({ arms, metric: 'revenue' });
    expect(result.verdict).toEqual({ kind: 'winner', arm: 'bundle', metric: 'revenue' });
    expect(result.arms[1]?.revenuePerRecipient).toBe(300);
    expect(result.arms[1]?.vsControl?.revenueDifference).toBe(150);
    expect(result.arms[1]?.vsControl?.revenueDifferenceInterval?.low).toBeGreaterThan(0);
  });

  it('refuses to judge on opens (Apple Mail Privacy Protection opens every pixel)', () => {
    const arms = [arm('a', 20000, 9000), arm('b', 20000, 9900)];
    // @ts-expect-error: opens is not a Metric, and an untyped caller must not sneak it in
    const opens: Metric = 'opens';
    expect(() => judgeExperiment({ arms, metric: opens })).toThrow(/never opens/);
  });

  it('copes with an empty arm and with no arms', () => {
    const result = judgeExperiment({ arms: [arm('a', 500, 25), arm('b', 0, 0)], metric: 'orders' });
    expect(result.verdict.kind).toBe('sample_ratio_mismatch');
    // Nobody entered: no rate (not 0 % in [0, 1]) and no difference against the control.
    expect(result.arms[1]?.rate).toEqual({ rate: null, low: null, high: null });
    expect(result.arms[1]?.revenuePerRecipient).toBeNull();
    expect(result.arms[1]?.vsControl).toBeNull();
    expect(judgeExperiment({ arms: [], metric: 'orders' })).toEqual({
      arms: [],
      srm: null,
      verdict: { kind: 'not_enough_data' },
    });
  });
});
