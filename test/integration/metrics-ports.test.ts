import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSmtpMailer } from '../../mail/mailer';
import { smtpErrorClass } from '../../mail/smtp-error-class';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { metricTypes, parsePrometheusText } from '../helpers/prometheus-text';
import { createTeardown } from '../helpers/teardown';
import { type WorkerProcess, startWorkerProcess } from '../fixtures/worker-process';

// `npm run worker` as its own process, against the real Postgres, Temporal dev server and SMTP:
// its own metrics on METRICS_PORT and the Temporal SDK's on TEMPORAL_METRICS_PORT.
const teardown = createTeardown();
let database: TestDatabase;
let smtp: MailCatcher;
let worker: WorkerProcess;
let metricsPort: number;
let temporalMetricsPort: number;

beforeAll(async () => {
  database = await createTestDatabase();
  teardown.add(() => database.drop());
  smtp = await startMailCatcher();
  teardown.add(() => smtp.close());
  [metricsPort, temporalMetricsPort] = [await freePort(), await freePort()];
  worker = startWorkerProcess(
    {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `metrics-ports-${randomUUID()}`,
      SMTP_URL: smtp.url,
      TRACKING_SECRET: randomBytes(24).toString('hex'),
      PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      METRICS_PORT: String(metricsPort),
      TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
      LOG_LEVEL: 'info',
    },
    { script: 'worker.ts' },
  );
  teardown.add(() => worker.stop());
  await worker.waitForLine(/"worker started"/);
});

afterAll(() => teardown.run());

const scrape = async (port: number) => {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
};

describe('metrics ports of npm run worker', () => {
  it("METRICS_PORT answers with the worker's series", async () => {
    const types = metricTypes(await scrape(metricsPort));
    expect(types.get('cartflow_emails_total')).toBe('counter');
    expect(types.get('cartflow_smtp_errors_total')).toBe('counter');
    expect(types.get('cartflow_activity_duration_seconds')).toBe('histogram');
    expect(types.get('cartflow_nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
  });

  it("TEMPORAL_METRICS_PORT answers with the SDK's own metrics", async () => {
    // The core registers its series as the worker polls; the exporter itself answers at once.
    const samples = await eventually(async () => {
      const parsed = parsePrometheusText(await scrape(temporalMetricsPort));
      expect(parsed.some((sample) => sample.name.startsWith('temporal_'))).toBe(true);
      return parsed;
    });
    const names = new Set(samples.map((sample) => sample.name));
    expect(
      [...names].some((name) => /^temporal_(num_pollers|worker_start|workflow_task|long_request)/.test(name)),
    ).toBe(true);
  });
});

describe('SMTP error classes', () => {
  it('a refused connection is network, a 5xx rejection is 5xx, a 4xx answer is 4xx', async () => {
    const closed = createSmtpMailer({ url: `smtp://127.0.0.1:${await freePort()}`, from: 'shop@example.com' });
    const network = await closed
      .send({ to: 'a@example.com', subject: 's', html: '<p>x</p>', text: 'x', messageId: '<1@example.com>' })
      .catch((error: unknown) => error);
    closed.close();
    expect(smtpErrorClass(network)).toBe('network');

    const rejecting = await startMailCatcher({ rejectRecipient: () => true });
    const mailer = createSmtpMailer({ url: rejecting.url, from: 'shop@example.com' });
    const refused = await mailer
      .send({ to: 'gone@example.com', subject: 's', html: '<p>x</p>', text: 'x', messageId: '<2@example.com>' })
      .catch((error: unknown) => error);
    mailer.close();
    await rejecting.close();
    expect(smtpErrorClass(refused)).toBe('5xx');

    expect(smtpErrorClass(Object.assign(new Error('451 try later'), { responseCode: 451 }))).toBe('4xx');
    expect(smtpErrorClass(new Error('something else'))).toBe('other');
  });
});
