import { Command, Option } from 'commander';
import { DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from '../campaigns/load';
import { loadConfig } from '../config/env';
import { shopsWithData } from '../db/analytics-store';
import { configuredDatabase, withDatabase } from '../db/client';
import type { CampaignReport } from '../reports/build-report';
import { loadReport, reportRange } from '../reports/load-report';
import { reportCsv } from '../reports/report-csv';
import { reportTable } from '../reports/report-table';
import { shopOfCommand, shopOption } from './shop-option';

// `cartflow report [--campaign id] [--since day] [--until day] [--format table|json|csv]`: the
// analyst's report (docs/analytics.md). The numbers come from reports/, the same object for every
// consumer; this file only reads the options and picks the output.

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface ReportOptions {
  campaign?: string;
  since?: string;
  until?: string;
  format: Format;
  shop?: string;
}

const RENDER: Record<Format, (report: CampaignReport) => string> = {
  table: reportTable,
  // The CampaignReport object as is: its shape is the contract (reports/build-report.ts).
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  csv: reportCsv,
};

export function reportProgram(): Command {
  return new Command('report')
    .description('the campaign report: funnel per step and variant, experiments and their verdicts')
    .option('-c, --campaign <id>', 'only this campaign (default: every campaign with data)')
    .option('--since <day>', 'first UTC day, YYYY-MM-DD (default: 29 days before --until)')
    .option('--until <day>', 'last UTC day, YYYY-MM-DD, inclusive (default: today)')
    .addOption(
      new Option('-f, --format <format>', 'table for people; json or csv for tools').choices(FORMATS).default('table'),
    )
    .addOption(shopOption())
    .action(async (options: ReportOptions) => {
      // Dates first: a typo is reported before anything is opened.
      reportRange(options);
      const config = loadConfig();
      const result = await withDatabase(configuredDatabase(config), async (database) => {
        // The shop next: "no data" about a shop that does not exist would be a false answer.
        // A removed shop's numbers can still be read.
        const shopId = await shopOfCommand(database.db, {
          named: options.shop,
          defaultShopId: config.SHOP_ID,
          consequence: 'no report',
          removedWithData: true,
        });
        const campaigns = await loadCampaigns(config.CAMPAIGNS_DIR ?? DEFAULT_CAMPAIGNS_DIR);
        const request = { shopId, campaignId: options.campaign, since: options.since, until: options.until };
        const report = await loadReport(database.db, { campaigns, request });
        if (report.campaigns.length > 0) return { report, hint: null };
        // "no data" about the wrong shop reads as "nothing happened": name the shops that have some.
        const others = await shopsWithData(database.db, { campaignId: options.campaign, ...report.range });
        return { report, hint: otherShopsHint(shopId, others) };
      });
      process.stdout.write(RENDER[options.format](result.report));
      if (result.hint) process.stderr.write(`cartflow: ${result.hint}\n`);
    });
}

/** `shop "default" has no data in this range; shop demo has (add --shop demo)`, or null when no other shop has any. */
function otherShopsHint(shopId: string, withData: readonly string[]): string | null {
  const others = withData.filter((other) => other !== shopId);
  if (others.length === 0) return null;
  const which = others.length === 1 ? `shop ${others[0]} has` : `shops ${others.join(', ')} have`;
  return `shop "${shopId}" has no data in this range; ${which} (add --shop ${others[0]})`;
}
