import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

declare module 'hono' {
  interface ContextVariableMap {
    /** The request body as received, read once by `limitedRawBody`. */
    rawBody: Uint8Array;
  }
}

export interface LimitedRawBodyOptions {
  maxSize: number;
  /** The answer when the body is larger than `maxSize` (declared or as it streams in). */
  onError: (c: Context) => Response | Promise<Response>;
}

/**
 * Hono's bodyLimit, and the body read once into `c.var.rawBody`. Under @hono/node-server it reads
 * Node's request stream directly: bodyLimit (and `c.req.arrayBuffer()`) first build a web Request
 * around it (an AbortController, undici's Request and Headers, a web stream over the Node stream),
 * the largest cost of a webhook in the HTTP layer. Elsewhere (`app.request()` in tests, other
 * runtimes) it is bodyLimit and `arrayBuffer()` as before.
 */
export function limitedRawBody({ maxSize, onError }: LimitedRawBodyOptions): MiddlewareHandler {
  const portable = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const incoming = nodeIncoming(c);
    if (!incoming) {
      return portable(c, async () => {
        c.set('rawBody', new Uint8Array(await c.req.arrayBuffer()));
        await next();
      });
    }
    const body = await readLimited(incoming, maxSize);
    if (body === 'too_large') return onError(c);
    c.set('rawBody', body);
    return next();
  };
}

/** The Node request behind this context, if @hono/node-server serves it and nothing has read its body. */
function nodeIncoming(c: Context): IncomingMessage | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  const incoming = (env as { incoming: unknown }).incoming;
  if (typeof incoming !== 'object' || incoming === null || !('readableDidRead' in incoming)) return undefined;
  const stream = incoming as IncomingMessage;
  return stream.readableDidRead ? undefined : stream;
}

function readLimited(incoming: IncomingMessage, maxSize: number): Promise<Buffer | 'too_large'> {
  if (Number(incoming.headers['content-length'] ?? 0) > maxSize) return Promise.resolve('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // The rest of a refused body is drained by @hono/node-server once the answer is sent.
    const settle = (outcome: () => void) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxSize) settle(() => resolve('too_large'));
      else chunks.push(chunk);
    };
    const onEnd = () =>
      settle(() => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size)));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () => settle(() => reject(new Error('the client closed the request before its body ended')));
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
