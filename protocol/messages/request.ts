/**
 * `request`, anyone → clearinghouse: the signature of a GET or DELETE, carried as
 * `Authorization: Signature <JWS>` (SPECS "JWS"). `exp` at most 60 s after `iat` is enforced
 * by `protocol/jws`; the path is compared byte for byte with the request's own.
 */
import * as v from 'valibot';
import { clearinghouseAudience, message } from './claims';
import { signerId } from './primitives';

export const request = message(signerId, clearinghouseAudience, {
  method: v.picklist(['GET', 'DELETE']),
  /** Path with query, as sent: printable ASCII, starting with `/`. */
  path: v.pipe(v.string(), v.minLength(1), v.maxLength(2048), v.regex(/^\/[\x21-\x7e]*$/)),
});
