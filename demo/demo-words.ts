import path from 'node:path';
import type { DemoStack } from './demo-stack';
import type { ShopperTally } from './shopper';

/** The demo's closing words: what the simulation did, and where to look next. */

export function simulationSummary(tally: ShopperTally): string {
  return [
    'What the simulated shop did (the report above is what cartflow made of it):',
    `  ${tally.webhooks} signed webhooks, ${tally.emails} emails received`,
    `  opens: ${tally.humanOpens} by people, ${tally.machineOpens} by Apple Mail's privacy proxy (not counted as human)`,
    `  clicks: ${tally.humanClicks} by people, ${tally.machineClicks} by security scanners (not counted as human)`,
    `  ${tally.unsubscribes} one-click unsubscribes; orders: ${tally.ordersAfterEmail} after a click, ${tally.ordersWithoutEmail} without one`,
  ].join('\n');
}

export function nextSteps(input: { stack: DemoStack; runDir: string; keepRunning: boolean }): string {
  const { stack, runDir, keepRunning } = input;
  // Short under the working directory (the default .demo/), absolute anywhere else.
  const relative = (where: string) => {
    const inside = path.relative(process.cwd(), where);
    return inside === '' ? '.' : inside.startsWith('..') || path.isAbsolute(inside) ? where : inside;
  };
  const lines = [
    'Where to look next:',
    `  Outbox      ${relative(stack.outboxDir)}/ — every email as an .eml file (open one in a mail program)`,
    '  Templates   npm run templates -- serve   (the preview at http://127.0.0.1:4000/)',
  ];
  if (keepRunning) {
    lines.push(
      `  Dashboard   ${stack.baseUrl}/admin/dashboard   (admin token: cat ${relative(stack.adminTokenFile)})`,
      ...(stack.temporalUi
        ? [`  Temporal UI ${stack.temporalUi}   (each cart's workflow, its timers and history)`]
        : []),
      `  Database    ${stack.databaseDescription}`,
      '',
      'The demo keeps running so you can look around. Press Ctrl-C to stop.',
    );
  } else {
    lines.push(
      '  Dashboard and Temporal UI: run `npm run demo` in a terminal; it stays up after the report to show them',
      `  Run folder  ${relative(runDir)}/ (database, Temporal history, outbox); delete .demo/ when done`,
    );
  }
  return lines.join('\n');
}
