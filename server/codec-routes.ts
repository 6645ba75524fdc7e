import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Logger } from 'pino';
import { z } from 'zod';
import { PayloadKeyError } from '../codec/encryption-codec';
import { codecAccess } from './codec-access';

export interface CodecRoutesDeps {
  /** Without a codec (a test app) the endpoints answer 404. */
  codec?: PayloadCodec;
  config: { adminToken?: string; codecCorsOrigin?: string; codecLocalUiOrigins?: readonly string[] };
  logger: Logger;
}

// Proto3 JSON: every bytes field (payload data, each metadata value) is base64, standard or URL-safe.
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const JsonPayload = z.object({ metadata: z.record(z.string(), Base64).nullish(), data: Base64.nullish() });
// Proto3 JSON leaves out an empty list: the CLI decodes a query without arguments as `{}`.
const CodecRequest = z.object({ payloads: z.array(JsonPayload).default([]) });
type JsonPayload = z.infer<typeof JsonPayload>;

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Temporal's codec-server protocol (`POST /codec/decode`, `POST /codec/encode`), so the Temporal
 * UI and CLI can show the payloads that the encryption codec stores as ciphertext.
 */
export function codecRoutes({ codec, config, logger }: CodecRoutesDeps) {
  const routes = new Hono();
  // An origin has no path: "http://localhost:8233/" in the environment still matches the UI.
  const origins = [
    ...(config.codecCorsOrigin ? [new URL(config.codecCorsOrigin).origin] : []),
    ...(config.codecLocalUiOrigins ?? []),
  ];
  if (origins.length > 0) {
    // Before the token check: a browser's preflight carries no Authorization header.
    routes.use(
      '*',
      cors({
        origin: origins,
        allowMethods: ['POST', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
        credentials: true,
        maxAge: 600,
      }),
    );
  }
  routes.use('*', codecAccess({ adminToken: config.adminToken, localUiOrigins: config.codecLocalUiOrigins }));
  routes.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: 'payload_too_large', message: `body exceeds ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );

  for (const direction of ['decode', 'encode'] as const) {
    routes.post(`/${direction}`, async (c) => {
      if (!codec) return c.json({ error: 'disabled', message: 'no payload codec is configured' }, 404);
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        return c.json({ error: 'invalid_json', message: 'body must be JSON: {"payloads": [...]}' }, 400);
      }
      const body = CodecRequest.safeParse(json);
      if (!body.success) {
        const issue = body.error.issues[0];
        const where = issue?.path.join('.') || '(body)';
        return c.json({ error: 'invalid_payloads', message: `${where}: ${issue?.message}` }, 400);
      }
      try {
        const payloads = await codec[direction](body.data.payloads.map(fromJson));
        return c.json({ payloads: payloads.map(toJson) });
      } catch (error) {
        if (!(error instanceof PayloadKeyError)) throw error;
        logger.warn({ direction, reason: error.message }, 'codec request refused');
        return c.json({ error: 'undecodable_payload', message: error.message }, 400);
      }
    });
  }
  return routes;
}

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

function toJson({ metadata, data }: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}
