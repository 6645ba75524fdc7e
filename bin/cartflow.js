#!/usr/bin/env node
// The `cartflow` command (package.json "bin"; `npx cartflow …` in the repository). It runs the
// TypeScript sources as they are: tsx's loader is registered in this process, so there is no
// build step and no second process between the shell and cartflow (Ctrl-C and SIGTERM reach it).
import { register } from 'tsx/esm/api';

// `cartflow --help | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { runCartflow } = await import('../cli/cartflow.ts');
const code = await runCartflow(process.argv.slice(2));
// Success leaves the process to whatever the command started (a server); errors end it now.
if (code !== 0) process.exit(code);
