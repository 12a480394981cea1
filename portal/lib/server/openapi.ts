/**
 * The OpenAPI 3.1 document of the clearinghouse API (issue 4), served at
 * `GET /api/v1/openapi.json` and rendered by the portal's API page (`/docs/api`).
 *
 * Two sources, so the document cannot drift from the code: the request bodies are the valibot
 * schemas of `protocol/messages` converted to JSON Schema (draft 2020-12, which OpenAPI 3.1 uses),
 * and the route table below, which a test compares with the route files under
 * `portal/routes/api/v1` (a new route without an entry here fails that test).
 *
 * A POST body is a compact JWS (`application/jose`); its decoded payload is described by the
 * `x-jws-payload` extension of the media type, with the header `typ` in `x-jws-typ`.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import type { ProtocolErrorCode } from '$protocol/errors';
import { t } from '$protocol/i18n';
import { correctionContent, rewardContent, schemas, type MessageKind } from '$protocol/messages';
import { defaultBodyLimit } from './auth/body';
import { LogRequestError, maxReceiptWaitMs, type LogRequestErrorCode } from './log/log-service';
import {
  maxViewedAnsweredRequests,
  maxViewedDisclosures,
  maxViewedOpenRequests,
} from './obligations';
import { problemTypeBase, statusFor } from './problem';
import { version } from './version';

/** Who signs a call (docs/api.md, "Signer column"). */
export type Signer =
  | 'public'
  | 'company'
  | 'company-suspended'
  | 'pseudonym'
  | 'target-or-company'
  | 'each-item'
  | 'company-or-staff'
  | 'person'
  | 'manager'
  | 'regulator'
  | 'complaint-party';

/**
 * A problem code the API answers: every ProtocolError code, the four of the route layer, and the
 * log's own (`log-entry-unknown`, ...: log/log-service.ts, docs/log.md).
 */
export type ProblemCode =
  | ProtocolErrorCode
  | LogRequestErrorCode
  | 'malformed-address'
  | 'not-found'
  | 'method-not-allowed'
  | 'internal';

/** One query or path parameter. */
export interface ParameterDoc {
  name: string;
  in: 'query' | 'path';
  description: string;
  schema: Record<string, unknown>;
}

/** One operation of the route table. */
export interface RouteDoc {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template, e.g. `/api/v1/companies/{companyId}`. */
  path: string;
  /** The stable operation id; its summary is the catalog entry `portal.apiDocs.op.<id>`. */
  operationId: ApiOperationId;
  signer: Signer;
  /**
   * A message kind (`application/jose` body), the person invitation of the people routes (a JWS
   * whose schema lives in people.ts), or the batch's JSON body.
   */
  body?: MessageKind | 'person-invitation' | 'relationships-batch';
  parameters?: ParameterDoc[];
  success: { status: number; schema: string; description: string };
  /** Problems besides those every call of its kind can answer (see {@link commonProblems}). */
  problems: ProblemCode[];
}

const sha256Schema = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' };
const companyIdSchema = { type: 'string', pattern: '^co_[A-Za-z0-9_-]{43}$' };
const pseudonymSchema = { type: 'string', pattern: '^ps_[A-Za-z0-9_-]{43}$' };
const cursorSchema = { type: 'string', pattern: '^\\d{1,15}$' };

const operationIds = [
  'health',
  'ping',
  'openApiDocument',
  'registerCompany',
  'listCompanies',
  'getCompany',
  'changeCompanyKey',
  'compromisedMessages',
  'createGrantRequest',
  'getGrantRequest',
  'submitGrant',
  'submitRefusal',
  'submitRevocation',
  'acknowledgeRevocation',
  'companyEvents',
  'companyFindings',
  'relationships',
  'relationshipsBatch',
  'logReceipt',
  'logInclusionProof',
  'logConsistencyProof',
  'companyStaff',
  'currentPerson',
  'removePerson',
  'personKey',
  'invitePerson',
  'openInvitations',
  'withdrawInvitation',
  // the sealed relay (issue 5)
  'sendOffer',
  'sendReward',
  'fetchInbox',
  'ackInbox',
  'ackInboxItem',
  'sendCorrection',
  'listCorrections',
  'ackCorrection',
  // obligations and oversight (issue 5)
  'submitDisclosure',
  'submitDataRequest',
  'answerDataRequest',
  'companyDataRequests',
  'reportAccess',
  'submitComplaint',
  'listComplaints',
  'getComplaint',
  'decideComplaint',
  'suspendCompany',
  'submitBlacklist',
  'companyBoycott',
  'regulatorFindings',
] as const;
export type ApiOperationId = (typeof operationIds)[number];

const pseudonymPathParameter: ParameterDoc = {
  name: 'pseudonym',
  in: 'path',
  description: 'The pseudonym whose inbox it is.',
  schema: pseudonymSchema,
};
const pageParameters = (what: string): ParameterDoc[] => [
  {
    name: 'after',
    in: 'query',
    description: `The cursor of the last ${what} read (0: from the start).`,
    schema: cursorSchema,
  },
  {
    name: 'limit',
    in: 'query',
    description: 'Page size, 1 to 100 (default 100).',
    schema: { type: 'integer', minimum: 1, maximum: 100 },
  },
];

/** The sealed relay (issue 5, docs/api.md "Relay"; relay.ts). */
const relayRouteDocs: readonly RouteDoc[] = [
  {
    method: 'POST',
    path: '/api/v1/offers',
    operationId: 'sendOffer',
    signer: 'company',
    body: 'offer',
    success: {
      status: 201,
      schema: 'RelayReceipt',
      description:
        "Queued in the pseudonym's inbox (200 for a resend). Refused offers are recorded: 403 with `detail_data.rule` (and, for `company_not_active`, `detail_data.status` while the company is still suspended or pending).",
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_COMPANY_NOT_ACTIVE',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_OFFER_NOT_COVERED',
      'ERR_CONTACT_CAP_EXCEEDED',
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/rewards',
    operationId: 'sendReward',
    signer: 'company',
    body: 'reward',
    success: {
      status: 201,
      schema: 'RelayReceipt',
      description:
        "Queued in the pseudonym's inbox, also up to 90 days after its grant ended (200 for a resend).",
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_COMPANY_NOT_ACTIVE',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_GRANT_UNKNOWN',
      'ERR_GRANT_NOT_COVERED',
      'ERR_INBOX_FULL',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/pseudonyms/{pseudonym}/inbox',
    operationId: 'fetchInbox',
    signer: 'pseudonym',
    parameters: [pseudonymPathParameter, ...pageParameters('item')],
    success: {
      status: 200,
      schema: 'InboxPage',
      description: 'Offers and rewards in order; expired ones never.',
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'DELETE',
    path: '/api/v1/pseudonyms/{pseudonym}/inbox',
    operationId: 'ackInbox',
    signer: 'pseudonym',
    parameters: [
      pseudonymPathParameter,
      {
        name: 'through',
        in: 'query',
        description: 'Required: every item up to and including this cursor is deleted.',
        schema: cursorSchema,
      },
    ],
    success: { status: 200, schema: 'Deleted', description: 'How many items were deleted.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'DELETE',
    path: '/api/v1/pseudonyms/{pseudonym}/inbox/{id}',
    operationId: 'ackInboxItem',
    signer: 'pseudonym',
    parameters: [
      pseudonymPathParameter,
      { name: 'id', in: 'path', description: 'The item id.', schema: sha256Schema },
    ],
    success: { status: 200, schema: 'Deleted', description: '1, or 0 when it was gone already.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'POST',
    path: '/api/v1/corrections',
    operationId: 'sendCorrection',
    signer: 'pseudonym',
    body: 'correction',
    success: {
      status: 201,
      schema: 'RelayReceipt',
      description: 'Queued for the company, whatever its status (200 for a resend).',
    },
    problems: [
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_PSEUDONYM_COMPANY_MISMATCH',
      'ERR_COMPANY_UNKNOWN',
      'ERR_TOO_MANY_OPEN_CORRECTIONS',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/me/corrections',
    operationId: 'listCorrections',
    signer: 'company-suspended',
    parameters: pageParameters('correction'),
    success: {
      status: 200,
      schema: 'CorrectionsPage',
      description: 'Corrections waiting for the company, in order.',
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'DELETE',
    path: '/api/v1/companies/me/corrections/{id}',
    operationId: 'ackCorrection',
    signer: 'company-suspended',
    parameters: [
      { name: 'id', in: 'path', description: 'The correction id.', schema: sha256Schema },
    ],
    success: { status: 200, schema: 'Deleted', description: '1, or 0 when it was gone already.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
];

/**
 * What the log's proof routes answer besides a proof (log/http.ts, docs/log.md): a parameter that
 * is not one canonical decimal or out of order, and a size beyond the current tree.
 */
const logProofProblems: ProblemCode[] = ['log-query-invalid', 'log-size-beyond-tree'];

const listCursorSchema = { type: 'string', pattern: '^\\d{1,15}\\.[A-Za-z0-9_-]{43}$' };
const listPageParameters = (what: string): ParameterDoc[] => [
  {
    name: 'after',
    in: 'query',
    description: `The \`next\` of the previous page of ${what} (absent: from the start).`,
    schema: listCursorSchema,
  },
  {
    name: 'limit',
    in: 'query',
    description: 'Page size, 1 to 500 (default 100).',
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  },
];
const companyPathParameter: ParameterDoc = {
  name: 'companyId',
  in: 'path',
  description: 'The company id.',
  schema: companyIdSchema,
};

/** Obligations and oversight (issue 5, docs/api.md "Obligations and oversight"). */
const oversightRouteDocs: readonly RouteDoc[] = [
  {
    method: 'POST',
    path: '/api/v1/disclosures',
    operationId: 'submitDisclosure',
    signer: 'company-suspended',
    body: 'disclosure',
    success: {
      status: 201,
      schema: 'Receipt',
      description: 'Logged; the newest disclosure per pseudonym is its current one.',
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_GRANT_UNKNOWN',
      'ERR_DATA_REQUEST_UNKNOWN',
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/data-requests',
    operationId: 'submitDataRequest',
    signer: 'pseudonym',
    body: 'data-request',
    success: {
      status: 201,
      schema: 'DataRequestReceipt',
      description:
        'Logged; `deadline` is when the answer is due (default: the end of the same date next month, UTC).',
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_PSEUDONYM_COMPANY_MISMATCH',
      'ERR_TOO_MANY_OPEN_REQUESTS',
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/data-request-answers',
    operationId: 'answerDataRequest',
    signer: 'company-suspended',
    body: 'data-request-answer',
    success: {
      status: 201,
      schema: 'AckReceipt',
      description: 'Logged; `onTime` says whether by the deadline.',
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_DATA_REQUEST_UNKNOWN',
      'ERR_DATA_REQUEST_ALREADY_ANSWERED',
      'ERR_DISCLOSURE_UNKNOWN',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/me/data-requests',
    operationId: 'companyDataRequests',
    signer: 'company-suspended',
    parameters: [
      {
        name: 'state',
        in: 'query',
        description: '`open` (default) or `all`.',
        schema: { enum: ['open', 'all'] },
      },
      ...listPageParameters('data requests'),
    ],
    success: {
      status: 200,
      schema: 'DataRequestPage',
      description: 'Data requests to the company, oldest first.',
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'POST',
    path: '/api/v1/access',
    operationId: 'reportAccess',
    signer: 'company-suspended',
    body: 'access',
    success: {
      status: 201,
      schema: 'AccessReceipt',
      description: 'Stored and counted (not logged); each use outside its grant is a finding.',
    },
    problems: ['ERR_COMPANY_UNKNOWN'],
  },
  {
    method: 'POST',
    path: '/api/v1/complaints',
    operationId: 'submitComplaint',
    signer: 'pseudonym',
    body: 'complaint',
    success: {
      status: 201,
      schema: 'Receipt',
      description: "Logged once the evidence verifies as the accused company's, as of its `iat`.",
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_PSEUDONYM_COMPANY_MISMATCH',
      'ERR_EVIDENCE_INVALID',
      'ERR_COMPLAINT_DUPLICATE',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/complaints',
    operationId: 'listComplaints',
    signer: 'regulator',
    parameters: [
      {
        name: 'company',
        in: 'query',
        description: 'Only complaints about this company.',
        schema: companyIdSchema,
      },
      {
        name: 'state',
        in: 'query',
        description: '`open`, `decided`, `upheld`, `dismissed` or `all` (default).',
        schema: { enum: ['open', 'decided', 'upheld', 'dismissed', 'all'] },
      },
      ...listPageParameters('complaints'),
    ],
    success: { status: 200, schema: 'ComplaintPage', description: 'Complaints, oldest first.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'GET',
    path: '/api/v1/complaints/{sha256}',
    operationId: 'getComplaint',
    signer: 'complaint-party',
    parameters: [
      { name: 'sha256', in: 'path', description: 'The complaint.', schema: sha256Schema },
    ],
    success: { status: 200, schema: 'Complaint', description: 'The complaint and its decision.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED', 'ERR_COMPLAINT_UNKNOWN'],
  },
  {
    method: 'POST',
    path: '/api/v1/complaint-decisions',
    operationId: 'decideComplaint',
    signer: 'regulator',
    body: 'complaint-decision',
    success: {
      status: 201,
      schema: 'Receipt',
      description: 'Logged; an upheld complaint becomes a finding of the company.',
    },
    problems: ['ERR_COMPLAINT_UNKNOWN', 'ERR_COMPLAINT_ALREADY_DECIDED'],
  },
  {
    method: 'POST',
    path: '/api/v1/suspensions',
    operationId: 'suspendCompany',
    signer: 'regulator',
    body: 'suspension',
    success: {
      status: 201,
      schema: 'SuspensionReceipt',
      description: "Logged; the company's new status applies at once across the API.",
    },
    problems: ['ERR_COMPANY_UNKNOWN', 'ERR_COMPLAINT_UNKNOWN', 'ERR_SUSPENSION_CONFLICT'],
  },
  {
    method: 'POST',
    path: '/api/v1/blacklist',
    operationId: 'submitBlacklist',
    signer: 'pseudonym',
    body: 'blacklist',
    success: {
      status: 201,
      schema: 'BlacklistReceipt',
      description:
        'Stored, not logged; `counted` says whether it now counts into the boycott figure.',
    },
    problems: ['ERR_COMPANY_UNKNOWN', 'ERR_PSEUDONYM_UNKNOWN', 'ERR_PSEUDONYM_COMPANY_MISMATCH'],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/{companyId}/boycott',
    operationId: 'companyBoycott',
    signer: 'public',
    parameters: [companyPathParameter],
    success: {
      status: 200,
      schema: 'Boycott',
      description: 'The boycott figure, per reason and brand.',
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_COMPANY_UNKNOWN'],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/{companyId}/findings',
    operationId: 'regulatorFindings',
    signer: 'regulator',
    parameters: [companyPathParameter],
    success: {
      status: 200,
      schema: 'CompanyFindings',
      description: "The company's findings: the basis of the regulator's dashboard.",
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED', 'ERR_COMPANY_UNKNOWN'],
  },
];

/**
 * Every route of issue 4 that exists now (docs/api.md), plus health, this document and the log's
 * proof routes.
 */
export const apiRoutes: readonly RouteDoc[] = [
  {
    method: 'GET',
    path: '/api/v1/health',
    operationId: 'health',
    signer: 'public',
    success: {
      status: 200,
      schema: 'Health',
      description: 'The database answers and takes writes (503 with the same body otherwise).',
    },
    problems: [],
  },
  {
    method: 'GET',
    path: '/api/v1/ping',
    operationId: 'ping',
    signer: 'public',
    success: {
      status: 200,
      schema: 'Ping',
      description: 'Always `{"ok":true}`: the baseline of `npm run bench:api`.',
    },
    problems: [],
  },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    operationId: 'openApiDocument',
    signer: 'public',
    success: { status: 200, schema: 'OpenApiDocument', description: 'This document.' },
    problems: [],
  },
  {
    method: 'POST',
    path: '/api/v1/companies',
    operationId: 'registerCompany',
    signer: 'company',
    body: 'company',
    success: {
      status: 201,
      schema: 'RegistrationReceipt',
      description:
        'Stored; 200 for an identical resend. `company.domainProof` says whether the domain was proven; a new company also gets `staffEnrolment`, its first one-time staff enrolment link (not on a resend or an update).',
    },
    problems: [
      'ERR_MESSAGE_ISSUER_MISMATCH',
      'ERR_COMPANY_KEY_CONFLICT',
      'ERR_ORIGIN_NOT_ALLOWED',
      'ERR_DOMAIN_PROOF_FAILED',
      // an update of a suspended company, or one suspended while it was being updated
      'ERR_COMPANY_NOT_ACTIVE',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/companies',
    operationId: 'listCompanies',
    signer: 'public',
    parameters: [
      {
        name: 'status',
        in: 'query',
        description: 'Only companies in this state.',
        schema: { enum: ['pending', 'active', 'suspended'] },
      },
      {
        name: 'after',
        in: 'query',
        description: 'The last id of the previous page.',
        schema: companyIdSchema,
      },
      {
        name: 'limit',
        in: 'query',
        description: 'Page size, 1 to 100 (default 50).',
        schema: { type: 'integer', minimum: 1, maximum: 100 },
      },
    ],
    success: { status: 200, schema: 'CompanyPage', description: 'The public registry.' },
    problems: ['ERR_QUERY_INVALID'],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/{companyId}',
    operationId: 'getCompany',
    signer: 'public',
    parameters: [
      { name: 'companyId', in: 'path', description: 'A company id.', schema: companyIdSchema },
    ],
    success: { status: 200, schema: 'Company', description: 'The registry entry with its keys.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_COMPANY_UNKNOWN'],
  },
  {
    method: 'POST',
    path: '/api/v1/companies/me/keys',
    operationId: 'changeCompanyKey',
    signer: 'company',
    body: 'company-key',
    success: { status: 201, schema: 'Receipt', description: 'Stored.' },
    problems: ['ERR_COMPANY_UNKNOWN', 'ERR_COMPANY_KEY_CONFLICT', 'ERR_COMPANY_KEY_UNKNOWN'],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/me/compromised-messages',
    operationId: 'compromisedMessages',
    signer: 'company',
    success: {
      status: 200,
      schema: 'CompromisedMessages',
      description: 'Messages signed by a compromised key at or after its `since`.',
    },
    problems: ['ERR_NOT_AUTHORISED'],
  },
  {
    method: 'POST',
    path: '/api/v1/grant-requests',
    operationId: 'createGrantRequest',
    signer: 'company',
    body: 'grant-request',
    success: {
      status: 201,
      schema: 'GrantRequestReceipt',
      description: 'Stored; `link` is what the QR code carries.',
    },
    problems: [
      'ERR_COMPANY_UNKNOWN',
      'ERR_COMPANY_NOT_ACTIVE',
      'ERR_PURPOSE_NOT_DECLARED',
      'ERR_PSEUDONYM_UNKNOWN',
      'ERR_ASK_AGAIN_LATER',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/grant-requests/{sha256}',
    operationId: 'getGrantRequest',
    signer: 'target-or-company',
    parameters: [
      { name: 'sha256', in: 'path', description: 'The request hash.', schema: sha256Schema },
    ],
    success: {
      status: 200,
      schema: 'GrantRequest',
      description: 'The signed request and its company.',
    },
    problems: [
      'ERR_QUERY_INVALID',
      'ERR_RESOURCE_NOT_FOUND',
      'ERR_NOT_AUTHORISED',
      'ERR_GRANT_REQUEST_VOIDED',
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/grants',
    operationId: 'submitGrant',
    signer: 'pseudonym',
    body: 'grant',
    success: {
      status: 201,
      schema: 'Receipt',
      description: 'Stored (the pending receipt of SPECS "Receipts").',
    },
    problems: [
      'ERR_MESSAGE_ISSUER_MISMATCH',
      'ERR_PSEUDONYM_KEY_REQUIRED',
      'ERR_PSEUDONYM_KEY_MISMATCH',
      'ERR_PSEUDONYM_COMPANY_MISMATCH',
      'ERR_COMPANY_UNKNOWN',
      'ERR_COMPANY_NOT_ACTIVE',
      'ERR_GRANT_REQUEST_UNKNOWN',
      'ERR_GRANT_REQUEST_VOIDED',
      'ERR_SCOPE_WIDER_THAN_REQUESTED',
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/refusals',
    operationId: 'submitRefusal',
    signer: 'pseudonym',
    body: 'refusal',
    success: { status: 201, schema: 'Receipt', description: 'Stored.' },
    problems: [
      'ERR_MESSAGE_ISSUER_MISMATCH',
      'ERR_PSEUDONYM_KEY_REQUIRED',
      'ERR_PSEUDONYM_KEY_MISMATCH',
      'ERR_PSEUDONYM_COMPANY_MISMATCH',
      'ERR_COMPANY_UNKNOWN',
      'ERR_GRANT_REQUEST_UNKNOWN',
      'ERR_GRANT_REQUEST_VOIDED',
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/revocations',
    operationId: 'submitRevocation',
    signer: 'pseudonym',
    body: 'revocation',
    success: {
      status: 201,
      schema: 'Receipt',
      description: "Stored, whatever the company's status.",
    },
    problems: ['ERR_PSEUDONYM_UNKNOWN', 'ERR_COMPANY_UNKNOWN', 'ERR_GRANT_UNKNOWN'],
  },
  {
    method: 'POST',
    path: '/api/v1/revocation-acks',
    operationId: 'acknowledgeRevocation',
    signer: 'company-suspended',
    body: 'revocation-ack',
    success: {
      status: 201,
      schema: 'AckReceipt',
      description: 'Stored; `onTime` says whether within the deadline.',
    },
    problems: ['ERR_COMPANY_UNKNOWN', 'ERR_REVOCATION_UNKNOWN', 'ERR_REVOCATION_ALREADY_ACKED'],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/me/events',
    operationId: 'companyEvents',
    signer: 'company-suspended',
    parameters: [
      {
        name: 'after',
        in: 'query',
        description: 'The cursor of the last event read (0: from the start).',
        schema: cursorSchema,
      },
      {
        name: 'limit',
        in: 'query',
        description: 'Page size, 1 to 500 (default 100).',
        schema: { type: 'integer', minimum: 1, maximum: 500 },
      },
    ],
    success: {
      status: 200,
      schema: 'FeedPage',
      description: 'Grants, refusals and revocations in order.',
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED'],
  },
  {
    method: 'GET',
    path: '/api/v1/companies/me/findings',
    operationId: 'companyFindings',
    signer: 'company-suspended',
    success: {
      status: 200,
      schema: 'Findings',
      description: 'Overdue acknowledgements and failed webhook deliveries.',
    },
    problems: ['ERR_NOT_AUTHORISED'],
  },
  {
    method: 'GET',
    path: '/api/v1/pseudonyms/{pseudonym}/relationships',
    operationId: 'relationships',
    signer: 'pseudonym',
    parameters: [
      { name: 'pseudonym', in: 'path', description: 'The pseudonym.', schema: pseudonymSchema },
    ],
    success: {
      status: 200,
      schema: 'Relationships',
      description:
        'Everything the pseudonym needs to restore its wallet, the uses of its data the company reported, and its complaints.',
    },
    problems: ['ERR_QUERY_INVALID', 'ERR_NOT_AUTHORISED', 'ERR_PSEUDONYM_UNKNOWN'],
  },
  {
    method: 'POST',
    path: '/api/v1/relationships/batch',
    operationId: 'relationshipsBatch',
    signer: 'each-item',
    body: 'relationships-batch',
    success: {
      status: 200,
      schema: 'BatchResults',
      description: 'One result per request, in order.',
    },
    problems: ['ERR_QUERY_INVALID'],
  },
  {
    method: 'GET',
    path: '/api/v1/log/receipts/{sha256}',
    operationId: 'logReceipt',
    signer: 'public',
    parameters: [
      {
        name: 'sha256',
        in: 'path',
        description: 'The message hash from a 201.',
        schema: sha256Schema,
      },
      {
        name: 'wait',
        in: 'query',
        description: `Long-poll up to this many seconds while pending (default and at most ${maxReceiptWaitMs / 1000}).`,
        schema: { type: 'integer', minimum: 0, maximum: maxReceiptWaitMs / 1000 },
      },
    ],
    success: { status: 200, schema: 'LogReceipt', description: 'The receipt (SPECS "Receipts").' },
    // The log's own codes (log/http.ts `receiptResponse`, docs/log.md "Receipts"): 202 while the
    // message waits for the sequencer, 404 for a hash never accepted or a kind not logged.
    problems: [
      'log-query-invalid',
      'log-entry-pending',
      'log-entry-unknown',
      'log-entry-not-logged',
      'log-entry-rejected',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/log/proof/inclusion',
    operationId: 'logInclusionProof',
    signer: 'public',
    parameters: [
      {
        name: 'index',
        in: 'query',
        description: 'The entry index.',
        schema: { type: 'integer', minimum: 0 },
      },
      {
        name: 'size',
        in: 'query',
        description: 'The tree size.',
        schema: { type: 'integer', minimum: 1 },
      },
    ],
    success: { status: 200, schema: 'Proof', description: 'An RFC 9162 inclusion proof.' },
    problems: logProofProblems,
  },
  {
    method: 'GET',
    path: '/api/v1/log/proof/consistency',
    operationId: 'logConsistencyProof',
    signer: 'public',
    parameters: [
      {
        name: 'from',
        in: 'query',
        description: 'The older tree size.',
        schema: { type: 'integer', minimum: 0 },
      },
      {
        name: 'to',
        in: 'query',
        description: 'The newer tree size.',
        schema: { type: 'integer', minimum: 1 },
      },
    ],
    success: { status: 200, schema: 'Proof', description: 'An RFC 9162 consistency proof.' },
    problems: logProofProblems,
  },
  // People (passkeys, staff, regulators): built beside issue 4 in people.ts.
  {
    method: 'GET',
    path: '/api/v1/companies/me/staff',
    operationId: 'companyStaff',
    signer: 'company-or-staff',
    success: { status: 200, schema: 'Staff', description: "The company's enrolled staff." },
    problems: ['ERR_NOT_AUTHORISED'],
  },
  {
    method: 'GET',
    path: '/api/v1/people/me',
    operationId: 'currentPerson',
    signer: 'person',
    success: {
      status: 200,
      schema: 'Person',
      description: 'The person whose key signed the request.',
    },
    problems: ['ERR_NOT_AUTHORISED', 'ERR_PERSON_UNKNOWN'],
  },
  {
    method: 'DELETE',
    path: '/api/v1/people/{personId}',
    operationId: 'removePerson',
    signer: 'manager',
    parameters: [
      {
        name: 'personId',
        in: 'path',
        description: 'The person.',
        schema: { type: 'string', maxLength: 64 },
      },
    ],
    success: {
      status: 204,
      schema: '',
      description: 'Removed: keys and passkeys retired, sessions ended.',
    },
    problems: ['ERR_NOT_AUTHORISED', 'ERR_PERSON_UNKNOWN'],
  },
  {
    method: 'GET',
    path: '/api/v1/people/keys/{kid}',
    operationId: 'personKey',
    signer: 'public',
    parameters: [
      { name: 'kid', in: 'path', description: 'The key thumbprint.', schema: sha256Schema },
    ],
    success: { status: 200, schema: 'PersonKey', description: 'A person key, retired ones too.' },
    problems: ['ERR_QUERY_INVALID', 'ERR_RESOURCE_NOT_FOUND'],
  },
  {
    method: 'POST',
    path: '/api/v1/people/invitations',
    operationId: 'invitePerson',
    signer: 'manager',
    body: 'person-invitation',
    success: { status: 201, schema: 'Invitation', description: 'A one-time enrolment link.' },
    problems: [
      'ERR_NOT_AUTHORISED',
      'ERR_COMPANY_UNKNOWN',
      'ERR_COMPANY_NOT_ACTIVE',
      'ERR_PERSON_UNKNOWN',
    ],
  },
  {
    method: 'GET',
    path: '/api/v1/people/invitations',
    operationId: 'openInvitations',
    signer: 'manager',
    success: {
      status: 200,
      schema: 'OpenInvitations',
      description: 'The enrolment links for the caller’s people not used and not expired yet.',
    },
    problems: ['ERR_NOT_AUTHORISED'],
  },
  {
    method: 'DELETE',
    path: '/api/v1/people/invitations/{id}',
    operationId: 'withdrawInvitation',
    signer: 'manager',
    parameters: [
      {
        name: 'id',
        in: 'path',
        description: 'The open invitation (its `id` in the list).',
        schema: sha256Schema,
      },
    ],
    success: { status: 204, schema: '', description: 'Withdrawn: the link no longer works.' },
    problems: ['ERR_NOT_AUTHORISED', 'ERR_ENROLMENT_UNKNOWN'],
  },
  ...relayRouteDocs,
  ...oversightRouteDocs,
];

/** The problems every signed POST can answer, besides its own. */
const joseProblems: ProblemCode[] = [
  'ERR_CONTENT_TYPE_UNSUPPORTED',
  'ERR_MESSAGE_TOO_LARGE',
  'ERR_MESSAGE_INVALID',
  'ERR_BASE64URL_NONCANONICAL',
  'ERR_ENCODING_INVALID',
  'ERR_JWS_MALFORMED',
  'ERR_JWS_ALG_NOT_ALLOWED',
  'ERR_JWS_HEADER_INVALID',
  'ERR_JWS_TYP_MISMATCH',
  'ERR_JWS_KID_UNKNOWN',
  'ERR_JWS_SIGNATURE_INVALID',
  'ERR_JWS_AUD_MISMATCH',
  'ERR_JWS_NOT_YET_VALID',
  'ERR_JWS_EXPIRED',
  'ERR_JWS_WINDOW_TOO_LONG',
  'ERR_JWS_REPLAYED',
  'ERR_STORAGE_UNAVAILABLE',
  'ERR_STORAGE_WRITE_FAILED',
];

/**
 * The problems the check of a request signature can answer: the one list every request-signed
 * GET and DELETE shares. In the order they are checked: `RequestVerifier.verify` of
 * auth/signatures.ts (header, `peekMessage`, the pseudonym's binding), `openMessage('request', …)`
 * of protocol/signed.ts with `verifyCompact` of protocol/jws.ts (header, key, signature, claims,
 * the `request` schema, then the key's rate limit and the `jti`), and last the method and path.
 *
 * Not listed, because a request signature cannot reach them: `ERR_MESSAGE_TOO_LARGE` (the header
 * takes at most 8,192 characters, below every size bound), `ERR_MESSAGE_KIND_UNKNOWN` (the kind is
 * fixed), `ERR_MESSAGE_ISSUER_MISMATCH` (a pseudonym is bound only to the key it is the thumbprint
 * of, and only that key resolves) and `ERR_KEY_INVALID` (the keys come from the database, which
 * holds only keys validated when they were registered).
 */
export const requestSignatureProblems: readonly ProblemCode[] = [
  // no `Authorization: Signature <JWS>` of the allowed form
  'ERR_AUTH_MISSING',
  // payload not a JSON object, or not UTF-8 (fewer or more parts are ERR_AUTH_MISSING); a part
  // not canonical base64url
  'ERR_JWS_MALFORMED',
  'ERR_BASE64URL_NONCANONICAL',
  // `iss` a pseudonym that is bound to no key (404)
  'ERR_PSEUDONYM_UNKNOWN',
  // a header member other than alg, typ, kid, or a malformed one; another alg; typ not request+jws
  'ERR_JWS_HEADER_INVALID',
  'ERR_JWS_ALG_NOT_ALLOWED',
  'ERR_JWS_TYP_MISMATCH',
  'ERR_JWS_KID_UNKNOWN',
  'ERR_JWS_SIGNATURE_INVALID',
  // a claim of the wrong form, a missing or an extra claim (the `request` schema)
  'ERR_MESSAGE_INVALID',
  'ERR_JWS_AUD_MISMATCH',
  'ERR_JWS_NOT_YET_VALID',
  'ERR_JWS_WINDOW_TOO_LONG',
  'ERR_JWS_EXPIRED',
  // the signing key's budget (rate-limits.ts `chargeKey`), charged once the signature verified
  'ERR_RATE_LIMITED',
  'ERR_JWS_REPLAYED',
  // the jti (or the key's count) could not be recorded: nothing happened, send again
  'ERR_STORAGE_UNAVAILABLE',
  // a valid signature made for another method or path with query
  'ERR_REQUEST_MISMATCH',
];

/**
 * Every problem `route` can answer: its own, those of its kind of call, the rate limit every
 * call under /api/ has (docs/api.md "Limits"), and `internal`.
 *
 * @example
 * ```ts
 * commonProblems(apiRoutes[0]!); // ['ERR_RATE_LIMITED', 'internal']
 * ```
 */
export function commonProblems(route: RouteDoc): ProblemCode[] {
  const codes = new Set<ProblemCode>(route.problems);
  if (route.body !== undefined && route.body !== 'relationships-batch') {
    for (const code of joseProblems) codes.add(code);
  }
  if (route.body === 'relationships-batch') {
    codes.add('ERR_CONTENT_TYPE_UNSUPPORTED');
    codes.add('ERR_MESSAGE_TOO_LARGE');
  }
  if (route.method !== 'POST' && route.signer !== 'public') {
    for (const code of requestSignatureProblems) codes.add(code);
  }
  codes.add('ERR_RATE_LIMITED');
  codes.add('internal');
  return [...codes];
}

/**
 * The HTTP status of a problem code (the route layer's own four included).
 *
 * @example
 * ```ts
 * problemStatus('ERR_JWS_REPLAYED'); // 409
 * ```
 */
export function problemStatus(code: ProblemCode): number {
  if (code === 'malformed-address') return 400;
  if (code === 'not-found') return 404;
  if (code === 'method-not-allowed') return 405;
  if (code === 'internal') return 500;
  if (code.startsWith('log-')) {
    // The log's own table (log/log-service.ts), as its routes answer it.
    return new LogRequestError(code as LogRequestErrorCode, '').status;
  }
  return statusFor(code as ProtocolErrorCode);
}

/** The codes the API itself answers: those a route table entry lists, or the route layer's. */
function apiProblemCodes(): ProblemCode[] {
  const used = new Set<ProblemCode>([
    'malformed-address',
    'not-found',
    'method-not-allowed',
    'internal',
  ]);
  for (const route of apiRoutes) for (const code of commonProblems(route)) used.add(code);
  return [...used].sort((a, b) => problemStatus(a) - problemStatus(b) || a.localeCompare(b));
}

const toSchemaConfig = {
  target: 'draft-2020-12',
  // Custom checks (exp after iat, port ranges, canonical base64url) have no JSON Schema form;
  // they are enforced by the parser and described in SPECS.
  errorMode: 'ignore',
} as const;

/** A valibot schema as JSON Schema, without the `$schema` member (the document's dialect applies). */
function jsonSchemaOf(schema: v.GenericSchema): Record<string, unknown> {
  const converted = toJsonSchema(schema, toSchemaConfig) as Record<string, unknown>;
  const { $schema: _dialect, ...rest } = converted;
  return rest;
}

/** A message kind's payload as JSON Schema; a sealed field says what its box holds. */
function payloadSchema(kind: MessageKind): Record<string, unknown> {
  const schema = jsonSchemaOf(schemas[kind] as v.GenericSchema);
  const sealed = sealedFields[kind];
  if (sealed === undefined) return schema;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  const property = properties?.[sealed.field];
  if (properties === undefined || property === undefined) {
    throw new Error(`the ${kind} schema has no field "${sealed.field}" any more`);
  }
  properties[sealed.field] = {
    ...property,
    description: sealed.description,
    ...(sealed.content === undefined ? {} : { 'x-sealed-content': ref(sealed.content) }),
  };
  return schema;
}

/**
 * The schemas of what the sealed fields hold once opened (protocol/messages/relay.ts), generated
 * like the payloads. A JSON Schema string cannot reference the schema of what it decrypts to, so
 * each sealed field names its content's schema in its description and in `x-sealed-content`.
 */
function sealedContentSchemas(): Record<string, unknown> {
  return {
    [payloadSchemaName('offer-content')]: payloadSchema('offer-content'),
    RewardContent: jsonSchemaOf(rewardContent),
    CorrectionContent: jsonSchemaOf(correctionContent),
  };
}

const sealedBox = (recipient: string) =>
  "A sealed box in canonical base64url: libsodium's `crypto_box_seal` to the X25519 form " +
  `(\`crypto_sign_ed25519_pk_to_curve25519\`) of ${recipient} (SPECS "sealing key"; protocol/seal.ts). ` +
  'The clearinghouse passes it on as it came and cannot open it.';

/**
 * The sealed field of each kind that has one, what its box holds (docs/company-integration.md
 * "Offers, rewards and corrections", "Disclosures and data requests"; docs/api.md "Relay") and
 * the component schema of that content, where it has one.
 */
const sealedFields: Partial<
  Record<MessageKind, { field: string; content?: string; description: string }>
> = {
  offer: {
    field: 'sealed',
    content: 'OfferContentPayload',
    description:
      `${sealedBox("the pseudonym's pairwise key (the `pseudonymKey` of its first grant or refusal)")} ` +
      'Its plaintext is the compact JWS of an `offer-content` message (header `typ`: ' +
      '`offer-content+jws`), signed by the company, whose payload follows `OfferContentPayload`: ' +
      "it repeats this offer's `grantSha256`, `purpose` and `channel`, and a mismatch is itself a " +
      'violation (SPECS "JWS"). `sealSigned` in protocol/seal.ts makes both steps.',
  },
  reward: {
    field: 'sealed',
    content: 'RewardContent',
    description:
      `${sealedBox("the pseudonym's pairwise key")} ` +
      "Its plaintext is the UTF-8 JSON of `RewardContent`, not signed by itself: this reward's " +
      'signature covers the box.',
  },
  correction: {
    field: 'sealed',
    content: 'CorrectionContent',
    description:
      `${sealedBox("the company's first current key as the registry lists it (the first of `keys` in `GET /api/v1/companies/{companyId}` that is neither retired nor compromised)")} ` +
      "Its plaintext is the UTF-8 JSON of `CorrectionContent`, which repeats this correction's " +
      '`dataCategory`.',
  },
  disclosure: {
    field: 'export',
    description:
      `Optional: an export of the data itself. ${sealedBox("the pseudonym's pairwise key (the `pseudonymKey` of its first grant or refusal)")} ` +
      'Its plaintext is UTF-8 text in a form the company chooses (no schema; the reference ' +
      'company site sends JSON); the Assistant shows it to the customer as text.',
  },
};

/** Component schema name of a kind's payload (`grant` → `GrantPayload`). */
export function payloadSchemaName(kind: MessageKind): string {
  return `${kind
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Payload`;
}

const objectOf = (
  properties: Record<string, unknown>,
  required: string[] = Object.keys(properties),
) => ({
  type: 'object',
  properties,
  required,
});

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const millis = { type: 'integer', minimum: 0, description: 'milliseconds since the epoch' };
const seconds = { type: 'integer', minimum: 0, description: 'seconds since the epoch' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** Trust figures against a deadline: met, missed (late or still missing past it), still running. */
const deadlineCounts = objectOf({
  onTime: { type: 'integer', minimum: 0 },
  overdue: { type: 'integer', minimum: 0 },
  open: { type: 'integer', minimum: 0 },
});

/** Response shapes (docs/api.md); the message payloads are generated, these are written here. */
function responseSchemas(): Record<string, unknown> {
  const receipt = { sha256: sha256Schema, status: { const: 'pending' } };
  const companySummary = objectOf({
    id: companyIdSchema,
    legalName: { type: 'string' },
    domain: { type: 'string' },
    status: ref('CompanyStatus'),
  });
  const signed = objectOf({ sha256: sha256Schema, jws: ref('CompactJws') });
  return {
    CompactJws: {
      type: 'string',
      maxLength: defaultBodyLimit,
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
      description: 'A compact JWS (RFC 7515) signed with EdDSA (Ed25519).',
    },
    CompanyStatus: { enum: ['pending', 'active', 'suspended'] },
    Receipt: objectOf(receipt),
    RegistrationReceipt: objectOf(
      {
        ...receipt,
        company: objectOf({
          id: companyIdSchema,
          status: ref('CompanyStatus'),
          domainProof: nullable(
            objectOf(
              {
                verified: { type: 'boolean' },
                code: { type: 'string' },
                reason: { type: 'string' },
              },
              ['verified'],
            ),
          ),
        }),
        // companies.ts `RegistrationReceipt`: only the 201 that creates the company.
        staffEnrolment: {
          ...objectOf({
            link: { type: 'string', format: 'uri', description: '`<origin>/enroll/<token>`' },
            expiresAt: { ...millis, description: 'when the link expires (ms since the epoch)' },
          }),
          description:
            'The first one-time staff enrolment link (docs/api.md "People"): only in the 201 that creates the company, never on a resend or an update.',
        },
      },
      ['sha256', 'status', 'company'],
    ),
    GrantRequestReceipt: objectOf({
      ...receipt,
      targeted: { type: 'boolean' },
      link: { type: 'string', format: 'uri' },
    }),
    AckReceipt: objectOf({ ...receipt, onTime: { type: 'boolean' } }),
    // the sealed relay (relay.ts)
    RelayReceipt: objectOf(
      {
        id: sha256Schema,
        status: { const: 'queued' },
        expiresAt: { ...millis, description: 'offers and rewards: when the item expires (ms)' },
      },
      ['id', 'status'],
    ),
    InboxPage: objectOf({
      items: {
        type: 'array',
        items: objectOf({
          id: sha256Schema,
          cursor: cursorSchema,
          kind: { enum: ['offer', 'reward'] },
          jws: ref('CompactJws'),
          receivedAt: millis,
          expiresAt: millis,
        }),
      },
      next: cursorSchema,
    }),
    CorrectionsPage: objectOf({
      corrections: {
        type: 'array',
        items: objectOf({
          id: sha256Schema,
          cursor: cursorSchema,
          pseudonym: pseudonymSchema,
          jws: ref('CompactJws'),
          receivedAt: millis,
        }),
      },
      next: cursorSchema,
    }),
    Deleted: objectOf({ deleted: { type: 'integer', minimum: 0 } }),
    Trust: objectOf({
      status: ref('CompanyStatus'),
      activeRelationships: { type: 'integer', minimum: 0 },
      revocationAcks: deadlineCounts,
      dataRequests: deadlineCounts,
      outOfScopeAccess: { type: 'integer', minimum: 0 },
      upheldComplaints: { type: 'integer', minimum: 0 },
      boycotts: { type: 'integer', minimum: 0 },
      refusedRelayAttempts: { type: 'integer', minimum: 0 },
    }),
    Company: objectOf(
      {
        id: companyIdSchema,
        status: ref('CompanyStatus'),
        legalName: { type: 'string' },
        registerId: { type: 'string' },
        domain: { type: 'string' },
        contact: { type: 'object' },
        purposes: { type: 'array', items: { type: 'string' } },
        brands: { type: 'array', items: { type: 'string' } },
        domainVerifiedAt: nullable(millis),
        registeredAt: millis,
        keys: {
          type: 'array',
          items: objectOf({
            kid: sha256Schema,
            jwk: { type: 'object' },
            addedAt: seconds,
            retiredAt: nullable(seconds),
            compromisedSince: nullable(seconds),
          }),
        },
        trust: ref('Trust'),
      },
      [
        'id',
        'status',
        'legalName',
        'registerId',
        'domain',
        'purposes',
        'brands',
        'registeredAt',
        'trust',
      ],
    ),
    CompanyPage: objectOf({
      companies: { type: 'array', items: ref('Company') },
      next: nullable(companyIdSchema),
    }),
    CompromisedMessages: objectOf({
      messages: {
        type: 'array',
        items: objectOf({
          sha256: sha256Schema,
          kind: { type: 'string' },
          kid: sha256Schema,
          iat: seconds,
        }),
      },
    }),
    GrantRequest: objectOf({
      sha256: sha256Schema,
      jws: ref('CompactJws'),
      targeted: { type: 'boolean' },
      company: companySummary,
    }),
    FeedEvent: objectOf({
      cursor: cursorSchema,
      kind: {
        enum: [
          'grant',
          'refusal',
          'revocation',
          'offer-refused',
          'correction',
          'data-request',
          'complaint',
          'complaint-decision',
          'suspension',
        ],
      },
      sha256: sha256Schema,
      pseudonym: {
        anyOf: [pseudonymSchema, { const: '' }],
        description: "'' for a suspension, which concerns no pseudonym",
      },
      jws: ref('CompactJws'),
      receivedAt: millis,
    }),
    FeedPage: objectOf({ events: { type: 'array', items: ref('FeedEvent') }, next: cursorSchema }),
    Findings: objectOf({
      findings: {
        type: 'array',
        items: {
          oneOf: [
            objectOf({
              type: { const: 'revocation-ack-overdue' },
              revocationSha256: sha256Schema,
              pseudonym: pseudonymSchema,
              receivedAt: millis,
              deadline: millis,
              ackedAt: nullable(millis),
            }),
            objectOf({
              type: { const: 'webhook-delivery-failed' },
              eventSha256: sha256Schema,
              cursor: cursorSchema,
              url: { type: 'string' },
              attempts: { type: 'integer', minimum: 1 },
              lastError: { type: 'string' },
              failedAt: millis,
            }),
            objectOf({
              type: { const: 'relay-refused' },
              offerSha256: sha256Schema,
              pseudonym: pseudonymSchema,
              grantSha256: sha256Schema,
              rule: { type: 'string' },
              refusedAt: millis,
            }),
            objectOf({
              type: { const: 'data-request-overdue' },
              dataRequestSha256: sha256Schema,
              pseudonym: pseudonymSchema,
              requestType: { enum: ['access', 'erasure'] },
              receivedAt: millis,
              deadline: millis,
              answeredAt: nullable(millis),
            }),
            objectOf({
              type: { const: 'access-out-of-scope' },
              accessSha256: sha256Schema,
              entry: { type: 'integer', minimum: 0 },
              grantSha256: sha256Schema,
              pseudonym: nullable(pseudonymSchema),
              purpose: { type: 'string' },
              dataCategories: { type: 'array', items: { type: 'string' } },
              at: seconds,
              count: { type: 'integer', minimum: 1 },
              reason: {
                enum: [
                  'grant-unknown',
                  'before-grant',
                  'after-expiry',
                  'after-revocation',
                  'purpose-not-granted',
                  'categories-not-granted',
                ],
              },
              receivedAt: millis,
            }),
            objectOf({
              type: { const: 'complaint-upheld' },
              complaintSha256: sha256Schema,
              decisionSha256: sha256Schema,
              pseudonym: pseudonymSchema,
              reasons: { type: 'array', items: { type: 'string' } },
              receivedAt: millis,
              decidedAt: millis,
            }),
          ],
        },
      },
    }),
    Relationships: objectOf({
      pseudonym: pseudonymSchema,
      company: companySummary,
      requests: { type: 'array', items: signed },
      grants: {
        type: 'array',
        items: objectOf({
          sha256: sha256Schema,
          jws: ref('CompactJws'),
          status: { enum: ['active', 'revoked', 'expired'] },
          revokedPurposes: { type: 'array', items: { type: 'string' } },
        }),
      },
      refusals: {
        type: 'array',
        items: objectOf({
          sha256: sha256Schema,
          jws: ref('CompactJws'),
          askAgainAfter: nullable(seconds),
        }),
      },
      revocations: {
        type: 'array',
        items: objectOf(
          {
            sha256: sha256Schema,
            jws: ref('CompactJws'),
            acknowledged: { type: 'boolean' },
            acknowledgedAt: {
              ...millis,
              description:
                "When the clearinghouse stored the company's acknowledgement, in milliseconds since the epoch; present only while `acknowledged` is true.",
            },
          },
          ['sha256', 'jws', 'acknowledged'],
        ),
      },
      disclosures: {
        type: 'array',
        maxItems: maxViewedDisclosures,
        items: objectOf({
          sha256: sha256Schema,
          jws: ref('CompactJws'),
          current: { type: 'boolean' },
        }),
      },
      // The oldest open requests and the newest answered ones (obligations.ts).
      dataRequests: {
        type: 'array',
        maxItems: maxViewedOpenRequests + maxViewedAnsweredRequests,
        items: objectOf({
          sha256: sha256Schema,
          jws: ref('CompactJws'),
          deadline: millis,
          answer: nullable(signed),
        }),
      },
      // Issue 9 (pseudonym-activity.ts): "when it last used which data for what", complaints.
      accessEvents: {
        type: 'array',
        maxItems: 20,
        description:
          'The latest reported uses of the data, newest first: one per grant, purpose and category set in scope (the latest time, the total count), and out-of-scope uses with their reason.',
        items: objectOf({
          at: seconds,
          purpose: { type: 'string' },
          dataCategories: { type: 'array', items: { type: 'string' } },
          grantSha256: sha256Schema,
          count: { type: 'integer', minimum: 1 },
          outOfScope: nullable({
            enum: [
              'grant-unknown',
              'before-grant',
              'after-expiry',
              'after-revocation',
              'purpose-not-granted',
              'categories-not-granted',
            ],
          }),
        }),
      },
      complaints: {
        type: 'array',
        maxItems: 100,
        description:
          "The pseudonym's complaints, newest first, with the regulator's signed decision once decided (its payload carries the reason in German and English).",
        items: objectOf({
          sha256: sha256Schema,
          company: { type: 'string' },
          reasons: { type: 'array', items: { type: 'string' } },
          receivedAt: millis,
          decision: nullable(
            objectOf({
              sha256: sha256Schema,
              jws: ref('CompactJws'),
              decision: { enum: ['upheld', 'dismissed'] },
              decidedAt: millis,
            }),
          ),
        }),
      },
    }),
    // obligations and oversight (obligations.ts, oversight.ts, findings.ts)
    DataRequestReceipt: objectOf({ ...receipt, deadline: millis }),
    DataRequestPage: objectOf({
      dataRequests: {
        type: 'array',
        items: objectOf({
          sha256: sha256Schema,
          pseudonym: pseudonymSchema,
          type: { enum: ['access', 'erasure'] },
          jws: ref('CompactJws'),
          receivedAt: millis,
          deadline: millis,
          answer: nullable(
            objectOf({
              sha256: sha256Schema,
              outcome: { enum: ['disclosure', 'erased', 'refused'] },
              answeredAt: millis,
            }),
          ),
        }),
      },
      next: nullable(listCursorSchema),
    }),
    AccessReceipt: objectOf({
      sha256: sha256Schema,
      accepted: { type: 'integer', minimum: 0 },
      outOfScope: { type: 'integer', minimum: 0 },
    }),
    Complaint: objectOf({
      sha256: sha256Schema,
      jws: ref('CompactJws'),
      company: companyIdSchema,
      pseudonym: pseudonymSchema,
      reasons: { type: 'array', items: { type: 'string' } },
      receivedAt: millis,
      decision: nullable(
        objectOf({
          sha256: sha256Schema,
          jws: ref('CompactJws'),
          decision: { enum: ['upheld', 'dismissed'] },
          decidedAt: millis,
        }),
      ),
    }),
    ComplaintPage: objectOf({
      complaints: { type: 'array', items: ref('Complaint') },
      next: nullable(listCursorSchema),
    }),
    SuspensionReceipt: objectOf({
      ...receipt,
      company: objectOf({ id: companyIdSchema, status: ref('CompanyStatus') }),
    }),
    BlacklistReceipt: objectOf({ sha256: sha256Schema, counted: { type: 'boolean' } }),
    Boycott: objectOf({
      company: companyIdSchema,
      total: {
        type: 'integer',
        minimum: 0,
        description:
          'Distinct pseudonyms holding a signal, each with a logged grant or refusal with the company.',
      },
      confirmed: {
        type: 'integer',
        minimum: 0,
        description:
          'Of `total`, the pseudonyms the company itself addressed in something it signed and no pseudonym can make it send: a grant request targeted at it, an offer for it (relayed or refused), or a reported use of its data. The rest answered only open requests, which a freshly made pseudonym can do too; `total` keeps the rule SPECS sets, this shows how much of it rests on relationships only the pseudonym claimed.',
      },
      byReason: {
        type: 'object',
        description: 'Distinct pseudonyms per reason (one with several reasons counts under each).',
        additionalProperties: { type: 'integer', minimum: 1 },
      },
      byBrand: {
        type: 'array',
        description:
          'Distinct pseudonyms per declared brand; null: the company as a whole, including brands it does not declare.',
        items: objectOf({
          brand: nullable({ type: 'string' }),
          signals: { type: 'integer', minimum: 1 },
        }),
      },
    }),
    CompanyFindings: {
      ...objectOf({ company: companyIdSchema }),
      allOf: [ref('Findings')],
      required: ['company', 'findings'],
    },
    RelationshipsBatch: {
      ...objectOf({
        requests: { type: 'array', minItems: 1, maxItems: 100, items: ref('CompactJws') },
      }),
      additionalProperties: false,
      description:
        'Each item is the request signature (kind `request`) of `GET /api/v1/pseudonyms/<ps>/relationships`.',
    },
    BatchResults: objectOf({
      results: {
        type: 'array',
        items: {
          oneOf: [
            objectOf({
              status: { const: 200 },
              pseudonym: pseudonymSchema,
              relationships: ref('Relationships'),
            }),
            objectOf({
              status: { type: 'integer', minimum: 400, maximum: 599 },
              problem: ref('Problem'),
            }),
          ],
        },
      },
    }),
    LogReceipt: objectOf({
      v: { const: 1 },
      index: { type: 'integer', minimum: 0 },
      entry: { type: 'string', contentEncoding: 'base64' },
      proof: { type: 'array', items: { type: 'string', contentEncoding: 'base64' } },
      checkpoint: { type: 'string', description: 'signed note text' },
    }),
    Proof: { type: 'object', description: 'An RFC 9162 proof: base64 hashes (docs/log.md).' },
    Health: objectOf({
      status: { enum: ['ok', 'unavailable'] },
      version: { type: 'string' },
      database: objectOf({
        dialect: nullable({ enum: ['sqlite', 'postgres'] }),
        reachable: { type: 'boolean' },
        writable: {
          type: 'boolean',
          description:
            'false after a failed flush of the write-ahead log (SQLite): no writes until a restart; false too while the latest write was refused for a full or failing disk (for 30 s, or until a write is stored)',
        },
      }),
    }),
    OpenApiDocument: { type: 'object', description: 'An OpenAPI 3.1 document.' },
    Ping: objectOf({ ok: { const: true } }),
    Person: { type: 'object', description: 'An enrolled person (docs/api.md "People").' },
    PersonKey: { type: 'object', description: 'A person key, with when it was added and retired.' },
    Staff: objectOf({ staff: { type: 'array', items: ref('Person') } }),
    Invitation: objectOf(
      {
        link: { type: 'string', format: 'uri' },
        expiresAt: millis,
        role: { enum: ['staff', 'regulator'] },
        companyId: nullable(companyIdSchema),
        personId: nullable({ type: 'string' }),
      },
      ['link', 'expiresAt', 'role'],
    ),
    OpenInvitations: objectOf(
      {
        invitations: {
          type: 'array',
          items: objectOf(
            {
              id: sha256Schema,
              name: nullable({ type: 'string' }),
              recover: nullable({ type: 'string' }),
              createdBy: { type: 'string' },
              createdAt: millis,
              expiresAt: millis,
            },
            ['id', 'name', 'recover', 'createdBy', 'createdAt', 'expiresAt'],
          ),
        },
      },
      ['invitations'],
    ),
    PersonInvitationPayload: {
      type: 'object',
      description:
        'Who is invited. Signed by the inviting key; the schema is enforced in people.ts.',
      properties: {
        v: { const: 1 },
        iss: { type: 'string', description: 'co_… (company key), or the inviting person' },
        aud: { type: 'string', maxLength: 2048 },
        iat: seconds,
        exp: seconds,
        jti: { type: 'string', maxLength: 128 },
        role: { enum: ['staff', 'regulator'] },
        name: { type: 'string' },
        recover: {
          type: 'string',
          description: 'a person id: a recovery retires their old key and passkeys',
        },
      },
      required: ['v', 'iss', 'aud', 'iat', 'exp', 'jti', 'role'],
      additionalProperties: false,
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details; `code` repeats the last path segment of `type`.',
      properties: {
        type: { type: 'string', format: 'uri' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        instance: { type: 'string' },
        code: { type: 'string' },
        detail_data: {
          type: 'object',
          description: 'Structured detail; never secrets, never the offending value.',
        },
      },
      required: ['type', 'title', 'status', 'code'],
    },
  };
}

const signerText: Record<Signer, string> = {
  public: 'No signature.',
  company: 'A current key of the company (active unless stated otherwise).',
  'company-suspended': 'A current key of the company, also while it is suspended.',
  pseudonym:
    "The pseudonym's pairwise key (its first grant or refusal carries it as `pseudonymKey`).",
  'target-or-company':
    'Open requests: no signature. Targeted requests: the target pseudonym or the company, as a request signature.',
  'each-item':
    'Each item: a request signature by the pseudonym it names; the call itself is unsigned.',
  'company-or-staff': "A current key of the company or an enrolled staff member's key.",
  person: "An enrolled person's key (a regulator, or staff acting for a company).",
  manager: "A company key or a staff member's key (for staff), a regulator's key (for regulators).",
  regulator: "An enrolled regulator's key; `iss` is `rg_` + its thumbprint.",
  'complaint-party':
    'A request signature by the regulator, the complaining pseudonym, or the accused company.',
};

function operation(route: RouteDoc): Record<string, unknown> {
  const summary = t('en', `portal.apiDocs.op.${route.operationId}`);
  const op: Record<string, unknown> = {
    operationId: route.operationId,
    summary,
    tags: [
      route.path.startsWith('/api/v1/log')
        ? 'log'
        : ['health', 'ping', 'openApiDocument'].includes(route.operationId)
          ? 'meta'
          : 'consent',
    ],
    'x-signer': route.signer,
    description: `Signer: ${signerText[route.signer]}`,
  };
  if (route.parameters !== undefined) {
    op.parameters = route.parameters.map((p) => ({
      name: p.name,
      in: p.in,
      required: p.in === 'path',
      description: p.description,
      schema: p.schema,
    }));
  }
  if (route.body === 'relationships-batch') {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: ref('RelationshipsBatch') } },
    };
  } else if (route.body === 'person-invitation') {
    op.requestBody = {
      required: true,
      description:
        'The compact JWS of a person invitation (header `typ`: `person-invitation+jws`), at most 8 KiB.',
      content: {
        'application/jose': {
          schema: ref('CompactJws'),
          'x-jws-typ': 'person-invitation+jws',
          'x-jws-payload': ref('PersonInvitationPayload'),
        },
      },
    };
  } else if (route.body !== undefined) {
    op.requestBody = {
      required: true,
      description: `The compact JWS of a \`${route.body}\` message (header \`typ\`: \`${route.body}+jws\`).`,
      content: {
        'application/jose': {
          schema: ref('CompactJws'),
          'x-jws-typ': `${route.body}+jws`,
          'x-jws-payload': ref(payloadSchemaName(route.body)),
        },
      },
    };
  }
  if (route.method !== 'POST' && route.signer !== 'public') {
    op.security =
      route.signer === 'target-or-company'
        ? [{}, { requestSignature: [] }]
        : [{ requestSignature: [] }];
  }
  const responses: Record<string, unknown> = {
    [String(route.success.status)]:
      route.success.schema === ''
        ? { description: route.success.description }
        : {
            description: route.success.description,
            content: { 'application/json': { schema: ref(route.success.schema) } },
          },
  };
  if (route.success.status === 201 && route.body !== 'person-invitation') {
    responses['200'] = {
      description: 'The very same message was stored before: the same receipt, nothing changed.',
      content: { 'application/json': { schema: ref(route.success.schema) } },
    };
  }
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of commonProblems(route)) {
    const status = problemStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `Problem: ${codes.join(', ')}`,
      'x-problem-types': codes,
      ...(codes.includes('log-entry-pending')
        ? {
            headers: {
              'Retry-After': {
                description: 'Seconds to wait before asking again (1).',
                schema: { type: 'integer', minimum: 0 },
              },
            },
          }
        : {}),
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
  }
  op.responses = responses;
  return op;
}

/**
 * The OpenAPI 3.1 document for a clearinghouse at `origin`.
 *
 * @example
 * ```ts
 * const doc = openApiDocument('http://localhost:3000');
 * doc.paths['/api/v1/grants'].post.requestBody.content['application/jose']['x-jws-payload'];
 * ```
 */
export function openApiDocument(origin: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of apiRoutes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  const payloads: Record<string, unknown> = {};
  const kinds = new Set<MessageKind>();
  for (const route of apiRoutes) {
    if (
      route.body !== undefined &&
      route.body !== 'relationships-batch' &&
      route.body !== 'person-invitation'
    ) {
      kinds.add(route.body);
    }
  }
  kinds.add('request');
  for (const kind of kinds) payloads[payloadSchemaName(kind)] = payloadSchema(kind);

  return {
    openapi: '3.1.1',
    info: {
      title: 'Consent Clearinghouse API',
      version,
      summary:
        'Companies ask for consent; the Assistant grants, refuses and revokes it; everything signed.',
      description: [
        'Every POST body is a compact JWS (`application/jose`) whose payload is described by the',
        '`x-jws-payload` extension of its media type; GETs that need a caller carry',
        '`Authorization: Signature <JWS>` of kind `request` (`RequestPayload`). Errors are RFC 9457',
        'problem+json; `x-problem-types` lists the codes each status stands for.',
        'Webhooks: see `webhooks` below.',
      ].join(' '),
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: origin.replace(/\/+$/, '') }],
    tags: [
      { name: 'consent', description: 'Companies and the life of a consent.' },
      { name: 'log', description: 'The public log: receipts and proofs.' },
      { name: 'meta', description: 'Health and this document.' },
    ],
    paths,
    webhooks: {
      consentEvent: {
        post: {
          operationId: 'consentEventWebhook',
          summary: t('en', 'portal.apiDocs.op.consentEventWebhook'),
          description:
            "Each feed event, POSTed to the company's registered `webhook` URL as JSON, signed with a detached JWS " +
            '(RFC 7515 appendix F) in the `Clearinghouse-Signature` header, made with the webhook key of ' +
            '`/.well-known/clearinghouse.json`. At least once: deduplicate by `event.sha256`.',
          parameters: [
            {
              name: 'Clearinghouse-Signature',
              in: 'header',
              required: true,
              description:
                'Detached compact JWS `<header>..<signature>`, header `{alg: "EdDSA", typ: "webhook+jws", kid}`.',
              schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.\\.[A-Za-z0-9_-]+$' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('WebhookDelivery') } },
          },
          responses: {
            '200': { description: 'Any 2xx: delivered. Anything else: retried with backoff.' },
          },
        },
      },
    },
    components: {
      schemas: {
        ...responseSchemas(),
        WebhookDelivery: objectOf({
          v: { const: 1 },
          company: companyIdSchema,
          deliveryId: { type: 'string' },
          sentAt: seconds,
          event: ref('FeedEvent'),
        }),
        ...payloads,
        ...sealedContentSchemas(),
      },
      securitySchemes: {
        requestSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            '`Signature <compact JWS>` of kind `request` naming method, path with query, iat, exp (at most 60 s later), jti and aud.',
        },
      },
    },
    'x-problem-types': apiProblemCodes().map((code) => ({
      code,
      status: problemStatus(code),
      type: problemTypeBase + code,
    })),
  };
}

/** The document's shape as far as its readers (the API page, tests) rely on it. */
export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown> & { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  webhooks: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  'x-problem-types': { code: ProblemCode; status: number; type: string }[];
}

const documents = new Map<string, OpenApiDocument>();

/**
 * The document for `origin`, built once per origin (the schemas do not change while running).
 *
 * @example
 * ```ts
 * return json(cachedOpenApiDocument(origin));
 * ```
 */
export function cachedOpenApiDocument(origin: string): OpenApiDocument {
  let doc = documents.get(origin);
  if (doc === undefined) {
    doc = openApiDocument(origin);
    documents.set(origin, doc);
  }
  return doc;
}

/** The operation ids of the route table (for the catalog's `portal.apiDocs.op.*` entries). */
export const apiOperationIds: readonly string[] = [...operationIds, 'consentEventWebhook'];

/** One field of a payload, as the API page lists it. */
export interface FieldView {
  name: string;
  required: boolean;
  type: string;
}

/** One operation, as the API page renders it (plain data: the page renders text only). */
export interface OperationView {
  id: string;
  operationId: ApiOperationId;
  method: string;
  path: string;
  signer: Signer;
  body:
    | { kind: 'jose'; messageKind: string; typ: string; fields: FieldView[] }
    | { kind: 'json'; schema: string; fields: FieldView[] }
    | null;
  parameters: {
    name: string;
    /** Where it goes (OpenAPI's `in`: path, query string or header). */
    in: ParameterPlace;
    required: boolean;
    description: string;
    type: string;
  }[];
  /** Success answers name their schema; problem answers list their codes. */
  responses: { status: string; schema: string | null; problems: string[] }[];
}

/** The API page's model. */
export interface ApiPageModel {
  version: string;
  operations: OperationView[];
  problems: { code: string; status: number; type: string }[];
}

type SchemaNode = Record<string, unknown>;

/** Where a parameter goes, as the API page names it. */
export type ParameterPlace = 'path' | 'query' | 'header';

function parameterPlace(value: unknown): ParameterPlace {
  if (value === 'path' || value === 'query' || value === 'header') return value;
  throw new Error(`the OpenAPI document names a parameter place "${String(value)}"`);
}

/**
 * A short description of a JSON Schema node in a notation that reads the same in every language
 * the page is shown in (`string ≤ 200`, `"a" | "b"`, `PayloadX[]`), for the page's field lists.
 *
 * @example
 * ```ts
 * describeSchema({ type: 'array', items: { type: 'string' } }); // 'string[]'
 * ```
 */
export function describeSchema(node: unknown, depth = 0): string {
  if (typeof node !== 'object' || node === null || depth > 4) return 'any';
  const schema = node as SchemaNode;
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? 'object';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.map((value) => JSON.stringify(value));
    return `${values.slice(0, 6).join(' | ')}${values.length > 6 ? ` | … (${values.length})` : ''}`;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) {
      return (schema[key] as unknown[]).map((s) => describeSchema(s, depth + 1)).join(' | ');
    }
  }
  if (schema.type === 'array') {
    const item = describeSchema(schema.items, depth + 1);
    return /^[\w.]+$/.test(item) ? `${item}[]` : `(${item})[]`;
  }
  if (schema.type === 'string') {
    const max = typeof schema.maxLength === 'number' ? ` ≤ ${schema.maxLength}` : '';
    return `string${max}`;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
    const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
    return min !== undefined && max !== undefined
      ? `${schema.type} ${min}…${max}`
      : String(schema.type);
  }
  if (schema.type === 'object') return 'object';
  return typeof schema.type === 'string' ? schema.type : 'any';
}

function fieldsOf(doc: OpenApiDocument, schema: unknown): FieldView[] {
  let node = schema as SchemaNode | undefined;
  if (typeof node?.$ref === 'string') {
    node = doc.components.schemas[node.$ref.split('/').pop() ?? ''] as SchemaNode | undefined;
  }
  const properties = (node?.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(node?.required) ? (node.required as string[]) : []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    required: required.has(name),
    type: describeSchema(property),
  }));
}

/**
 * The API page's model, read from the OpenAPI document itself (not from the route table), so the
 * page shows exactly what `/api/v1/openapi.json` says.
 *
 * @example
 * ```ts
 * const model = apiPageModel(cachedOpenApiDocument(origin));
 * model.operations[0].path; // '/api/v1/health'
 * ```
 */
export function apiPageModel(doc: OpenApiDocument): ApiPageModel {
  const operations: OperationView[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as SchemaNode;
      const requestBody = op.requestBody as { content?: Record<string, SchemaNode> } | undefined;
      const jose = requestBody?.content?.['application/jose'];
      const json = requestBody?.content?.['application/json'];
      let body: OperationView['body'] = null;
      if (jose !== undefined) {
        const typ = String(jose['x-jws-typ']);
        body = {
          kind: 'jose',
          messageKind: typ.replace(/\+jws$/, ''),
          typ,
          fields: fieldsOf(doc, jose['x-jws-payload']),
        };
      } else if (json !== undefined) {
        body = {
          kind: 'json',
          schema: describeSchema(json.schema),
          fields: fieldsOf(doc, json.schema),
        };
      }
      const parameters = ((op.parameters ?? []) as SchemaNode[]).map((p) => ({
        name: String(p.name),
        in: parameterPlace(p.in),
        required: p.required === true,
        description: String(p.description ?? ''),
        type: describeSchema(p.schema),
      }));
      const responses = Object.entries(op.responses as Record<string, SchemaNode>).map(
        ([status, response]) => ({
          status,
          schema:
            (response.content as Record<string, SchemaNode> | undefined)?.['application/json'] ===
            undefined
              ? null
              : describeSchema(
                  (response.content as Record<string, SchemaNode>)['application/json']!.schema,
                ),
          problems: Array.isArray(response['x-problem-types'])
            ? (response['x-problem-types'] as string[])
            : [],
        }),
      );
      operations.push({
        id: String(op.operationId),
        operationId: op.operationId as ApiOperationId,
        method: method.toUpperCase(),
        path,
        signer: op['x-signer'] as Signer,
        body,
        parameters,
        responses,
      });
    }
  }
  return { version: doc.info.version, operations, problems: doc['x-problem-types'] };
}
