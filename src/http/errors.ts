import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorKind } from '../domain/errors.ts';

/**
 * The one place where failures become HTTP answers: RFC 9457 problem+json with a stable `code`.
 * Never a stack, a secret or a raw driver message in the body.
 */
export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: unknown[];
};

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
  upstream: 502,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problem(status: number, code: string, detail?: string, extra?: Partial<Problem>): Problem {
  return {
    type: `https://pluggy-bridge.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...extra,
  };
}

export function toProblem(err: unknown): Problem {
  if (err instanceof AppError) {
    return problem(
      STATUS[err.kind],
      err.code,
      err.message,
      err.extra?.errors ? { errors: err.extra.errors } : {},
    );
  }
  const fe = err as FastifyError & { validation?: unknown[] };
  if (fe?.validation) return problem(400, 'invalid-request', fe.message, { errors: fe.validation });
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'payload-too-large', 'The request body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported-media-type', 'Send application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'malformed-json', 'The request body is empty but declared as JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'invalid-request', 'Content-Length does not match the body.');
    // Refused by the router before any route runs (Fastify's frameworkErrors); their own
    // messages echo the path, which may carry a webhook secret, so ours do not.
    case 'FST_ERR_BAD_URL':
      return problem(400, 'malformed-url', 'The request path is not a valid URL (bad percent-encoding).');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem(414, 'path-too-long', 'A path segment is longer than any id this API uses.');
  }
  if (err instanceof SyntaxError || fe?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return problem(400, 'malformed-json', 'The request body is not valid JSON.');
  }
  if (isDatabaseUnavailable(err)) {
    return problem(503, 'database-unavailable', 'The database is unavailable; retry shortly.');
  }
  const status =
    typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  if (status < 500) return problem(status, 'invalid-request', fe.message);
  return problem(500, 'internal-error', 'An unexpected error occurred; it has been logged.');
}

export function sendProblem(reply: FastifyReply, p: Problem, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(p.status).type('application/problem+json').send(p);
}

/**
 * A request URL as logs and problem bodies may echo it: no query string (it can carry anything),
 * and the path segment after each of `secretPrefixes` blanked — the webhook receiver accepts its
 * secret as `/webhooks/pluggy/<secret>`, and a wrong method or sub-path on it is a 404 that never
 * reaches the route's own redaction. Compared segment by segment, not by pattern.
 */
export function maskRequestPath(url: string, secretPrefixes: readonly string[] = []): string {
  const path = url.split('?')[0] ?? '';
  const segments = path.split('/');
  for (const prefix of secretPrefixes) {
    const head = prefix.split('/');
    if (segments.length > head.length && head.every((s, i) => segments[i] === s)) {
      segments[head.length] = '[redacted]';
    }
  }
  return segments.join('/');
}

export function installErrorHandling(app: FastifyInstance, secretPrefixes: readonly string[] = []): void {
  app.setErrorHandler((err, req: FastifyRequest, reply) => {
    const p = { ...toProblem(err), instance: maskRequestPath(req.url, secretPrefixes) };
    // Logged once, here, with the request id; 4xx are the caller's business and stay at debug.
    if (p.status >= 500) req.log.error({ err, code: p.code }, 'request failed');
    else req.log.debug({ code: p.code }, 'request rejected');
    const retry = err instanceof AppError ? err.extra?.retryAfterSeconds : p.status === 503 ? 5 : undefined;
    return sendProblem(reply, p, retry);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, {
      ...problem(
        404,
        'route-not-found',
        `No route for ${req.method} ${maskRequestPath(req.url, secretPrefixes)}`,
      ),
    }),
  );
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs (a path that
 * is not valid percent-encoding, a segment beyond maxParamLength) answers problem+json like the rest.
 */
export function frameworkErrorHandler(secretPrefixes: readonly string[] = []) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    void sendProblem(reply, { ...toProblem(err), instance: maskRequestPath(req.url ?? '', secretPrefixes) });
  };
}
