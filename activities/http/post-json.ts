/** A failed outbound call: `retryable` for 5xx, 429 and network trouble; a 4xx will not improve. */
export class HttpCallError extends Error {
  override name = 'HttpCallError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface PostJsonInput {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** How the target is named in errors ("shop API /discount-codes"). */
  label: string;
}

/** POSTs JSON and returns the parsed answer; every failure is an HttpCallError that says whether to retry. */
export async function postJson({ url, body, headers = {}, timeoutMs, label }: PostJsonInput): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'unreachable';
    throw new HttpCallError(`${label} ${reason}`, true);
  }
  if (response.ok) return response.status === 204 ? undefined : response.json().catch(() => undefined);
  const detail = (await response.text().catch(() => '')).slice(0, 300);
  throw new HttpCallError(
    `${label} answered ${response.status}${detail ? `: ${detail}` : ''}`,
    response.status === 429 || response.status >= 500,
    retryAfterMs(response.headers.get('retry-after')),
  );
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
