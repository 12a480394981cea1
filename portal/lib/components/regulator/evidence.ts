/**
 * A complaint's evidence, verified in the regulator's browser (issue 10, "Regulator"): the same
 * protocol code the clearinghouse runs (`protocol/signed`, `protocol/grants`), fed with the
 * review material of portal/lib/server/dashboard-review.ts, so the regulator does not have to
 * take the server's word for any of it.
 *
 * Checks, in order: the complainant's key hashes to its pseudonym id and signed the complaint;
 * each piece of evidence is signed by a key the company had registered at the evidence's `iat`
 * (not yet retired, not declared compromised by then: the rule of oversight.ts), or, for the kinds
 * staff sign, by the person key of a member of the company's staff as of that `iat`; the grant it
 * names is signed by the complainant and addressed to the company; the grant request that grant
 * answers is signed by the company with a key it had registered at the request's own `iat` (the
 * same rule as for the evidence) and is the very request whose SHA-256 the grant signed, so the
 * scopes "asked" the page shows beside those "given" are the company's word, not the server's;
 * and whether that grant, with the complainant's signed revocations, covered the evidence's
 * purpose and channel at its `iat` (the revocations that verified come back with the report, for
 * the page to mark the purposes revoked since). Each complaint reason is then judged where the
 * signed facts decide it, and left to the regulator where they cannot (e.g. "misleading").
 *
 * Pure apart from libsodium (`await ready()` first); never throws: every failure is a step
 * with `ok: false` and the error's code.
 */
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import { isProtocolError } from '$protocol/errors';
import { activeGrant, checkCoverage, type Coverage, type GrantRevocation } from '$protocol/grants';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import {
  importPublicJwk,
  thumbprint,
  type Ed25519PublicJwk,
  type ImportedPublicKey,
} from '$protocol/keys';
import type { MessageKind, Payload } from '$protocol/messages';
import { openMessage } from '$protocol/signed';
import { staffKeyInForceAt, staffSignedKinds } from '../../staff-keys';

/** The review material as the page receives it (a subset of the server's `ReviewMaterial`). */
export interface EvidenceMaterial {
  origin: string;
  complaint: { sha256: string; jws: string; company: string; pseudonym: string };
  company: {
    id: string;
    keys: {
      kid: string;
      jwk: Ed25519PublicJwk;
      addedAt: number;
      retiredAt: number | null;
      compromisedSince: number | null;
    }[];
    /**
     * Person keys of the company's staff that signed evidence of this complaint, with their times
     * in milliseconds as people.ts stores them (company key times are the registry's: `addedAt`
     * milliseconds, the rest seconds).
     */
    staffKeys: {
      kid: string;
      jwk: Ed25519PublicJwk;
      /** When the key was enrolled. */
      addedAt: number;
      /** When the key was retired (a lost browser, or the member's removal); null while in use. */
      retiredAt: number | null;
      /** When its member left the company's staff; null while on it. */
      removedAt: number | null;
    }[];
  };
  pseudonymKey: Ed25519PublicJwk | null;
  grants: ({
    sha256: string;
    jws: string;
    revocations: { sha256: string; jws: string }[];
    contactsBefore: number;
    /** The stored grant request the grant answers; null or absent when none is stored. */
    request?: { sha256: string; jws: string } | null;
  } | null)[];
}

/** What one step established. */
export type StepName =
  | 'complaint-signature'
  | 'evidence-signature'
  | 'grant-signature'
  | 'request-signature'
  | 'coverage'
  | 'outer-inner';

export interface EvidenceStep {
  step: StepName;
  /** The evidence index the step is about; absent for the complaint itself. */
  index?: number;
  ok: boolean;
  /** The ProtocolError code of a failure, or the coverage rule that failed. */
  code?: string;
  /** For signature steps: the kid that verified. For coverage: the purpose and channel asked. */
  detail?: string;
}

/** How the signed facts bear on a complaint reason. */
export type ReasonVerdict = 'confirmed' | 'not-confirmed' | 'judgement';

export interface EvidenceReport {
  steps: EvidenceStep[];
  reasons: { reason: string; verdict: ReasonVerdict }[];
  /** True when the complaint and every piece of evidence verified. */
  authentic: boolean;
  /**
   * Per evidence index: how the complainant's signed revocations that verified apply to the grant
   * it names (`protocol/grants` `activeGrant`: from when, for which purposes or all), oldest
   * first; empty when none does, or the grant did not verify.
   */
  revocations: (readonly GrantRevocation[])[];
}

const coverageReasons: Record<string, readonly string[]> = {
  not_covered: [
    'purpose',
    'expired',
    'not_yet_valid',
    'revoked',
    'channel',
    'time_window',
    'contact_cap',
  ],
  wrong_channel: ['channel'],
  outside_time_window: ['time_window'],
  contact_cap_exceeded: ['contact_cap'],
  after_revocation: ['revoked'],
};

function codeOf(error: unknown): string {
  return isProtocolError(error) ? error.code : 'ERR_INTERNAL';
}

/** oversight.ts `companyKeyAsOf`, on the registry's published key lifetimes. */
function companyKeyAsOf(
  keys: EvidenceMaterial['company']['keys'],
  kid: string,
  iat: number,
): ImportedPublicKey | undefined {
  const key = keys.find((k) => k.kid === kid);
  if (key === undefined) return undefined;
  if (key.addedAt > (iat + CLOCK_SKEW_SECONDS) * 1000) return undefined;
  if (key.retiredAt !== null && key.retiredAt <= iat) return undefined;
  if (key.compromisedSince !== null && key.compromisedSince <= iat) return undefined;
  return importPublicJwk(key.jwk);
}

/** oversight.ts `staffKeyAsOf`, on the keys the review material carries. */
function staffKeyAsOf(
  keys: EvidenceMaterial['company']['staffKeys'],
  kid: string,
  iat: number,
): ImportedPublicKey | undefined {
  const key = keys.find((k) => k.kid === kid);
  return key !== undefined && staffKeyInForceAt(key, iat) ? importPublicJwk(key.jwk) : undefined;
}

/** The `iat` and `aud` of a compact JWS, unverified: only to choose the key and the audience. */
function peekTimeAndAudience(jws: string): { iat: number; aud: unknown } {
  try {
    const payload = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as {
      iat?: unknown;
      aud?: unknown;
    } | null;
    const iat = payload?.iat;
    return { iat: typeof iat === 'number' ? iat : Number.NaN, aud: payload?.aud };
  } catch {
    return { iat: Number.NaN, aud: undefined };
  }
}

/**
 * The audience a company's grant request is verified for (oversight.ts `verifyEvidence`): the
 * clearinghouse when it is open (a link, the page bridge), else the complainant it was targeted to.
 */
function requestAudience(aud: unknown, material: EvidenceMaterial): string {
  return aud === material.origin ? material.origin : material.complaint.pseudonym;
}

/**
 * The grant request a verified grant answers: signed by a key the company had registered at the
 * request's `iat` (not retired, not declared compromised by then), issued by the company, and the
 * request whose SHA-256 the grant signed (`requestSha256`). The stored hash beside it is the
 * server's word, so the hash of what verified is compared, and the stored one with it.
 */
async function checkRequest(
  request: { sha256: string; jws: string } | null | undefined,
  requestSha256: unknown,
  material: EvidenceMaterial,
  now: number,
): Promise<Pick<EvidenceStep, 'ok' | 'code' | 'detail'>> {
  if (request === null || request === undefined) {
    return { ok: false, code: 'ERR_GRANT_REQUEST_UNKNOWN' };
  }
  const { iat, aud } = peekTimeAndAudience(request.jws);
  try {
    const opened = await openMessage('grant-request', request.jws, {
      audience: requestAudience(aud, material),
      now,
      asOf: 'iat',
      resolveKey: (kid) =>
        Number.isFinite(iat) ? companyKeyAsOf(material.company.keys, kid, iat) : undefined,
    });
    if (opened.payload.iss !== material.company.id) {
      return { ok: false, code: 'ERR_MESSAGE_ISSUER_MISMATCH' };
    }
    if (opened.sha256 !== requestSha256 || request.sha256 !== requestSha256) {
      return { ok: false, code: 'request_mismatch' };
    }
    return { ok: true, detail: opened.kid };
  } catch (error) {
    return { ok: false, code: codeOf(error) };
  }
}

type EvidencePayload = Partial<{
  grantSha256: string;
  purpose: string;
  channel: string;
  advertisement: boolean;
  unsubscribe: string;
  iat: number;
}>;

/**
 * Verifies a complaint's evidence with the protocol's own code.
 *
 * @example
 * ```ts
 * await ready();
 * const report = await verifyEvidence(material, Math.floor(Date.now() / 1000));
 * report.steps.every((s) => s.ok);
 * ```
 */
export async function verifyEvidence(
  material: EvidenceMaterial,
  now: number,
): Promise<EvidenceReport> {
  const steps: EvidenceStep[] = [];
  const { complaint, company } = material;

  // 1. The complainant: its key must hash to its pseudonym id, and have signed the complaint.
  let pseudonymKey: ImportedPublicKey | undefined;
  let evidence: { kind: MessageKind; jws: string }[] = [];
  let reasons: string[] = [];
  try {
    if (
      material.pseudonymKey === null ||
      `ps_${thumbprint(material.pseudonymKey)}` !== complaint.pseudonym
    ) {
      throw Object.assign(new Error('key'), { code: 'ERR_MESSAGE_ISSUER_MISMATCH' });
    }
    pseudonymKey = importPublicJwk(material.pseudonymKey);
    const key = pseudonymKey;
    const opened = await openMessage('complaint', complaint.jws, {
      audience: material.origin,
      now,
      asOf: 'iat',
      resolveKey: (kid) => (kid === key.kid ? key : undefined),
    });
    evidence = opened.payload.evidence as { kind: MessageKind; jws: string }[];
    reasons = [...opened.payload.reasons];
    steps.push({
      step: 'complaint-signature',
      ok: opened.payload.company === company.id,
      detail: opened.kid,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    steps.push({
      step: 'complaint-signature',
      ok: false,
      code: typeof code === 'string' ? code : codeOf(error),
    });
  }

  // 2. Each piece of evidence: the company's signature as of its own iat (or, for the kinds staff
  //    sign, a staff member's).
  const payloads: (EvidencePayload | undefined)[] = [];
  for (const [index, item] of evidence.entries()) {
    const { iat, aud } = peekTimeAndAudience(item.jws);
    try {
      // A grant request is addressed to the complainant when targeted, to the clearinghouse when
      // open; every other kind to the complainant.
      const audience =
        item.kind === 'grant-request' ? requestAudience(aud, material) : complaint.pseudonym;
      const staffMaySign = staffSignedKinds.has(item.kind);
      const opened = await openMessage(item.kind, item.jws, {
        audience,
        now,
        asOf: 'iat',
        resolveKey: (kid) => {
          if (!Number.isFinite(iat)) return undefined;
          const companyKey = companyKeyAsOf(company.keys, kid, iat);
          if (companyKey !== undefined || !staffMaySign) return companyKey;
          return staffKeyAsOf(company.staffKeys, kid, iat);
        },
      });
      const payload = opened.payload as Payload<MessageKind> & EvidencePayload & { iss?: string };
      const ours = payload.iss === company.id;
      payloads.push(ours ? payload : undefined);
      steps.push({
        step: 'evidence-signature',
        index,
        ok: ours,
        ...(ours ? { detail: opened.kid } : { code: 'ERR_MESSAGE_ISSUER_MISMATCH' }),
      });
    } catch (error) {
      payloads.push(undefined);
      steps.push({ step: 'evidence-signature', index, ok: false, code: codeOf(error) });
    }
  }

  // 3. The grant each piece names, signed by the complainant to the company; the request it
  //    answers, signed by the company; then coverage.
  const coverage: (Coverage | undefined)[] = [];
  const revoked: (readonly GrantRevocation[])[] = evidence.map(() => []);
  for (const [index, payload] of payloads.entries()) {
    const grant = material.grants[index];
    if (payload?.grantSha256 === undefined || pseudonymKey === undefined) {
      coverage.push(undefined);
      continue;
    }
    if (grant === null || grant === undefined || grant.sha256 !== payload.grantSha256) {
      steps.push({ step: 'grant-signature', index, ok: false, code: 'ERR_GRANT_UNKNOWN' });
      coverage.push({ covered: false, rule: 'purpose', detail: 'no such grant' });
      continue;
    }
    const key = pseudonymKey;
    const options = {
      audience: company.id,
      now,
      asOf: 'iat' as const,
      resolveKey: (kid: string) => (kid === key.kid ? key : undefined),
    };
    try {
      const opened = await openMessage('grant', grant.jws, options);
      if (opened.sha256 !== grant.sha256)
        throw Object.assign(new Error('hash'), { code: 'ERR_GRANT_UNKNOWN' });
      steps.push({ step: 'grant-signature', index, ok: true, detail: opened.kid });
      steps.push({
        step: 'request-signature',
        index,
        ...(await checkRequest(grant.request, opened.payload.requestSha256, material, now)),
      });
      const revocations: Payload<'revocation'>[] = [];
      for (const r of grant.revocations) {
        try {
          revocations.push((await openMessage('revocation', r.jws, options)).payload);
        } catch {
          // A revocation that does not verify cannot speak for the complainant: left out.
        }
      }
      const active = activeGrant(opened.payload, grant.sha256, revocations);
      revoked[index] = [...active.revocations].sort((a, b) => a.at - b.at);
      const result = checkCoverage(active, {
        purpose: payload.purpose ?? '',
        channel: payload.channel ?? '',
        at: payload.iat ?? 0,
        contactsInLast7Days: grant.contactsBefore,
      });
      coverage.push(result);
      steps.push({
        step: 'coverage',
        index,
        ok: result.covered,
        ...(result.covered ? {} : { code: result.rule }),
        detail: `${payload.purpose ?? ''} / ${payload.channel ?? ''}`,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      steps.push({
        step: 'grant-signature',
        index,
        ok: false,
        code: typeof code === 'string' ? code : codeOf(error),
      });
      coverage.push(undefined);
    }
  }

  // 4. An offer and its content must agree on grant, purpose and channel (SPECS "JWS").
  const [first, second] = payloads;
  let mismatch: boolean | undefined;
  if (evidence.length === 2 && first !== undefined && second !== undefined) {
    mismatch =
      first.grantSha256 !== second.grantSha256 ||
      first.purpose !== second.purpose ||
      first.channel !== second.channel;
    steps.push({
      step: 'outer-inner',
      ok: !mismatch,
      ...(mismatch ? { code: 'outer_inner_mismatch' } : {}),
    });
  }

  const verdicts = reasons.map((reason) => {
    const rules = coverageReasons[reason];
    const judged = coverage.filter((c): c is Coverage => c !== undefined);
    if (rules !== undefined && judged.length > 0) {
      const broken = judged.some((c) => !c.covered && rules.includes(c.rule));
      return { reason, verdict: (broken ? 'confirmed' : 'not-confirmed') as ReasonVerdict };
    }
    if (reason === 'missing_advertisement_label') {
      const content = payloads.find((p) => p?.advertisement !== undefined);
      if (content !== undefined) {
        return {
          reason,
          verdict: (content.advertisement === false
            ? 'confirmed'
            : 'not-confirmed') as ReasonVerdict,
        };
      }
    }
    if (reason === 'outer_inner_mismatch' && mismatch !== undefined) {
      return { reason, verdict: (mismatch ? 'confirmed' : 'not-confirmed') as ReasonVerdict };
    }
    return { reason, verdict: 'judgement' as ReasonVerdict };
  });

  const authentic =
    steps.some((s) => s.step === 'complaint-signature' && s.ok) &&
    steps.filter((s) => s.step === 'evidence-signature').length === evidence.length &&
    steps.every((s) => s.step !== 'evidence-signature' || s.ok) &&
    steps.every((s) => s.step !== 'complaint-signature' || s.ok);
  return { steps, reasons: verdicts, authentic, revocations: revoked };
}
