/**
 * Test fixture (imported by *.test.ts only): a software WebAuthn authenticator, so the passkey
 * ceremonies of people.ts run in Node against the real `@simplewebauthn/server` verification.
 * It makes `none` attestations with an Ed25519 credential (COSE alg -8), user presence and user
 * verification set, and a signature counter, exactly as W3C WebAuthn Level 3 lays out
 * authenticator data and client data.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';

type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A minimal CBOR encoder (RFC 8949) for what attestation objects and COSE keys need. */
function cbor(value: Cbor): Uint8Array {
  const out: number[] = [];
  const write = (v: Cbor): void => {
    if (typeof v === 'number') out.push(...(v >= 0 ? head(0, v) : head(1, -1 - v)));
    else if (typeof v === 'string') {
      const bytes = new TextEncoder().encode(v);
      out.push(...head(3, bytes.length), ...bytes);
    } else if (v instanceof Uint8Array) out.push(...head(2, v.length), ...v);
    else {
      out.push(...head(5, v.size));
      for (const [key, item] of v) {
        write(key);
        write(item);
      }
    }
  };
  write(value);
  return new Uint8Array(out);
}

const sha256 = (bytes: Uint8Array | string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(bytes).digest());

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
}

/** One passkey the authenticator holds. */
export interface SoftCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

/** Flags of authenticator data: user present, user verified, attested credential data. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

/**
 * A software passkey authenticator bound to one origin (what the browser would put into client data).
 *
 * @example
 * ```ts
 * const authenticator = new SoftAuthenticator('http://localhost:3000');
 * const response = authenticator.register(options);
 * ```
 */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  constructor(readonly origin: string) {}

  /** Answers `navigator.credentials.create` for these options. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: { origin?: string; type?: string } = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const x = base64urlDecode(publicKey.export({ format: 'jwk' }).x!);
    const idBytes = new Uint8Array(randomBytes(16));
    const id = base64urlEncode(idBytes);
    const coseKey = cbor(
      new Map<number, Cbor>([
        [1, 1], // kty: OKP
        [3, -8], // alg: EdDSA
        [-1, 6], // crv: Ed25519
        [-2, x],
      ]),
    );
    const authData = concat(
      sha256(rpId),
      new Uint8Array([UP | UV | AT]),
      u32(0),
      new Uint8Array(16), // aaguid: none
      new Uint8Array([idBytes.length >> 8, idBytes.length & 255]),
      idBytes,
      coseKey,
    );
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientData = JSON.stringify({
      type: overrides.type ?? 'webauthn.create',
      challenge: options.challenge,
      origin: overrides.origin ?? this.origin,
      crossOrigin: false,
    });
    this.credentials.push({ id, rpId, userHandle: options.user.id, privateKey, counter: 0 });
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: base64urlEncode(new TextEncoder().encode(clientData)),
        attestationObject: base64urlEncode(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Answers `navigator.credentials.get` with the credential at `index` (default: the newest). */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    index = this.credentials.length - 1,
  ): AuthenticationResponseJSON {
    const credential = this.credentials[index];
    if (credential === undefined) throw new Error('The soft authenticator holds no such passkey.');
    credential.counter += 1;
    const authData = concat(
      sha256(credential.rpId),
      new Uint8Array([UP | UV]),
      u32(credential.counter),
    );
    const clientDataJSON = new TextEncoder().encode(
      JSON.stringify({
        type: 'webauthn.get',
        challenge: options.challenge,
        origin: this.origin,
        crossOrigin: false,
      }),
    );
    const signature = new Uint8Array(
      sign(null, concat(authData, sha256(clientDataJSON)), credential.privateKey),
    );
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64urlEncode(clientDataJSON),
        authenticatorData: base64urlEncode(authData),
        signature: base64urlEncode(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
