import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `npm start` generates the secrets that are not configured into `<data dir>/<name>` (mode 600)
 * and reuses them, so a local run needs no configuration and keeps working across restarts.
 */
async function localSecret(
  dataDir: string,
  name: string,
  make: () => string,
): Promise<{ secret: string; file: string }> {
  const file = path.join(dataDir, name);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 16) return { secret: existing, file };
  } catch {
    // not created yet
  }
  await mkdir(dataDir, { recursive: true });
  const secret = make();
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file };
}

/** Signs local webhooks (WEBHOOK_SECRET). */
export const localWebhookSecret = (dataDir: string) =>
  localSecret(dataDir, 'webhook-secret', () => randomBytes(24).toString('hex'));

/** Signs tracked and unsubscribe links (TRACKING_SECRET). */
export const localTrackingSecret = (dataDir: string) =>
  localSecret(dataDir, 'tracking-secret', () => randomBytes(32).toString('hex'));

/** Encrypts workflow payloads (PAYLOAD_KEYS): one key with id `local1`. */
export const localPayloadKeys = (dataDir: string) =>
  localSecret(dataDir, 'payload-keys', () => `local1:${randomBytes(32).toString('base64')}`);
