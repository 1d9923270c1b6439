import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { logContext, type Logger } from '@vigil/config';
import type { Role } from '@vigil/contracts';
import { AccessControl } from '../auth/access-control';
import { unstorableError } from '../common/body-parsing';
import { errorAnswer, malformedJsonError } from '../common/error.filter';
import { recordRequest } from '../common/http-observability';
import { REQUEST_ID_HEADER, requestIdFor } from '../common/request-id';
import type { ApiMetrics } from '../metrics/api-metrics';
import { parseAuthorizeRequest } from './dto/authorize-request';
import type { GuardrailService } from './guardrail.service';

export const AUTHORIZE_PATH = '/v1/authorize';

/** `application/json`, with no charset or UTF-8: what the JSON body parser reads as is. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*("?)utf-8\1\s*)?$/i;
const DIGITS = /^\d+$/;
/** What the JSON body parser skips before the first character of a body. */
const LEADING_WHITESPACE = /^[ \t\n\r]*/;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface AuthorizeHotPathOptions {
  readonly guardrail: GuardrailService;
  readonly access: AccessControl;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  /** The roles the route's `@Roles` allows. */
  readonly roles: readonly Role[];
  /** The headers the middleware sets on every answer (security headers, CORS' `Vary`). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** With CORS on, a request with an `Origin` goes through the CORS middleware. */
  readonly corsEnabled: boolean;
  readonly bodyLimitBytes: number;
}

/**
 * `POST /v1/authorize` answered by Node's HTTP server directly, for the agent runtimes that
 * ask before every tool call: the same steps as the middleware and Nest's pipeline, in the
 * same order and with the same components (request id and log context, security headers,
 * the JSON body rules, AccessControl, the route's own parsing, GuardrailService, the error
 * body, the request's log line and metrics), without the cost of the general chain.
 *
 * Only a plain request takes it: exactly this path with no query, `application/json` in
 * UTF-8 with a `Content-Length` within the limit, no `Transfer-Encoding` or
 * `Content-Encoding`, and no `Origin` while CORS is on. Anything else goes through the
 * general chain, which answers it as before.
 */
export class AuthorizeHotPath {
  /** Requests this path answered (the rest went through the general chain). */
  served = 0;
  private readonly fixedHeaders: string[];

  constructor(private readonly options: AuthorizeHotPathOptions) {
    this.fixedHeaders = options.headers.flatMap(([name, value]) => [name, value]);
  }

  /** Whether this request is one the hot path answers, from its head alone. */
  takes(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== AUTHORIZE_PATH) return false;
    const headers = req.headers;
    const length = headers['content-length'];
    return (
      length !== undefined &&
      DIGITS.test(length) &&
      Number(length) > 0 &&
      Number(length) <= this.options.bodyLimitBytes &&
      headers['transfer-encoding'] === undefined &&
      headers['content-encoding'] === undefined &&
      headers['content-type'] !== undefined &&
      PLAIN_JSON.test(headers['content-type']) &&
      !(this.options.corsEnabled && headers.origin !== undefined)
    );
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    this.served += 1;
    const started = process.hrtime.bigint();
    const given = req.headers[REQUEST_ID_HEADER];
    const requestId = requestIdFor(typeof given === 'string' ? given : undefined);
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      recordRequest(this.options.logger, this.options.metrics, {
        requestId,
        method: 'POST',
        route: AUTHORIZE_PATH,
        path: AUTHORIZE_PATH,
        // A client that hung up before the answer was sent: 499, as proxies record it.
        status: res.writableFinished ? res.statusCode : 499,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    };
    res.once('finish', record);
    res.once('close', record);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client that goes away mid-body: nothing to answer; `close` records it.
    req.on('error', () => undefined);
    req.once('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      logContext.run({ requestId }, () => void this.answer(req, res, requestId, body));
    });
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    raw: Buffer,
  ): Promise<void> {
    try {
      const body = parseJson(raw);
      const unstorable = unstorableError(body);
      if (unstorable) throw unstorable;
      await this.options.access.admit(
        {
          authorization: req.headers.authorization,
          address: req.socket.remoteAddress ?? 'unknown',
          method: 'POST',
          route: AUTHORIZE_PATH,
        },
        this.options.roles,
      );
      const answer = await this.options.guardrail.authorize(parseAuthorizeRequest(body), requestId);
      this.write(res, 200, requestId, JSON.stringify(answer), undefined);
    } catch (error) {
      const { status, body, headers } = errorAnswer(error, requestId);
      this.write(res, status, requestId, JSON.stringify(body), headers);
    }
  }

  private write(
    res: ServerResponse,
    status: number,
    requestId: string,
    json: string,
    extra: Readonly<Record<string, string>> | undefined,
  ): void {
    if (res.headersSent || res.destroyed) return;
    const headers = [
      ...this.fixedHeaders,
      REQUEST_ID_HEADER,
      requestId,
      'content-type',
      JSON_CONTENT_TYPE,
      'content-length',
      String(Buffer.byteLength(json)),
    ];
    if (extra) for (const [name, value] of Object.entries(extra)) headers.push(name, value);
    res.writeHead(status, headers);
    res.end(json);
  }
}

/**
 * The body as the JSON body parser reads it: UTF-8 without a byte-order mark, an empty body
 * is an empty object, and only an object or an array at the top (strict).
 */
export function parseJson(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = text[LEADING_WHITESPACE.exec(text)![0].length];
  if (first !== '{' && first !== '[') throw malformedJsonError();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedJsonError();
  }
}

const installed = new WeakMap<Server, AuthorizeHotPath>();

/** The hot path a server serves first, if it has one. */
export function hotPathOf(server: Server): AuthorizeHotPath | undefined {
  return installed.get(server);
}

/**
 * Has the server give the requests the hot path takes to it, and every other request to the
 * handler it had (the Express application).
 */
export function serveHotPathFirst(server: Server, hotPath: AuthorizeHotPath): void {
  const handlers = server.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  if (handlers.length !== 1) {
    throw new Error(`expected one request handler on the HTTP server, found ${handlers.length}`);
  }
  const general = handlers[0]!;
  server.removeAllListeners('request');
  installed.set(server, hotPath);
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    hotPath.takes(req) ? hotPath.serve(req, res) : general(req, res),
  );
}
