import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { executableSearchPath } from '../config/env';

const run = promisify(execFile);
const SCORER = path.join(import.meta.dirname, 'spam-score.pl');

export const SpamRuleHit = z.object({ rule: z.string(), score: z.number(), description: z.string() });
export type SpamRuleHit = z.infer<typeof SpamRuleHit>;

export const SpamScore = z.object({ score: z.number(), hits: z.array(SpamRuleHit) });
export type SpamScore = z.infer<typeof SpamScore>;

const ScoredFile = SpamScore.extend({ file: z.string() });

/** Above this a message is an error: SpamAssassin's own threshold is 5, but every point counts against a sender. */
export const MAX_SPAM_SCORE = 0;

/** Whether SpamAssassin (Debian's `spamassassin` package) is on the PATH. */
export async function spamAssassinInstalled(): Promise<boolean> {
  for (const dir of executableSearchPath()) {
    const found = await access(path.join(dir, 'spamassassin'), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return true;
  }
  return false;
}

/**
 * Scores raw messages with SpamAssassin's local rules (the rules of `spamassassin -L -t`: no
 * network tests). Loading the rules takes about a second and a message about 0.1 s, so each of
 * `workers` Perl processes loads them once and scores its share of the messages.
 */
export async function scoreMessages(messages: Buffer[], options: { workers?: number } = {}): Promise<SpamScore[]> {
  if (messages.length === 0) return [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-spam-'));
  try {
    const files = await Promise.all(
      messages.map(async (message, index) => {
        const file = path.join(dir, `${index}.eml`);
        await writeFile(file, message);
        return file;
      }),
    );
    const workers = Math.max(1, Math.min(options.workers ?? 2, files.length));
    const shares = Array.from({ length: workers }, (_, worker) =>
      files.filter((_, index) => index % workers === worker),
    );
    const scored = new Map<string, SpamScore>();
    await Promise.all(
      shares.map(async (share) => {
        const { stdout } = await run('perl', [SCORER, ...share], { maxBuffer: 64 * 1024 * 1024 });
        for (const line of stdout.split('\n').filter(Boolean)) {
          const { file, ...score } = ScoredFile.parse(JSON.parse(line));
          scored.set(file, score);
        }
      }),
    );
    return files.map((file) => {
      const score = scored.get(file);
      if (!score) throw new Error(`SpamAssassin gave no score for message ${path.basename(file)}`);
      return score;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `-0.001 NO_RECEIVED  Informational: message has no Received headers`, one line per rule hit. */
export function formatHits(score: SpamScore): string[] {
  return score.hits.map((hit) => `${hit.score.toFixed(3).padStart(6)} ${hit.rule.padEnd(22)} ${hit.description}`);
}

/** SpamAssassin's scores have three decimals; rounding keeps 0.001 − 0.001 from summing to 1e-18. */
export const overLimit = (score: SpamScore) => Math.round(score.score * 1000) > MAX_SPAM_SCORE * 1000;
