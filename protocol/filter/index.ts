/**
 * The Assistant's filter (DESIGN section 6, issue 8): the decision engine, its reasons and their
 * sentences, the on-device learner and what feedback does. Pure: no clock, no randomness, no I/O;
 * the time is an argument (epoch seconds) and every random choice is a seeded hash.
 *
 * How the extension uses it (sync, per pseudonym):
 *
 * ```ts
 * import {
 *   activePauses, applyFeedback, compileFilter, createLearner, decide, deserializeLearner,
 *   explainDecision, openOffer, pauseCompany, serializeLearner, suggestImplicitNegatives,
 *   unsubscribeChange, violations,
 * } from '$protocol/filter';
 *
 * // Once per sync (and again whenever profile, blacklist, grants or history change):
 * const learner = stored ? deserializeLearner(stored) : createLearner({ seed, interests: profile.interests });
 * const filter = compileFilter({
 *   profile, blacklist, grants, history, learner, seed, suspended,
 *   pauses: activePauses(pauses, now), // the customer's cool-downs (./pause)
 * });
 *
 * // For each inbox item:
 * const opened = await openOffer(outerToken, pairwiseKeys, { resolveKey, now, replay });
 * const decision = decide(filter, opened.offer, now);
 * // 'deliver': notify (never in quiet hours: the engine already held those), store, record:
 * filter.record({ company, brand, channel, category, at: now, outcome: 'delivered' });
 * // 'hold': store with decision.holdUntil; an alarm decides it again then.
 * // 'drop': store as hidden (the customer may look anyway); if violations(decision.reasons) is
 * //   not empty, draft a complaint citing opened.innerToken (and the outer when outerVerified).
 * explainDecision(decision, profile.language, { timeZone: profile.quiet.timeZone }).text;
 *
 * // Feedback from the offers view:
 * const effect = applyFeedback(learner, features, 'blocked'); // effect.blacklist → add the entry
 * await vault.put('filter-model', serializeLearner(learner)); // never leaves the device
 * learner.reset(profile.interests); // "forget what you learned"
 *
 * // Now and then: companies the customer keeps turning away (answered ones only on new evidence).
 * suggestImplicitNegatives(history, now, { answered: pauses.answers }); // → cool-down or refusal
 * pauses = pauseCompany(pauses, company, 30, now); // or answerSuggestion(pauses, company, 'dismissed', now)
 * unsubscribeChange(grant, offer.channel); // → the narrowed grant or the revocation to send
 * ```
 *
 * `features` for feedback: `{ category, brand, company, channel, purpose, incentive, price,
 * hour, weekday }` of the offer, with hour and weekday of its arrival in the customer's zone
 * (`localTime` from `protocol/grants`).
 */
export {
  compileFilter,
  decide,
  lowerBound,
  type CompiledFilter,
  type Decision,
  type DecisionAction,
  type FilterGrant,
  type FilterInput,
  type FilterOffer,
  type OfferInner,
  type OfferOuter,
} from './engine';
export { explainDecision, explainReason, type ExplainOptions, type Explanation } from './explain';
export {
  applyFeedback,
  suggestImplicitNegatives,
  unsubscribeChange,
  type FeedbackEffect,
  type ImplicitNegative,
  type ImplicitNegativeOptions,
  type UnsubscribeChange,
} from './feedback';
export {
  createLearner,
  deserializeLearner,
  feedbackLabels,
  learnerLimits,
  serializeLearner,
  type FeatureVector,
  type Learner,
  type LearnerOptions,
  type OfferFeatures,
  type SerializedLearner,
} from './learner';
export { openOffer, type OpenOfferOptions, type OpenedOffer } from './offer';
export {
  activePauses,
  answerSuggestion,
  companyPauses,
  noPauses,
  parseCompanyPauses,
  pauseCompany,
  pauseLimits,
  resumeCompany,
  type CompanyPause,
  type CompanyPauses,
  type SuggestionAnswer,
} from './pause';
export { createRng, fnv1a, mix32, unitDraw, type Rng } from './random';
export {
  reasonIds,
  reasonRules,
  violations,
  type Reason,
  type ReasonEffect,
  type ReasonId,
  type ReasonParams,
} from './reasons';
export { releaseTime, satisfied, type WindowConstraint } from './windows';
