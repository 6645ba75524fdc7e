import type { Logger } from 'pino';
import { KNOWN_VARIABLES } from './env';

export interface MisspelledVariable {
  /** The name set in the environment, which no cartflow process reads. */
  variable: string;
  /** The variable it is one or two typing slips away from. */
  meant: string;
}

/**
 * Variables set in the environment that cartflow does not read but that are a slip away from one it
 * does: `TEMPORAL_ADRESS` (and `npm start` quietly starts its own Temporal), `METRIC_PORT` (and no
 * metrics). Only names, never values. Short names need to be closer (one
 * slip), or HOME and PATH would read as HOST and PORT.
 */
export function misspelledVariables(env: Record<string, string | undefined> = process.env): MisspelledVariable[] {
  const found: MisspelledVariable[] = [];
  for (const [variable, value] of Object.entries(env)) {
    if (value === undefined || KNOWN_VARIABLES.has(variable) || variable.startsWith('TEMPORAL_GRPC_META_')) continue;
    const allowed = variable.length >= 8 ? 2 : 1;
    const meant = closest(variable, allowed);
    if (meant) found.push({ variable, meant });
  }
  return found;
}

/** One warning per misspelled variable, at start: the setting it was meant for is not in effect. */
export function warnMisspelledVariables(logger: Logger, env?: Record<string, string | undefined>): void {
  for (const { variable, meant } of misspelledVariables(env)) {
    logger.warn({ variable, meant }, `${variable} is not a cartflow variable and is ignored; did you mean ${meant}?`);
  }
}

function closest(variable: string, allowed: number): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of KNOWN_VARIABLES) {
    const distance = editDistance(variable, name);
    if (distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, with a transposition of two neighbours counting as one slip. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
