import type { Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';
import { foundation } from './0001_foundation';
import { log } from './0002_log';
import { consent } from './0003_consent';
import { people } from './0004_people';
import { webhooks } from './0005_webhooks';
import { relay } from './0006_relay';
import { obligations } from './0007_obligations';
import { logSpeed } from './0008_log_speed';
import { rateLimits } from './0009_rate_limits';
import { dashboard } from './0010_dashboard';
import { accessUses } from './0011_access_uses';
import { messageReferenceIndexes } from './0012_message_reference_indexes';
import { grantBinding } from './0013_grant_binding';
import { instanceKeys } from './0014_instance_keys';
import { webhookAttemptUrl } from './0015_webhook_attempt_url';
import { relayContactsPseudonym } from './0016_relay_contacts_pseudonym';
import { complaintEvidenceKinds } from './0017_complaint_evidence_kinds';
import { webhookTurns } from './0018_webhook_turns';
import { revocationDeadline } from './0019_revocation_deadline';
import { compromiseVoiding } from './0020_compromise_voiding';
import { enrolmentLookup } from './0021_enrolment_lookup';
import { messageStatistics } from './0022_message_statistics';

/**
 * Every migration, imported statically: the portal is bundled by Vite for production, where a
 * folder of migration files read at run time (Kysely's FileMigrationProvider) does not exist.
 *
 * Names sort in the order they apply (Kysely sorts them alphabetically); a new migration gets
 * the next number. Each is a factory of the dialect, so the few column types that must differ
 * between SQLite and PostgreSQL are chosen in one visible place.
 */
export function migrationsFor(dialect: DatabaseDialect): Record<string, Migration> {
  return {
    '0001_foundation': foundation(dialect),
    '0002_log': log(dialect),
    '0003_consent': consent(dialect),
    '0004_people': people(dialect),
    '0005_webhooks': webhooks(dialect),
    '0006_relay': relay(dialect),
    '0007_obligations': obligations(dialect),
    '0008_log_speed': logSpeed(dialect),
    '0009_rate_limits': rateLimits(dialect),
    '0010_dashboard': dashboard(dialect),
    '0011_access_uses': accessUses(dialect),
    '0012_message_reference_indexes': messageReferenceIndexes(dialect),
    '0013_grant_binding': grantBinding(dialect),
    '0014_instance_keys': instanceKeys(dialect),
    '0015_webhook_attempt_url': webhookAttemptUrl(dialect),
    '0016_relay_contacts_pseudonym': relayContactsPseudonym(dialect),
    '0017_complaint_evidence_kinds': complaintEvidenceKinds(dialect),
    '0018_webhook_turns': webhookTurns(dialect),
    '0019_revocation_deadline': revocationDeadline(dialect),
    '0020_compromise_voiding': compromiseVoiding(dialect),
    '0021_enrolment_lookup': enrolmentLookup(dialect),
    '0022_message_statistics': messageStatistics(dialect),
  };
}
