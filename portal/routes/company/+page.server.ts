import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import type { MessageKey } from '$protocol/i18n';
import { defaultBodyLimit, readFormBody, sealedBodyLimit } from '$lib/server/auth/body';
import { currentPerson } from '$lib/server/auth/session';
import { ClientAbortedError } from '$lib/server/client-abort';
import {
  companyOf,
  consoleFailure,
  consolePages,
  createCompanyConsole,
  type ConsoleKind,
} from '$lib/server/company-console';
import { getServices } from '$lib/server/services';
import type { PersonView } from '$lib/server/people';
import type { FieldProblem } from '$lib/components/field-problems';
import { requestFields } from '$lib/components/company/request-form';
import { disclosureFields } from '$lib/components/company/disclosure-form';
import { requestOf } from '$lib/components/company/data-request-card';
import type { Actions, PageServerLoad } from './$types';

/** The logged-in person; a page load without a session goes to the login page. */
async function staff(cookies: RequestEvent['cookies']): Promise<PersonView> {
  const person = await currentPerson(cookies);
  if (person === undefined) redirect(303, '/login?next=/company');
  return person;
}

export const load: PageServerLoad = async ({ cookies, setHeaders, url }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await staff(cookies);
  if (person.role !== 'staff' || person.companyId === null) {
    return { person, overview: null, origin: (await getServices()).context.origin };
  }
  const services = await getServices();
  const overview = await createCompanyConsole(services).overview(
    person,
    consolePages(url.searchParams),
  );
  return { person, overview, origin: services.context.origin };
};

type FieldErrors = FieldProblem[];

/**
 * The most a console form may hold: its signed message at the API's limit for it and the fields
 * it was made from beside it; a disclosure's carries its sealed export (the API's sealed limit)
 * and the answer. The Node adapter's own limit (512 KB) would let any session post more.
 */
const formLimit = 2 * defaultBodyLimit;
const disclosureFormLimit = sealedBodyLimit + 2 * defaultBodyLimit;

/**
 * The logged-in staff member and the action's form, read within `limit`; or the action's refusal
 * (a sentence on the page, never an error page): 401 when the session has ended, 403 for anyone
 * but a company's staff (a regulator, say), both before the form is read, so no other answer tells
 * them anything about it; then a form that is too large or not a form at all.
 *
 * An ended session is a failure, not the load's redirect to the login page: `use:enhance` would
 * follow a redirect and throw away everything typed (a disclosure's export has no `name`, so not
 * even the browser could bring it back). The page keeps the form and says to log in again in
 * another tab and send it again.
 */
async function staffForm(event: RequestEvent, action: string, limit = formLimit) {
  const person = await currentPerson(event.cookies);
  if (person === undefined) {
    return {
      refused: fail(401, {
        action,
        error: 'portal.console.sessionEnded' as MessageKey,
        fieldErrors: [] as FieldErrors,
      }),
    };
  }
  try {
    companyOf(person);
    return { person, form: await readFormBody(event.request, limit) };
  } catch (error) {
    if (error instanceof ClientAbortedError) throw error;
    const { status, key } = consoleFailure(error);
    return { refused: fail(status, { action, error: key, fieldErrors: [] as FieldErrors }) };
  }
}

/** The value of the checkbox by which a person confirms that a correction was applied. */
const correctionConfirmation = 'applied';

/**
 * One signed action: the browser put the JWS into the form's `jws` field. Without JavaScript
 * there is none, because the keys live in the browser; the page says so in a sentence. A refusal
 * names the data request the form answers (`requestSha256`, when it has one), so the page says it
 * in that request's card.
 */
async function signedAction(
  event: RequestEvent,
  action: string,
  kind: ConsoleKind,
  explain?: (form: FormData) => FieldErrors | undefined,
) {
  const { person, form, refused } = await staffForm(event, action);
  if (form === undefined) return refused;
  const requestSha256 = requestOf(form);
  const jws = form.get('jws');
  if (typeof jws !== 'string' || jws.length === 0) {
    const fieldErrors = explain?.(form);
    // The first problem is the form's sentence, with the values it names (a recipients line).
    const first = fieldErrors?.[0];
    return fail(400, {
      action,
      error: (first?.key ?? 'portal.console.needsScript') as MessageKey,
      ...(first?.params === undefined ? {} : { params: first.params }),
      fieldErrors: fieldErrors ?? [],
      requestSha256,
    });
  }
  try {
    const services = await getServices();
    const result = await createCompanyConsole(services).submit(person, kind, jws);
    return { action, result: { ...result } as Record<string, unknown> };
  } catch (error) {
    // A sentence naming values (the time a key was declared compromised) comes with them.
    const { status, key, params } = consoleFailure(error, event.locals.locale);
    return fail(status, {
      action,
      error: key,
      ...(params === undefined ? {} : { params }),
      fieldErrors: [] as FieldErrors,
      requestSha256,
    });
  }
}

/**
 * One signed deletion: the browser signed the API's `DELETE` of the thing named by the form's
 * `field` into `authorization` (none without JavaScript: the page says so). `remove` does it with
 * the console and returns the action's result (the rest of the form at hand); a refusal is a
 * sentence, `refusal` may reword it.
 */
async function signedDeletion<Result extends object>(
  event: RequestEvent,
  action: string,
  field: string,
  remove: (
    person: PersonView,
    id: string,
    authorization: string,
    form: FormData,
  ) => Promise<Result>,
  refusal: (key: MessageKey) => MessageKey = (key) => key,
) {
  const { person, form, refused } = await staffForm(event, action);
  if (form === undefined) return refused;
  const id = String(form.get(field) ?? '');
  const authorization = form.get('authorization');
  if (typeof authorization !== 'string' || authorization.length === 0) {
    return fail(400, { action, error: 'portal.console.needsScript' as MessageKey });
  }
  try {
    return { action, result: await remove(person, id, authorization, form) };
  } catch (error) {
    const { status, key } = consoleFailure(error);
    return fail(status, { action, error: refusal(key) });
  }
}

export const actions: Actions = {
  company: (event) => signedAction(event, 'company', 'company'),
  key: (event) => signedAction(event, 'key', 'company-key'),
  request: (event) =>
    signedAction(event, 'request', 'grant-request', (form) => {
      const result = requestFields(form, Math.floor(Date.now() / 1000));
      return result.ok ? undefined : result.errors;
    }),
  ack: (event) => signedAction(event, 'ack', 'revocation-ack'),
  answer: (event) => signedAction(event, 'answer', 'data-request-answer'),
  invite: (event) => signedAction(event, 'invite', 'person-invitation'),

  /**
   * An access request answered with a disclosure: two JWS made in the browser, the disclosure
   * (its export sealed there to the pseudonym) and the answer naming it; or the disclosure stored
   * for the request before (sent back exactly as stored) and a new answer naming it. A refusal
   * names the request, as `signedAction`'s do.
   */
  disclose: async (event) => {
    const { person, form, refused } = await staffForm(event, 'disclose', disclosureFormLimit);
    if (form === undefined) return refused;
    const requestSha256 = requestOf(form);
    const disclosure = form.get('disclosure');
    const jws = form.get('jws');
    if (
      typeof disclosure !== 'string' ||
      disclosure.length === 0 ||
      typeof jws !== 'string' ||
      jws.length === 0
    ) {
      // A stored disclosure's form (it carries the disclosure) lacks only the answer's signature.
      const fields = typeof disclosure === 'string' ? undefined : disclosureFields(form);
      const first =
        fields === undefined || fields.ok ? 'portal.console.needsScript' : fields.errors[0]!;
      // A recipients line's sentence comes with the values it names (the line, its text).
      return fail(400, {
        action: 'disclose',
        error: (typeof first === 'string' ? first : first.key) as MessageKey,
        ...(typeof first === 'string' || first.params === undefined
          ? {}
          : { params: first.params }),
        requestSha256,
      });
    }
    try {
      const result = await createCompanyConsole(await getServices()).answerWithDisclosure(
        person,
        disclosure,
        jws,
      );
      return { action: 'disclose', result: { ...result } as Record<string, unknown> };
    } catch (error) {
      const { status, key } = consoleFailure(error);
      return fail(status, { action: 'disclose', error: key, requestSha256 });
    }
  },

  remove: (event) =>
    signedDeletion(event, 'remove', 'personId', async (person, personId, authorization) => {
      await createCompanyConsole(await getServices()).removeStaff(person, personId, authorization);
      return { removed: personId };
    }),

  /** An open invitation withdrawn: signed as the API's `DELETE /api/v1/people/invitations/{id}`. */
  withdraw: (event) =>
    signedDeletion(
      event,
      'withdraw',
      'invitation',
      async (person, id, authorization, form) => {
        await createCompanyConsole(await getServices()).withdrawInvitation(
          person,
          id,
          authorization,
        );
        // A recovery's link: the page says what withdrawing it means for the colleague.
        return { withdrawn: id, recovery: form.get('recovery') === 'yes' };
      },
      // Used, expired or withdrawn meanwhile (another tab, a colleague): said as such.
      (key) => (key === 'errors.ERR_ENROLMENT_UNKNOWN' ? 'portal.console.invitations.gone' : key),
    ),

  /**
   * Not a signed message (corrections are relayed, not logged): the session suffices. Deleting is
   * final (the company's systems can no longer fetch the correction), so the form must carry the
   * person's explicit confirmation that it was applied (`confirm=applied`); without it nothing is
   * deleted, whatever sent the form.
   */
  correction: async (event) => {
    const { person, form, refused } = await staffForm(event, 'correction');
    if (form === undefined) return refused;
    if (form.get('confirm') !== correctionConfirmation) {
      return fail(400, {
        action: 'correction',
        error: 'portal.console.corrections.error.confirm' as MessageKey,
      });
    }
    try {
      const outcome = await createCompanyConsole(await getServices()).applyCorrection(
        person,
        String(form.get('id') ?? ''),
      );
      return { action: 'correction', result: outcome };
    } catch (error) {
      const { status, key } = consoleFailure(error);
      return fail(status, { action: 'correction', error: key });
    }
  },
};
