import type { Context } from 'hono';
import type { z } from 'zod';

/** One bad field of a webhook body: its path (`data.items.0.quantity`, '' for the body) and the rule it breaks. */
export interface PayloadIssue {
  path: string;
  message: string;
}

/** The issues of a failed parse, one per field and rule (a value can break several checks that say the same). */
export function payloadIssues(error: z.ZodError): PayloadIssue[] {
  const seen = new Set<string>();
  const issues: PayloadIssue[] = [];
  for (const issue of error.issues) {
    const entry = { path: issue.path.join('.'), message: issue.message };
    const key = `${entry.path}\n${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(entry);
  }
  return issues;
}

/** "data.items: must have at most 500 items; data.total: …" */
export function describeIssues(issues: PayloadIssue[]): string {
  return issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; ');
}

/** The 400 every webhook answers for a body that parses as JSON but breaks the contract. */
export function invalidPayload(c: Context, issues: PayloadIssue[]) {
  return c.json({ error: 'invalid_payload', message: describeIssues(issues), issues }, 400);
}
