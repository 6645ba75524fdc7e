import { stat } from 'node:fs/promises';
import { Command } from 'commander';
import { loadConfig } from '../config/env';
import { campaignTemplateChecker } from '../app/campaign-templates';
import { templatesDir } from '../app/templates-dir';
import { ConfigError } from '../config/env';
import { CampaignFileError, DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from './load';

// `cartflow campaigns check [folder]` (`npm run campaigns:check`): validates campaign files
// without starting anything.

/** Exit codes: 0 every campaign is valid, 1 some are not (each problem listed), 2 no such folder. */
export function campaignsCheckProgram(): Command {
  return new Command('check')
    .description('validate the campaign files (*.yaml) of a folder without starting anything')
    .argument('[folder]', 'the folder to check (default: CAMPAIGNS_DIR, else the shipped campaigns/)')
    .addHelpText(
      'after',
      '\nExit codes: 0 all valid, 1 invalid campaign files (each problem listed), 2 no such folder.',
    )
    .action(async (folder: string | undefined) => {
      const dir = folder ?? loadConfig().CAMPAIGNS_DIR ?? DEFAULT_CAMPAIGNS_DIR;
      if (!(await isFolder(dir))) {
        process.stderr.write(`cartflow: no such folder: ${dir} (set CAMPAIGNS_DIR or pass a folder)\n`);
        process.exitCode = 2;
        return;
      }
      try {
        // As the start checks them: the newest version of each names templates that exist.
        const campaigns = await loadCampaigns(dir, { checkNewest: campaignTemplateChecker(templatesDir) });
        process.stdout.write(`checked ${dir}\n`);
        for (const { trigger, priority, id, version, segment } of campaigns) {
          process.stdout.write(
            `ok  ${trigger.padEnd(16)} priority ${String(priority).padStart(4)}  ${id} v${version} (segment ${segment})\n`,
          );
        }
      } catch (error) {
        if (!(error instanceof CampaignFileError || error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      }
    });
}

async function isFolder(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
