import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * With no WEBHOOK_SECRET, `npm start` generates one into `<data dir>/webhook-secret` (mode 600)
 * and reuses it, so local webhooks can be signed without configuring anything.
 */
export async function localWebhookSecret(dataDir: string): Promise<{ secret: string; file: string }> {
  const file = path.join(dataDir, 'webhook-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 16) return { secret: existing, file };
  } catch {
    // not created yet
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(24).toString('hex');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file };
}
