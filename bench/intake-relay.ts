import pino from 'pino';
import { lowerPriority } from '../app/lower-priority';
import { loadConfig } from '../config/env';
import { createOutboxRelay } from '../server/outbox-relay';
import { requiredBenchVariable } from './bench-env';
import { openIntakeChild } from './intake-child';

// The relay side of `npm run bench:intake`'s last phase, in its own process as `cartflow relay`
// runs it (OUTBOX_RELAY=off on the server; its nice value and yield to intake as the bench passes
// them): it delivers until its stdin closes, then prints one
// JSON line with the CPU it used. The campaign is the bench's (CAMPAIGN, as JSON).

const required = (name: string) => requiredBenchVariable(name, 'bench/intake-relay');
const logger = pino({ level: 'warn' });
// As `cartflow relay` (server/relay-main.ts): niced first thing, and yielding while webhooks arrive.
const { OUTBOX_BUSY_RATE, OUTBOX_RELAY_NICE } = loadConfig({
  OUTBOX_BUSY_RATE: required('OUTBOX_BUSY_RATE'),
  OUTBOX_RELAY_NICE: required('OUTBOX_RELAY_NICE'),
});
lowerPriority(OUTBOX_RELAY_NICE, logger);
const { database, connection, workflows } = await openIntakeChild('bench/intake-relay');
const relay = createOutboxRelay({ db: database.db, workflows, logger, pollMs: 100, relayYield: OUTBOX_BUSY_RATE });
const cpu0 = process.cpuUsage();
relay.start();
process.stdout.write('READY\n');
await new Promise((resolve) => process.stdin.on('end', resolve).resume());
await relay.stop();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
await connection.close();
await database.close();
process.exit(0);
