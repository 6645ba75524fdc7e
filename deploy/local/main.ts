import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { exitWithError } from '../../app/process';
import { ConfigError } from '../../config/env';
import { startProductionStack } from './production-stack';

// `cartflow prod-stack` (`npm run prod-stack`): the production configuration of docker-compose.yml, without containers,
// in the foreground until Ctrl-C (docs/production.md). Nothing in it is embedded: PostgreSQL, the
// Temporal server on PostgreSQL, cartflow's worker and server, and an SMTP catcher all run as
// processes of their own, and the stack is thrown away when it stops.
const port = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535)
    throw new InvalidArgumentError('must be a port number (1-65535)');
  return parsed;
};
/** `cartflow prod-stack`: see the comment above. */
export function prodStackProgram(): Command {
  return new Command('prod-stack')
    .description(
      'bring up the production stack (PostgreSQL, Temporal on PostgreSQL, worker, server, SMTP catcher) without containers',
    )
    .option('--dir <folder>', 'state: logs/, mail/ (each email as .eml), stack.env, postgres/', '.data/prod-stack')
    .option('--port <port>', "cartflow's HTTP port", port, 3000)
    .option('--temporal-port <port>', "the Temporal frontend's gRPC port", port, 7233)
    .option('--campaigns <folder>', 'CAMPAIGNS_DIR of the worker and server (default: the shipped campaigns)')
    .option('--abandon-after <duration>', 'ABANDON_AFTER of the worker and server', '1h')
    .showHelpAfterError()
    .action(runProdStack);
}

type ProdStackOptions = { dir: string; port: number; temporalPort: number; campaigns?: string; abandonAfter: string };

async function runProdStack(options: ProdStackOptions): Promise<void> {
  // The stack's processes run in process groups of their own, so Ctrl-C reaches only this one:
  // it must stop them, also when it comes while they are still starting.
  let stopRequested = false;
  let stopStack: (() => void) | undefined;
  const onSignal = () => {
    if (stopRequested) return;
    stopRequested = true;
    process.stdout.write(stopStack ? 'prod-stack: stopping...\n' : 'prod-stack: stopping once started...\n');
    stopStack?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // Found wrong only once the server process loads them, a minute in: say so before starting anything.
    if (options.campaigns && !(await stat(options.campaigns).catch(() => undefined))?.isDirectory()) {
      throw new ConfigError(`--campaigns ${options.campaigns}: no such folder (it must hold the campaign .yaml files)`);
    }
    process.stdout.write('prod-stack: starting (the first run builds the Temporal server: several minutes)...\n');
    const stack = await startProductionStack({
      dir: options.dir,
      port: options.port,
      temporalPort: options.temporalPort,
      abandonAfter: options.abandonAfter,
      ...(options.campaigns ? { campaignsDir: path.resolve(options.campaigns) } : {}),
      timeoutMs: 180_000,
    });
    stopStack = () => void stack.stop().then(() => process.exit(0), exitWithError);
    if (stopRequested) {
      stopStack();
    } else {
      const dir = path.resolve(options.dir);
      process.stdout.write(
        [
          'prod-stack: up. Ctrl-C stops everything and deletes the database.',
          `  webhooks   ${stack.url}/webhooks/cart (WEBHOOK_SECRET and the rest: ${path.join(dir, 'stack.env')})`,
          `  Temporal   ${stack.temporalAddress}, namespace ${stack.namespace}, on PostgreSQL (\`TEMPORAL_ADDRESS=${stack.temporalAddress} npm run temporal -- workflow list\`)`,
          `  email      every message as .eml in ${stack.mailDir}`,
          `  logs       ${stack.logsDir}`,
          '',
        ].join('\n'),
      );
    }
  } catch (error) {
    exitWithError(error);
  }
}
