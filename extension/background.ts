/**
 * The background (a service worker in Chromium, an event page in Firefox): wires the platform
 * adapters to the Assistant's logic. Listeners are registered synchronously at the top level, as
 * MV3 requires, because the worker is restarted on demand for each event.
 */
import { ProtocolError } from '../protocol/errors';
import { clock, isTestBuild } from './build';
import type { Request, Response } from './messages';
import { extensionVersion, onInstalled, serveRequests } from './platform/runtime';
import { writeLocal } from './platform/storage';
import { answerTestRequest } from './test-hook';

onInstalled(({ reason, previousVersion }) => {
  // Kept so a later migration can tell a fresh install from an update of an older vault.
  void writeLocal('install', {
    reason,
    version: extensionVersion(),
    previousVersion: previousVersion ?? null,
    at: clock.now(),
  });
});

serveRequests((request: Request): Response => {
  if (request.type === 'ping')
    return { type: 'pong', version: extensionVersion(), now: clock.now() };
  if (isTestBuild) return answerTestRequest(request);
  // Unreachable: parseRequest admits `test.*` messages only in the test build.
  throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'Unknown extension message type.');
});
