import { Command } from 'commander';
import { environmentHelp } from './environment-help';

export function command(): Command {
  return new Command('temporal')
    .description(
      "the Temporal CLI (built by scripts/temporal-cli.sh), pointed at cartflow's Temporal and its codec " +
        'endpoint so payloads print decoded; every argument goes to it as it is',
    )
    .argument('[args...]', 'the Temporal CLI command, e.g. workflow list')
    .usage('<temporal command> [its options]')
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  cartflow temporal workflow list --query "CartflowStatus = \'active\'"\n' +
        '  cartflow temporal workflow show --workflow-id cart:default:cart-42\n' +
        "  cartflow temporal help            # the Temporal CLI's own help\n" +
        environmentHelp({
          TEMPORAL_ADDRESS: 'the Temporal to talk to (default: the embedded dev server of `cartflow start`)',
          TEMPORAL_CODEC_ENDPOINT: 'decode payloads here (default: the local server /codec endpoint)',
          ADMIN_TOKEN: 'sent to the codec endpoint as a bearer token',
        }),
    )
    .action(async (args: string[]) => {
      const { runTemporalCli } = await import('../temporal');
      await runTemporalCli(args);
    });
}
