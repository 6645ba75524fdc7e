// The one entry point the report (CLI, API, dashboard) imports. Everything below is pure:
// no Node built-ins, no I/O, deterministic for given inputs (the bootstrap takes a seed).
export type { Interval, MeanSummary, Proportion } from './types';
export { DEFAULT_CONFIDENCE } from './types';
export { wilsonInterval, compareProportions, type ProportionComparison } from './proportions';
export { reportedRate, roundRate, NO_RATE, RATE_DECIMALS, type Rate } from './rate';
export { compareMeans, summarize, type MeanComparison } from './means';
export { bootstrapMeanDifference } from './bootstrap';
export { sampleRatioMismatch, SRM_P_VALUE_THRESHOLD, type SampleRatioCheck } from './sample-ratio';
export { requiredSampleSize, remainingSampleSize, DEFAULT_ALPHA, DEFAULT_POWER } from './sample-size';
export {
  sequentialInterval,
  sequentialPValue,
  sequentialRho,
  sequentialSampleSize,
  DEFAULT_TUNING_SAMPLE_SIZE,
} from './sequential';
export {
  judgeExperiment,
  METRICS,
  MINIMUM_RECIPIENTS_PER_ARM,
  DEFAULT_MINIMUM_DETECTABLE_EFFECT,
  type ArmData,
  type ArmResult,
  type JudgeExperimentInput,
  type Metric,
  type Verdict,
} from './judge-experiment';
export { mulberry32 } from './prng';
