/** SOFT_BOUNCE_LIMIT soft bounces within SOFT_BOUNCE_WINDOW suppress an address. */
export interface SoftBounceRule {
  limit: number;
  windowMs: number;
}

/** The defaults of SOFT_BOUNCE_LIMIT and SOFT_BOUNCE_WINDOW (config/env.ts), for callers built without config. */
export const DEFAULT_SOFT_BOUNCE_RULE: SoftBounceRule = { limit: 3, windowMs: 7 * 24 * 60 * 60 * 1000 };

/** Providers echo the Message-ID with or without its angle brackets; ours are stored with them. */
export function normalizeMessageIdHeader(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
}
