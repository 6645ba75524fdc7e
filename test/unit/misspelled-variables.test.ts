import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { misspelledVariables, warnMisspelledVariables } from '../../config/misspelled-variables';

describe('misspelled variables', () => {
  it('names a variable one or two slips away from one cartflow reads, with the one it meant', () => {
    expect(
      misspelledVariables({
        TEMPORAL_ADRESS: '127.0.0.1:7233',
        METRIC_PORT: '9464',
        SMTP_ULR: 'smtp://relay:587',
        WORKER_HEALTHPORT: '3001',
        LOG_LEVLE: 'debug',
        TEMPORAL_TLS_SERVER_NAM: 'temporal.internal',
      }),
    ).toEqual([
      { variable: 'TEMPORAL_ADRESS', meant: 'TEMPORAL_ADDRESS' },
      { variable: 'METRIC_PORT', meant: 'METRICS_PORT' },
      { variable: 'SMTP_ULR', meant: 'SMTP_URL' },
      { variable: 'WORKER_HEALTHPORT', meant: 'WORKER_HEALTH_PORT' },
      { variable: 'LOG_LEVLE', meant: 'LOG_LEVEL' },
      { variable: 'TEMPORAL_TLS_SERVER_NAM', meant: 'TEMPORAL_TLS_SERVER_NAME' },
    ]);
  });

  it('leaves alone the variables it reads and those of the system, npm and containers', () => {
    expect(
      misspelledVariables({
        TEMPORAL_ADDRESS: 'x',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/certs/client.pem',
        TEMPORAL_GRPC_META_X_TENANT: 'acme',
        PORT: '3000',
        HOST: '0.0.0.0',
        HOME: '/home/node',
        PATH: '/usr/bin',
        HOSTNAME: 'cartflow-worker-1',
        NODE_ENV: 'production',
        USER: 'node',
        TERM: 'xterm',
        LANG: 'C.UTF-8',
        TZ: 'UTC',
        POSTGRES_PASSWORD: 'x',
        npm_lifecycle_event: 'worker',
      }),
    ).toEqual([]);
  });

  it('warns with the names only, never the value', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    warnMisspelledVariables(logger, { SMTP_ULR: 'smtp://user:hunter2@relay:587' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      variable: 'SMTP_ULR',
      meant: 'SMTP_URL',
      msg: 'SMTP_ULR is not a cartflow variable and is ignored; did you mean SMTP_URL?',
    });
    expect(lines[0]).not.toContain('hunter2');
  });
});
