import { Command, Option } from 'commander';
import { DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from '../campaigns/load';
import { loadConfig } from '../config/env';
import { configuredDatabase, withDatabase } from '../db/client';
import type { CampaignReport } from '../reports/build-report';
import { ReportInputError, loadReport, reportRange } from '../reports/load-report';
import { reportCsv } from '../reports/report-csv';
import { reportTable } from '../reports/report-table';
import { exitWithError, isMain } from '../app/process';

// `npm run report -- [--campaign id] [--since day] [--until day] [--format table|json|csv]`: the
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
  return new Command('cartflow report')
    .description('the campaign report: funnel per step and variant, experiments and their verdicts')
    .option('-c, --campaign <id>', 'only this campaign (default: every campaign with data)')
    .option('--since <day>', 'first UTC day, YYYY-MM-DD (default: 29 days before --until)')
    .option('--until <day>', 'last UTC day, YYYY-MM-DD, inclusive (default: today)')
    .addOption(
      new Option('-f, --format <format>', 'table for people; json or csv for tools').choices(FORMATS).default('table'),
    )
    .option('--shop <id>', 'shop id (default: SHOP_ID)')
    .showHelpAfterError('(run with --help for usage)')
    .action(async (options: ReportOptions) => {
      // Dates first: a typo is reported before anything is opened.
      reportRange(options);
      const config = loadConfig();
      const campaigns = await loadCampaigns(config.CAMPAIGNS_DIR ?? DEFAULT_CAMPAIGNS_DIR);
      const request = {
        shopId: options.shop ?? config.SHOP_ID,
        campaignId: options.campaign,
        since: options.since,
        until: options.until,
      };
      const report = await withDatabase(configuredDatabase(config), (database) =>
        loadReport(database.db, { campaigns, request }),
      );
      process.stdout.write(RENDER[options.format](report));
    });
}

if (isMain(import.meta.url)) {
  reportProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (!(error instanceof ReportInputError)) exitWithError(error);
      process.stderr.write(`cartflow: ${error.message}\n`);
      process.exit(1);
    });
}
