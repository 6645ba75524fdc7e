import { Command } from 'commander';
import { exitWithError } from '../../app/process';
import { outboxWriter, startSmtpSink } from '../../mail/smtp-sink';

// The production stack's stand-in for Mailpit, as a process of its own: an SMTP server on
// 127.0.0.1 that accepts every message and keeps it as an .eml file (Return-Path added) in --dir.
const options = new Command('mail-catcher')
  .description('an SMTP server that saves every message it accepts as an .eml file')
  .requiredOption('--dir <folder>', 'where the .eml files go')
  .requiredOption('--port <port>', 'the SMTP port on 127.0.0.1')
  .parse(process.argv)
  .opts<{ dir: string; port: string }>();
try {
  const sink = await startSmtpSink({ port: Number(options.port), onMessage: outboxWriter(options.dir) });
  process.stdout.write(`mail catcher listening on ${sink.url}, saving to ${options.dir}\n`);
  const stop = () => void sink.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  exitWithError(error);
}
