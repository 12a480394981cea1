/**
 * Every message between the extension's parts (popup, background, later content scripts and the
 * dashboard): one tagged union on `type`, parsed with valibot where it crosses a boundary. A message
 * is attacker-controlled until parsed: objects are strict (unknown fields rejected), every string
 * and number bounded, and a failure is a `ProtocolError`, never another exception.
 *
 * The test-build messages (`test.*`) join the union only when `isTestBuild` is true; their schemas
 * are built inside functions that only that branch calls, so shipped bundles do not contain them.
 */
import * as v from 'valibot';
import { ProtocolError, protocolErrorCodes, type ProtocolErrorCode } from '../protocol/errors';
import { isTestBuild } from './build';

/** Latest instant a clock may be set to: the ECMAScript Date range, in milliseconds. */
const maxTimeMs = 8.64e15;
const timeMs = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(maxTimeMs));
/** A manifest version: one to four dot-separated integers (Chrome's rule, which Firefox accepts). */
const manifestVersion = v.pipe(v.string(), v.maxLength(23), v.regex(/^\d{1,5}(?:\.\d{1,5}){0,3}$/));

const pingRequest = v.strictObject({ type: v.literal('ping') });
const pongResponse = v.strictObject({
  type: v.literal('pong'),
  version: manifestVersion,
  now: timeMs,
});
const errorResponse = v.strictObject({
  type: v.literal('error'),
  code: v.picklist(protocolErrorCodes),
});

function testRequestSchemas() {
  return [
    v.strictObject({ type: v.literal('test.clock.set'), now: timeMs }),
    v.strictObject({ type: v.literal('test.clock.reset') }),
  ] as const;
}

function testResponseSchemas() {
  return [v.strictObject({ type: v.literal('test.clock'), now: timeMs })] as const;
}

export type PingRequest = v.InferOutput<typeof pingRequest>;
export type PongResponse = v.InferOutput<typeof pongResponse>;
export type ErrorResponse = v.InferOutput<typeof errorResponse>;
/** Test build only: set or reset the background's clock. */
export type TestRequest = v.InferOutput<ReturnType<typeof testRequestSchemas>[number]>;
/** Test build only: the background's clock after a `test.*` request. */
export type TestResponse = v.InferOutput<ReturnType<typeof testResponseSchemas>[number]>;

/** Every request a part of the extension may send to the background. */
export type Request = PingRequest | TestRequest;
export type RequestType = Request['type'];
/** Every answer the background may give, including the error answer. */
export type Response = PongResponse | TestResponse | ErrorResponse;

/** Which answer each request gets when it succeeds. */
export interface ResponseByRequestType {
  ping: PongResponse;
  'test.clock.set': TestResponse;
  'test.clock.reset': TestResponse;
}
export type ResponseFor<R extends Request> = ResponseByRequestType[R['type']];

const requestSchema = v.variant(
  'type',
  isTestBuild ? [pingRequest, ...testRequestSchemas()] : [pingRequest],
);
const responseSchema = v.variant(
  'type',
  isTestBuild
    ? [pongResponse, errorResponse, ...testResponseSchemas()]
    : [pongResponse, errorResponse],
);

/** The success answer's `type` for each request `type` this build knows. */
const answerTypes: ReadonlyMap<string, string> = new Map(
  isTestBuild
    ? [
        ['ping', 'pong'],
        ['test.clock.set', 'test.clock'],
        ['test.clock.reset', 'test.clock'],
      ]
    : [['ping', 'pong']],
);

function hasKnownType(
  value: unknown,
  known: readonly { entries: { type: { literal: string } } }[],
): boolean {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false;
  const type: unknown = value.type;
  return known.some((schema) => schema.entries.type.literal === type);
}

/**
 * Parses a message received by the background into a {@link Request}.
 * Throws `ProtocolError` `ERR_MESSAGE_KIND_UNKNOWN` when `type` names no request of this build,
 * `ERR_MESSAGE_INVALID` when the shape is wrong.
 *
 * @example
 * ```ts
 * parseRequest({ type: 'ping' }) // { type: 'ping' }
 * parseRequest({ type: 'ping', extra: 1 }) // throws ERR_MESSAGE_INVALID
 * ```
 */
export function parseRequest(value: unknown): Request {
  const result = v.safeParse(requestSchema, value);
  if (result.success) return result.output;
  if (!hasKnownType(value, requestSchema.options)) {
    throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'Unknown extension message type.');
  }
  throw new ProtocolError('ERR_MESSAGE_INVALID', 'Malformed extension message.');
}

/**
 * Parses the background's answer to `request`. An error answer becomes a
 * thrown `ProtocolError` with the background's code; an answer of the wrong kind or shape throws
 * `ERR_MESSAGE_INVALID`.
 *
 * @example
 * ```ts
 * const pong = parseResponse({ type: 'ping' }, await browser.runtime.sendMessage({ type: 'ping' }));
 * pong.version // '0.1.0'
 * ```
 */
export function parseResponse<R extends Request>(request: R, value: unknown): ResponseFor<R> {
  const result = v.safeParse(responseSchema, value);
  if (!result.success)
    throw new ProtocolError('ERR_MESSAGE_INVALID', 'Malformed answer from the background.');
  const response = result.output;
  if (response.type === 'error')
    throw new ProtocolError(response.code, 'The background refused the request.');
  if (answerTypes.get(request.type) !== response.type) {
    throw new ProtocolError(
      'ERR_MESSAGE_INVALID',
      'The background answered with the wrong message type.',
    );
  }
  return response as ResponseFor<R>;
}

/**
 * The wire form of a failure, so the sender can rethrow it with the same code.
 *
 * @example
 * ```ts
 * errorResponseFor('ERR_MESSAGE_INVALID') // { type: 'error', code: 'ERR_MESSAGE_INVALID' }
 * ```
 */
export function errorResponseFor(code: ProtocolErrorCode): ErrorResponse {
  return { type: 'error', code };
}
