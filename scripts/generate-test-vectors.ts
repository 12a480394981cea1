/**
 * Writes protocol/test-vectors/{keys,pairwise,seal,jws}.json from fixed inputs, byte-for-byte the same
 * on every run, so another implementation can check itself against ours (README.md beside them).
 *
 *   npx tsx scripts/generate-test-vectors.ts          # (re)write the files
 *   npx tsx scripts/generate-test-vectors.ts --check  # exit 1 if a file differs from the code
 *
 * protocol/test-vectors.node.test.ts runs the same build and compares it with the files, so a
 * change to the derivations cannot slip past without the vectors changing too.
 *
 * Sealed boxes are randomised; here they are built with a chosen ephemeral key (see
 * `boxSealWithEphemeralSeedForTestVectors`) so the files are reproducible. The vectors are for
 * opening only.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  base64urlDecode,
  base64urlEncode,
  hexEncode,
  utf8Decode,
  utf8Encode,
} from '../protocol/encoding';
import { signCompact } from '../protocol/jws';
import {
  companyId,
  keyPairFromSeed,
  masterSeedToPhrase,
  pairwiseKeyPair,
  pairwiseSeed,
  pseudonym,
  publicJwk,
  thumbprint,
  thumbprintInput,
} from '../protocol/keys';
import { exampleMessages } from '../protocol/messages/examples';
import { messageKinds } from '../protocol/messages';
import { signMessage } from '../protocol/signed';
import {
  boxSealWithEphemeralSeedForTestVectors,
  ed25519PkToCurve25519,
  ed25519SkToCurve25519,
  ready,
} from '../protocol/sodium';

/** A fixed 32-byte input, reproducible from its label alone: SHA-256("consent-clearinghouse/test-vectors/" + label). */
function fixedSeed(label: string): Uint8Array {
  return sha256(utf8Encode(`consent-clearinghouse/test-vectors/${label}`));
}

function keyVector(name: string, seed: Uint8Array) {
  const pair = keyPairFromSeed(seed);
  const jwk = publicJwk(pair);
  return {
    name,
    seed: hexEncode(seed),
    publicKey: hexEncode(pair.publicKey),
    jwk,
    thumbprintInput: thumbprintInput(jwk),
    thumbprint: thumbprint(jwk),
    companyId: companyId(jwk),
    pseudonym: pseudonym(jwk),
  };
}

function buildKeys() {
  const rfc8037Seed = Uint8Array.from([
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
  ]);
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  const valid = keyVector('rfc8037-appendix-a', rfc8037Seed).jwk;
  return {
    description:
      'Ed25519 keys, their public JWKs (RFC 8037), RFC 7638 thumbprints (the kid), company ids (co_ + thumbprint) and pseudonyms (ps_ + thumbprint). Bytes are lowercase hex; JWK members and thumbprints are base64url without padding.',
    vectors: [
      keyVector('rfc8037-appendix-a', rfc8037Seed),
      keyVector('seed-all-zero', new Uint8Array(32)),
      keyVector('seed-ascending', ascending),
      keyVector('seed-all-ff', new Uint8Array(32).fill(0xff)),
      keyVector('seed-company', fixedSeed('company')),
      keyVector('seed-regulator', fixedSeed('regulator')),
    ],
    invalidPublicJwks: [
      {
        name: 'private member d present',
        jwk: { ...valid, d: base64urlEncode(rfc8037Seed) },
        error: 'ERR_KEY_INVALID',
      },
      { name: 'kty is not OKP', jwk: { ...valid, kty: 'EC' }, error: 'ERR_KEY_INVALID' },
      { name: 'crv is X25519', jwk: { ...valid, crv: 'X25519' }, error: 'ERR_KEY_INVALID' },
      { name: 'x padded', jwk: { ...valid, x: `${valid.x}=` }, error: 'ERR_KEY_INVALID' },
      {
        name: 'x with non-zero trailing bits',
        jwk: { ...valid, x: `${valid.x.slice(0, 42)}p` },
        error: 'ERR_KEY_INVALID',
      },
      {
        name: 'x is a small-order point (the identity)',
        jwk: {
          ...valid,
          x: base64urlEncode(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))),
        },
        error: 'ERR_KEY_INVALID',
      },
      {
        name: 'kid is not the thumbprint',
        jwk: { ...valid, kid: 'key-1' },
        error: 'ERR_KEY_INVALID',
      },
      { name: 'unknown member', jwk: { ...valid, x5c: ['MIIB'] }, error: 'ERR_KEY_INVALID' },
    ],
  };
}

function pairwiseVector(masterLabel: string, masterSeed: Uint8Array, company: string) {
  const message = new Uint8Array([
    ...utf8Encode('consent-clearinghouse/pairwise/v1'),
    0x00,
    ...utf8Encode(company),
  ]);
  const pair = pairwiseKeyPair(masterSeed, company);
  const jwk = publicJwk(pair);
  return {
    name: `${masterLabel} / ${company.slice(0, 12)}…`,
    masterSeed: hexEncode(masterSeed),
    companyId: company,
    blake2bMessage: hexEncode(message),
    pairwiseSeed: hexEncode(pairwiseSeed(masterSeed, company)),
    publicKey: hexEncode(pair.publicKey),
    jwk,
    pseudonym: pseudonym(jwk),
  };
}

function buildPairwise() {
  const companies = [
    companyId(publicJwk(keyPairFromSeed(fixedSeed('company')))),
    companyId(publicJwk(keyPairFromSeed(fixedSeed('company-2')))),
  ];
  const masters: [string, Uint8Array][] = [
    ['master-all-zero', new Uint8Array(32)],
    ['master-customer-1', fixedSeed('customer-1')],
    ['master-customer-2', fixedSeed('customer-2')],
  ];
  return {
    description:
      'Pairwise keys: pairwiseSeed = BLAKE2b-256(key = masterSeed, message = "consent-clearinghouse/pairwise/v1" || 0x00 || UTF-8(companyId)) (libsodium crypto_generichash), then crypto_sign_seed_keypair(pairwiseSeed). pseudonym = "ps_" + RFC 7638 thumbprint of the pairwise public JWK. recoveryPhrases: the 32-byte master seed as its 24-word BIP-39 English mnemonic (the seed is the entropy; no PBKDF2).',
    context: 'consent-clearinghouse/pairwise/v1',
    vectors: masters.flatMap(([label, seed]) =>
      companies.map((company) => pairwiseVector(label, seed, company)),
    ),
    recoveryPhrases: masters.map(([name, seed]) => ({
      name,
      masterSeed: hexEncode(seed),
      phrase: masterSeedToPhrase(seed),
    })),
  };
}

/** 2026-01-01T00:00:00Z: the inner offer's iat, and the time to verify it at. */
const OFFER_IAT = 1_767_225_600;

async function buildSeal() {
  const company = keyPairFromSeed(fixedSeed('company'));
  const companyJwk = publicJwk(company);
  const customerMaster = fixedSeed('customer-1');
  const recipients = {
    pairwise: pairwiseKeyPair(customerMaster, companyId(companyJwk)),
    company,
  };
  const offer = await signCompact({
    kind: 'offer',
    keyPair: company,
    payload: {
      v: 1,
      iss: companyId(companyJwk),
      aud: pseudonym(publicJwk(recipients.pairwise)),
      iat: OFFER_IAT,
      exp: OFFER_IAT + 7 * 86_400,
      jti: '6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      title: 'Zehn Prozent auf Wanderschuhe',
    },
  });

  const cases: [string, keyof typeof recipients, Uint8Array, string | undefined][] = [
    ['empty plaintext to a pairwise key', 'pairwise', new Uint8Array(0), undefined],
    [
      'UTF-8 text to a pairwise key',
      'pairwise',
      utf8Encode('Grüße aus der Clearingstelle'),
      undefined,
    ],
    [
      'binary to a company key',
      'company',
      Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff),
      undefined,
    ],
    ['a signed inner offer to a pairwise key', 'pairwise', utf8Encode(offer), 'offer'],
  ];
  const recipientSeeds = {
    pairwise: pairwiseSeed(customerMaster, companyId(companyJwk)),
    company: fixedSeed('company'),
  };

  const vectors = cases.map(([name, to, plaintext, signedKind], index) => {
    const recipient = recipients[to];
    const x25519PublicKey = ed25519PkToCurve25519(recipient.publicKey);
    const sealed = boxSealWithEphemeralSeedForTestVectors(
      plaintext,
      x25519PublicKey,
      fixedSeed(`ephemeral-${index}`),
    );
    return {
      name,
      recipientSeed: hexEncode(recipientSeeds[to]),
      recipientPublicKey: hexEncode(recipient.publicKey),
      recipientX25519PublicKey: hexEncode(x25519PublicKey),
      recipientX25519SecretKey: hexEncode(ed25519SkToCurve25519(recipient.privateKey)),
      sealed: hexEncode(sealed),
      plaintext: hexEncode(plaintext),
      ...(signedKind === undefined
        ? {}
        : {
            signed: {
              kind: signedKind,
              signerJwk: companyJwk,
              audience: pseudonym(publicJwk(recipient)),
              verifyAt: OFFER_IAT,
              maxWindowSeconds: 90 * 86_400,
            },
          }),
    };
  });

  const good = vectors[1]!;
  const flipped =
    good.sealed.slice(0, 100) + (good.sealed[100] === '0' ? '1' : '0') + good.sealed.slice(101);
  return {
    description:
      'Sealed boxes (libsodium crypto_box_seal) to the X25519 form of an Ed25519 key (crypto_sign_ed25519_pk_to_curve25519 / _sk_). Open-only: open `sealed` with the key pair of `recipientSeed` and expect `plaintext`. Where `signed` is present the plaintext is a compact JWS of that kind, signed by `signerJwk`, addressed to `audience`, valid at `verifyAt` with a window of up to `maxWindowSeconds`.',
    vectors,
    mustFail: [
      {
        name: 'one bit flipped in the ciphertext',
        recipientSeed: good.recipientSeed,
        sealed: flipped,
        error: 'ERR_SEAL_OPEN_FAILED',
      },
      {
        name: 'sealed to another recipient',
        recipientSeed: vectors[2]!.recipientSeed,
        sealed: good.sealed,
        error: 'ERR_SEAL_OPEN_FAILED',
      },
      {
        name: 'truncated below the 48-byte overhead',
        recipientSeed: good.recipientSeed,
        sealed: good.sealed.slice(0, 94),
        error: 'ERR_SEAL_OPEN_FAILED',
      },
    ],
  };
}

/** The example identities of protocol/messages/examples.ts, by the prefix of their `iss`. */
const exampleSigners = {
  co_: 'consent-clearinghouse/example/company',
  ps_: 'consent-clearinghouse/example/pseudonym',
  rg_: 'consent-clearinghouse/example/regulator',
} as const;

/** One signed message of every kind, from the example payloads. Ed25519 is deterministic, so are these. */
async function buildJws() {
  const vectors = [];
  for (const kind of messageKinds) {
    const payload = exampleMessages[kind];
    const prefix = payload.iss.slice(0, 3) as keyof typeof exampleSigners;
    const label = exampleSigners[prefix];
    const pair = keyPairFromSeed(sha256(utf8Encode(label)));
    const token = await signMessage(kind, payload, pair);
    vectors.push({
      kind,
      signerSeedLabel: label,
      signerSeed: hexEncode(sha256(utf8Encode(label))),
      signerJwk: publicJwk(pair),
      kid: thumbprint(publicJwk(pair)),
      payload: JSON.parse(utf8Decode(base64urlDecode(token.split('.')[1] ?? ''))) as unknown,
      token,
      sha256: base64urlEncode(sha256(utf8Encode(token))),
    });
  }
  return {
    description:
      'One compact JWS per message kind, signed with the example identities (seed = SHA-256 of the label). Verify each token with signerJwk as of payload.iat with audience payload.aud; re-signing payload (keys in this order) gives the same token, because Ed25519 is deterministic.',
    vectors,
  };
}

/** All vector files as objects, built from the implementation. Needs nothing but the code. */
export async function buildTestVectors(): Promise<
  Record<'keys' | 'pairwise' | 'seal' | 'jws', unknown>
> {
  await ready();
  return {
    keys: buildKeys(),
    pairwise: buildPairwise(),
    seal: await buildSeal(),
    jws: await buildJws(),
  };
}

/** The exact text of a vector file: two-space JSON and a final newline. */
export function vectorFileText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const vectorDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'protocol', 'test-vectors');

async function main(check: boolean): Promise<number> {
  const built = await buildTestVectors();
  let stale = 0;
  for (const [name, value] of Object.entries(built)) {
    const path = join(vectorDir, `${name}.json`);
    const text = vectorFileText(value);
    if (check) {
      const current = await readFile(path, 'utf8').catch(() => '');
      if (current !== text) {
        stale++;
        console.error(
          `${path} differs from the implementation; run: npx tsx scripts/generate-test-vectors.ts`,
        );
      }
    } else {
      await writeFile(path, text);
      console.log(`wrote ${path}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.includes('--check'));
}
