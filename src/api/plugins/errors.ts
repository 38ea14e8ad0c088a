/**
 * One error shape for every refusal: `{ error: { code, message, field? } }`. Domain codes map to
 * statuses in ../errors.ts; anything unexpected is a 500 whose body names only the request id, with
 * the details in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { RecordsError } from '../../records/index.ts';
import type { App } from '../context.ts';
import { ApiError, statusForCode } from '../errors.ts';

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', params: 'params', body: 'body' };

/** Codes for fastify's own 4xx errors (bad JSON, too large, wrong content type...). */
function codeForStatus(status: number): string {
  if (status === 413) return 'body-too-large';
  if (status === 415) return 'unsupported-media-type';
  if (status === 429) return 'rate-limited';
  if (status === 404) return 'not-found';
  if (status === 406) return 'not-acceptable';
  return 'invalid-input';
}

interface Body {
  error: { code: string; message: string; field?: string; requestId?: string };
}

function send(reply: FastifyReply, status: number, error: Body['error']) {
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(status).type('application/json').send({ error });
}

export function toResponse(err: unknown, request: FastifyRequest): { status: number; body: Body['error'] } {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = CONTEXT_NAMES[err.validationContext ?? 'body'] ?? err.validationContext ?? 'input';
    const fieldOf = (path: string) => `${where}${path === '/' ? '' : path.replaceAll('/', '.')}`;
    const field = fieldOf(err.validation[0]!.instancePath);
    const message = err.validation.map((v) => `${fieldOf(v.instancePath)}: ${v.message}`).join('; ');
    return { status: 400, body: { code: 'invalid-input', message, field } };
  }
  if (err instanceof ApiError) {
    const body: Body['error'] = { code: err.code, message: err.message };
    if (err.field) body.field = err.field;
    return { status: err.statusCode, body };
  }
  if (err instanceof RecordsError) {
    return { status: statusForCode(err.code), body: { code: err.code, message: err.message } };
  }
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { code: codeForStatus(status), message: (err as Error).message } };
  }
  return {
    status: 500,
    body: { code: 'internal', message: 'internal error', requestId: String(request.id) },
  };
}

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = toResponse(err, request);
    // A 500 is ours to fix: logged in full. An answer the API means to give (a 4xx, or a 503 such
    // as history-unavailable, whose cause the route has logged already) is not an error of ours.
    if (status >= 500 && !(err instanceof ApiError))
      request.log.error({ err, requestId: request.id }, 'request failed');
    else if (status >= 500)
      request.log.info({ code: body.code, status }, `request answered ${status} ${body.code}`);
    else request.log.debug({ code: body.code, status }, 'request refused');
    return send(reply, status, body);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, {
      code: 'not-found',
      message: `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json or /docs`,
    }),
  );
}
