import { ApplicationFailure } from '@temporalio/activity';
import { HttpCallError } from './post-json';

/** Outbound HTTP failures become Temporal's business: retry 5xx/429 (honouring Retry-After), stop on 4xx. */
export async function asTemporalFailure<T>(typePrefix: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HttpCallError)) throw error;
    if (!error.retryable) throw ApplicationFailure.nonRetryable(error.message, `${typePrefix}Rejected`);
    throw ApplicationFailure.create({
      message: error.message,
      type: `${typePrefix}Unavailable`,
      nextRetryDelay: error.retryAfterMs,
    });
  }
}
