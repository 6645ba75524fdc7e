import { Command } from 'commander';
import { campaignsCheckProgram } from '../../campaigns/check';
import { environmentHelp } from './environment-help';

export function command(): Command {
  const campaigns = new Command('campaigns').description('check campaign files; regenerate their editor schema');
  campaigns.addCommand(
    campaignsCheckProgram().addHelpText(
      'after',
      environmentHelp({ CAMPAIGNS_DIR: 'the folder checked when none is given (default: campaigns/)' }),
    ),
  );
  campaigns
    .command('schema')
    .description('regenerate campaigns/campaign.schema.json (the editor schema) from domain/campaign.ts')
    .action(async () => {
      const { writeCampaignSchema } = await import('../../campaigns/write-schema');
      writeCampaignSchema();
    });
  return campaigns;
}
