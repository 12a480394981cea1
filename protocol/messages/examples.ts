/**
 * One valid payload per message kind: deterministic fixtures for tests, test vectors and
 * documentation. Frozen; copy before changing (`structuredClone(exampleMessages.grant)`).
 *
 * The identities are real: each is derived from an Ed25519 key whose 32-byte seed is
 * SHA-256 of a label (hex below), so modules that sign can reproduce the keys behind
 * `iss`/`aud`. Hashes (`*Sha256`) are SHA-256 of `example/<kind>` and refer to nothing; sealed
 * boxes and evidence are structurally valid placeholders, not openable or verifiable.
 *
 * | identity | seed label | seed (hex) |
 * | --- | --- | --- |
 * | company | `consent-clearinghouse/example/company` | c8d67fbc4fd69cd9fbe603dea8a3255e7e837c855ec45ac7aa57e60c5a833db0 |
 * | company, second key | `consent-clearinghouse/example/company-2` | 8a52704162f650b464a7fc2bb23da28ab18ed6bf613067c86483da0ecbfd6a6b |
 * | pseudonym | `consent-clearinghouse/example/pseudonym` | c818268585809b07d614720d213693d62e0f9cbaddff54de5dd2185256fc9a8c |
 * | regulator | `consent-clearinghouse/example/regulator` | 59948ecc1a7722b11d99ffcf5d292f74ec64c637e38c00e45ebc9a7afe469e26 |
 *
 * @example
 * ```ts
 * const grant = { ...exampleMessages.grant, until: exampleTimes.iat + 86_400 };
 * ```
 */
import type { MessageKind, Payload } from './index';
import type { Ed25519PublicJwk, Scope } from './primitives';

/** Public keys (JWK) of the example identities. */
export const exampleKeys = deepFreeze({
  company: {
    kty: 'OKP',
    crv: 'Ed25519',
    x: 'nBiNxoStJVo9iOE2t4ZLDBudTlXieoc2KkemqKkE6Aw',
  } satisfies Ed25519PublicJwk,
  company2: {
    kty: 'OKP',
    crv: 'Ed25519',
    x: 'zkB0qZfj3jvJ4aoBJcOTiqGBLwVswvpWn0X1VQkrrW0',
  } satisfies Ed25519PublicJwk,
  pseudonym: {
    kty: 'OKP',
    crv: 'Ed25519',
    x: 'TbjxrKpyvn1o6q4wEHCBHS53iKQw4AL9Ov41EkyJeWw',
  } satisfies Ed25519PublicJwk,
  regulator: {
    kty: 'OKP',
    crv: 'Ed25519',
    x: '5Tj-n2m4zXS7vtuHBH4bS5RlJMITwfSEWPacb3cc3Jw',
  } satisfies Ed25519PublicJwk,
});

/** The example identities: prefix + RFC 7638 thumbprint of the keys above. */
export const exampleIds = Object.freeze({
  company: 'co__y4PtwfJ8XOQ26nyND0ZhxbncVGIeTd14zE3u5CpJh0',
  company2Kid: '2DWgUaXxyhD8uImP05eMqH2-vEz2Ey04scXrXmDrUSM',
  pseudonym: 'ps_RUxFBPMFbSXtDRuYHo0sAA4f2gkVMVtAw8ULyerhxDI',
  regulator: 'rg_EnJ4w_1x3Xv_eCry4BoBMTQqy8LW0232jLxixPStNAo',
  clearinghouse: 'http://localhost:3000',
});

/** 2026-01-01T00:00:00Z, and the example transport window. */
export const exampleTimes = Object.freeze({
  iat: 1_767_225_600,
  exp: 1_767_225_900,
  /** One year after `iat`. */
  until: 1_798_761_600,
});

const hashes = Object.freeze({
  grantRequest: 'HW2e_dARiZJBsZRAHb-E-6vypCEbKbtIBr6tGh_nDMc',
  grant: 'iNg2RrvuZ_dx5lQoIoTcomXl5nz6Yw8f3y5ilxnGpH4',
  revocation: 'eg8IXPY2aExtRNAWltwnda4SkMadpRv7re0aAhFwL94',
  offer: '_F4cVskJTd6b3Sd4W_JXy4FZIGmTUGoukXVJ3Z4J9QI',
  disclosure: 'kZEeWjwCC5h4tyQuG_I8UCCdgTQjsfiVZf0bFG7zHPw',
  complaint: 'G4UWzGnBMTSWSgCS7cCskqN9yG7mnSj4dSzFGEY82Zc',
  dataRequest: '0mMs1pFNlcQCMvzdoY1ciX3FsuJ_sIe29C1AsCfg2kQ',
});

const SEALED =
  'F1Z4dmvvkcu2y2WTQiuUsw9UG_m44sM3ujWLAojdEKZyWptsOhr01AuRHfVdfimqJ-RlZTGT6d-1IxlSeWXztBA2ECQgJ_Y6tweXERmhgLoJPl5bwCpw0ROfnL3I-Ld1';
const EVIDENCE_JWS =
  'eyJhbGciOiJFZERTQSIsInR5cCI6Im9mZmVyLWNvbnRlbnQrandzIiwia2lkIjoiX3k0UHR3Zko4WE9RMjZueU5EMFpoeGJuY1ZHSWVUZDE0ekUzdTVDcEpoMCJ9.eyJleGFtcGxlIjp0cnVlfQ.0UR46AwLYnttmvGxcotrh3BitSCxUv4RCrfJGt9QJyI9qUo3O4BIaNaacUQw0gMu6QO-VfK1_-Sa3fX3XCep7w';

const { company: CO, pseudonym: PS, regulator: RG, clearinghouse: CH } = exampleIds;
const { iat, exp } = exampleTimes;

/** Distinct, fixed `jti`s (UUID v4 form), one per kind. */
function jti(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A scope asking for newsletters on weekday evenings in Berlin, at most twice a week. */
const newsletterScope: Scope = {
  purpose: 'product_launch',
  channels: ['email', 'newsletter'],
  dataCategories: ['address', 'preferences_habits'],
  conditions: {
    timeZone: 'Europe/Berlin',
    timeWindows: [{ days: [1, 2, 3, 4, 5], from: '18:00', to: '21:00' }],
    maxContactsPerWeek: 2,
    validUntil: exampleTimes.until,
  },
  retentionDays: 365,
  onwardRecipients: [],
};

const examples: { [K in MessageKind]: Payload<K> } = {
  company: {
    v: 1,
    iss: CO,
    aud: CH,
    iat,
    exp,
    jti: jti(1),
    legalName: 'Beispiel Sport GmbH',
    registerId: 'HRB 12345, Amtsgericht München',
    domain: 'https://sport.example',
    contact: { email: 'datenschutz@sport.example', phone: '+498912345678' },
    keys: [exampleKeys.company],
    purposes: ['product_launch', 'personalised_advertising', 'service_support'],
    brands: ['Beispiel Running'],
  },
  'company-key': {
    v: 1,
    iss: CO,
    aud: CH,
    iat,
    exp,
    jti: jti(2),
    action: 'add',
    key: exampleKeys.company2,
  },
  'grant-request': {
    v: 1,
    iss: CO,
    aud: PS,
    iat,
    exp,
    jti: jti(3),
    scopes: [newsletterScope],
    incentive: {
      type: 'discount',
      description: { de: '10 % auf die nächste Bestellung', en: '10% off your next order' },
    },
    reason: {
      de: 'Wir möchten Sie über neue Laufschuhe informieren.',
      en: 'We would like to tell you about new running shoes.',
    },
  },
  grant: {
    v: 1,
    iss: PS,
    aud: CO,
    iat,
    exp,
    jti: jti(4),
    requestSha256: hashes.grantRequest,
    scopes: [{ ...newsletterScope, channels: ['newsletter'] }],
    preferredChannel: 'newsletter',
    until: exampleTimes.until,
    relationshipType: 'pragmatic_buyer',
    pseudonymKey: exampleKeys.pseudonym,
  },
  refusal: {
    v: 1,
    iss: PS,
    aud: CO,
    iat,
    exp,
    jti: jti(5),
    requestSha256: hashes.grantRequest,
    askAgainAfter: iat + 180 * 86_400,
  },
  revocation: {
    v: 1,
    iss: PS,
    aud: CO,
    iat,
    exp,
    jti: jti(6),
    grants: [{ grantSha256: hashes.grant }],
  },
  'revocation-ack': {
    v: 1,
    iss: CO,
    aud: CH,
    iat,
    exp,
    jti: jti(7),
    revocationSha256: hashes.revocation,
    pseudonym: PS,
    stoppedAt: iat,
  },
  offer: {
    v: 1,
    iss: CO,
    aud: PS,
    iat,
    exp: iat + 7 * 86_400,
    jti: jti(8),
    grantSha256: hashes.grant,
    purpose: 'product_launch',
    channel: 'newsletter',
    validUntil: iat + 7 * 86_400,
    sealed: SEALED,
  },
  'offer-content': {
    v: 1,
    iss: CO,
    aud: PS,
    iat,
    exp: iat + 7 * 86_400,
    jti: jti(9),
    grantSha256: hashes.grant,
    purpose: 'product_launch',
    channel: 'newsletter',
    brand: 'Beispiel Running',
    category: 'sports/running',
    title: 'Der neue Trailschuh ist da',
    body: 'Leicht, griffig und wasserabweisend. Jetzt mit 10 % Rabatt.',
    validUntil: iat + 7 * 86_400,
    link: 'https://sport.example/trail',
    advertisement: true,
    unsubscribe: 'https://sport.example/abmelden',
  },
  disclosure: {
    v: 1,
    iss: CO,
    aud: PS,
    iat,
    exp,
    jti: jti(10),
    grantSha256: hashes.grant,
    dataRequestSha256: hashes.dataRequest,
    holdings: [
      {
        dataCategory: 'address',
        sources: ['direct'],
        purposes: ['product_launch'],
        retentionDays: 365,
        recipients: [{ name: 'Versand-Dienst AG', country: 'DE' }],
        collectedSince: iat - 30 * 86_400,
      },
    ],
    export: SEALED,
  },
  access: {
    v: 1,
    iss: CO,
    aud: CH,
    iat,
    exp,
    jti: jti(11),
    entries: [
      {
        grantSha256: hashes.grant,
        purpose: 'product_launch',
        dataCategories: ['address'],
        at: iat - 3600,
        count: 1,
      },
    ],
  },
  correction: {
    v: 1,
    iss: PS,
    aud: CO,
    iat,
    exp,
    jti: jti(12),
    dataCategory: 'address',
    sealed: SEALED,
  },
  complaint: {
    v: 1,
    iss: PS,
    aud: CH,
    iat,
    exp,
    jti: jti(13),
    company: CO,
    evidence: [{ kind: 'offer-content', jws: EVIDENCE_JWS }],
    reasons: ['outside_time_window'],
    comment: 'Das Angebot kam um 3 Uhr nachts.',
  },
  blacklist: {
    v: 1,
    iss: PS,
    aud: CH,
    iat,
    exp,
    jti: jti(14),
    company: CO,
    action: 'add',
    reason: 'too_frequent',
  },
  'data-request': {
    v: 1,
    iss: PS,
    aud: CO,
    iat,
    exp,
    jti: jti(15),
    type: 'access',
  },
  'data-request-answer': {
    v: 1,
    iss: CO,
    aud: PS,
    iat,
    exp,
    jti: jti(16),
    requestSha256: hashes.dataRequest,
    outcome: 'disclosure',
    disclosureSha256: hashes.disclosure,
  },
  reward: {
    v: 1,
    iss: CO,
    aud: PS,
    iat,
    exp,
    jti: jti(17),
    grantSha256: hashes.grant,
    sealed: SEALED,
  },
  'complaint-decision': {
    v: 1,
    iss: RG,
    aud: CH,
    iat,
    exp,
    jti: jti(18),
    complaintSha256: hashes.complaint,
    decision: 'upheld',
    reason: {
      de: 'Die Zustellung lag außerhalb des erlaubten Zeitfensters.',
      en: 'The offer was delivered outside the permitted time window.',
    },
  },
  suspension: {
    v: 1,
    iss: RG,
    aud: CH,
    iat,
    exp,
    jti: jti(19),
    company: CO,
    action: 'suspend',
    reason: {
      de: 'Wiederholte Zustellung außerhalb erteilter Einwilligungen.',
      en: 'Repeated delivery outside the consent given.',
    },
    complaints: [hashes.complaint],
  },
  request: {
    v: 1,
    iss: PS,
    aud: CH,
    iat,
    exp: iat + 60,
    jti: jti(20),
    method: 'GET',
    path: `/api/v1/pseudonyms/${PS}/inbox`,
  },
};

/** One valid payload per kind (deeply frozen). */
export const exampleMessages: { readonly [K in MessageKind]: Payload<K> } = deepFreeze(examples);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
