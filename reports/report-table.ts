import { displayWidth, padToWidth } from '../domain/display-width';
import type { CampaignReport, CampaignSection, ExperimentArm, ExperimentReport, FunnelLine } from './build-report';
import {
  METRIC_MEANING,
  METRIC_WORDS,
  count,
  judgedDifference,
  money,
  moneyDifference,
  moneyInterval,
  moneyPerRecipient,
  pValue,
  percentInterval,
  points,
  rateWithInterval,
  relative,
  verdictWords,
} from './report-words';

/** The report as text for people: per campaign, the funnel, then each experiment and its verdict. */
export function reportTable(report: CampaignReport): string {
  const { since, until } = report.range;
  if (report.campaigns.length === 0) return `no data for ${since} to ${until}\n`;
  const sections = report.campaigns.map((campaign) => campaignText(campaign));
  return `Report for ${since} to ${until} (UTC days; experiments by day of entry)\n\n${sections.join('\n')}`;
}

function campaignText(campaign: CampaignSection): string {
  const title = campaign.name ? `${campaign.campaignId}: ${campaign.name}` : campaign.campaignId;
  const lines = [`== ${title}`, '', 'Funnel (rates over delivered and unconfirmed emails, 95 % intervals)'];
  lines.push(...indent(funnelTable(campaign.funnel)));
  for (const experiment of campaign.experiments) lines.push('', ...experimentText(experiment));
  return `${lines.join('\n')}\n`;
}

const FUNNEL_HEADER = [
  'VERSION',
  'STEP',
  'VARIANT',
  'CURRENCY',
  'REACHED',
  'SENT',
  'UNCONFIRMED',
  'DELIVERED',
  'HUMAN OPENS',
  'HUMAN CLICK RATE [95 %]',
  'ORDERS',
  'REVENUE',
  'RECOVERED',
  'UNSUBSCRIBED',
  'BOUNCED',
];

function funnelTable(funnel: FunnelLine[]): string[] {
  if (funnel.length === 0) return ['no emails in this range (entrants only)'];
  const rows = funnel.map((line) => [
    `v${line.campaignVersion}`,
    line.step,
    line.variant || '-',
    // A step's lines in two currencies differ only here: money is never added across currencies.
    line.currency || '-',
    count(line.reached),
    count(line.sent),
    count(line.unconfirmed),
    count(line.delivered),
    count(line.uniqueHumanOpens),
    rateWithInterval(line.humanClickRate),
    count(line.attributedOrders),
    money(line.attributedRevenueMinor, line.currency),
    count(line.recoveredCarts),
    count(line.unsubscribed),
    count(line.bounced),
  ]);
  return columns([FUNNEL_HEADER, ...rows], 4);
}

function experimentText(experiment: ExperimentReport): string[] {
  const { metric, currency, arms } = experiment;
  const name = experiment.kind === 'holdout' ? 'holdout' : `variants of step ${experiment.experiment}`;
  const lines = [
    `Experiment: ${name} (v${experiment.campaignVersion}${currency ? `, ${currency}` : ''})`,
    `  judged on ${METRIC_WORDS[metric]}: ${METRIC_MEANING[metric]}`,
  ];
  const shares = planShares(arms);
  const header = ['ARM', 'PLANNED', 'ENTERED', 'CONVERSION [95 %]', 'REVENUE/RECIPIENT', 'ORDERS', 'RECOVERED'];
  const rows = arms.map((arm, index) => [
    arm.id,
    experiment.weightsKnown ? (shares[index] ?? '') : '?',
    count(arm.entered),
    rateWithInterval(arm.rate),
    moneyPerRecipient(arm.revenuePerRecipient, currency),
    count(arm.orders),
    count(arm.recoveredCarts),
  ]);
  lines.push(...indent(columns([header, ...rows], 1)));
  const baseline = arms[0]?.id ?? 'baseline';
  for (const arm of arms.slice(1)) lines.push(`  ${comparison(arm, baseline, experiment)}`);
  if (!experiment.weightsKnown) lines.push(`  ${UNKNOWN_SPLIT(experiment.campaignVersion)}`);
  if (experiment.unplannedArms.length > 0) {
    lines.push(`  not judged (arms the campaign file does not plan): ${experiment.unplannedArms.join(', ')}`);
  }
  lines.push(`  ${srmLine(experiment)}`, `  verdict: ${verdictWords(experiment)}`);
  return lines;
}

/** Planned weights as shares of the whole: 10 and 90 → "10 %", "90 %". */
function planShares(arms: ExperimentArm[]): string[] {
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  return arms.map((arm) => (total > 0 ? `${Math.round((arm.weight / total) * 1000) / 10} %` : '-'));
}

/** Fixed-horizon figures (shown, never used to decide) and the always-valid interval that decides. */
function comparison(arm: ExperimentArm, baseline: string, experiment: ExperimentReport): string {
  const versus = arm.vsControl;
  if (!versus) return `${arm.id} vs ${baseline}: nothing to compare`;
  const { currency, metric } = experiment;
  const uplift = versus.relativeUplift === null ? 'n/a' : relative(versus.relativeUplift);
  return (
    `${arm.id} vs ${baseline}: ${points(versus.difference)} ${percentInterval(versus.differenceInterval)}, ` +
    `uplift ${uplift} ${relativeInterval(versus.relativeUpliftInterval)}, ${pValue(versus.pValue)}; ` +
    `revenue/recipient ${moneyDifference(versus.revenueDifference, currency)} ${moneyInterval(versus.revenueDifferenceInterval, currency)}; ` +
    `always-valid (${METRIC_WORDS[metric]}): ${judgedDifference(arm, metric, currency)}`
  );
}

function relativeInterval(interval: { low: number; high: number } | null): string {
  return interval ? `[${relative(interval.low)}, ${relative(interval.high)}]` : '[n/a]';
}

/**
 * The campaign file of that version was deleted, or was changed without raising its version so that
 * it no longer plans this experiment. Checking the arms against a guessed split would raise false
 * alarms (a 10 % holdout against 50:50), so nothing is checked.
 */
const UNKNOWN_SPLIT = (version: number) =>
  `planned split unknown: no campaign file of v${version} plans this experiment (deleted, or changed without a new version)`;

function srmLine(experiment: ExperimentReport): string {
  const { srm, arms } = experiment;
  if (!srm) {
    return experiment.weightsKnown
      ? 'sample ratio: not checked (one arm)'
      : 'sample ratio: not checked (the planned split is unknown)';
  }
  const split = `planned ${arms.map((arm) => arm.weight).join(':')}, entered ${arms.map((arm) => arm.entered).join(':')}`;
  return srm.mismatch
    ? `WARNING sample-ratio mismatch: ${pValue(srm.pValue)} (${split})`
    : `sample ratio: ok, ${pValue(srm.pValue)} (${split})`;
}

/** Pads cells into columns; the first `textColumns` are left-aligned, numbers to the right. */
function columns(rows: string[][], textColumns: number): string[] {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? ''))));
  return rows.map((row) =>
    row
      .map((cell, column) => padToWidth(cell, widths[column] ?? 0, column < textColumns ? 'end' : 'start'))
      .join('  ')
      .trimEnd(),
  );
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}
