/**
 * What the consent window is shown in the browser tests (`wallet.pending`): Laufhaus GmbH asks
 * for one scope, product launches by e-mail, kept 30 days, for a customer whose profile allows
 * e-mail; the window's initial choice grants it with no contact cap of the customer's.
 *
 * @example
 * ```ts
 * const pending = pendingRequest(3); // the company asks for at most 3 contacts a week
 * const send = async (r: { type: string }) => (r.type === 'wallet.pending' ? pending : { type: 'ok' });
 * ```
 */
export function pendingRequest(perWeek: number | null = null) {
  return {
    type: 'wallet.pending',
    checked: {
      company: { legalName: 'Laufhaus GmbH', domain: 'https://laufhaus.example' },
      request: {
        reason: { de: 'Neuheiten', en: 'News' },
        scopes: [
          {
            purpose: 'product_launch',
            channels: ['email'],
            dataCategories: [],
            conditions: perWeek === null ? {} : { maxContactsPerWeek: perWeek },
            retentionDays: 30,
            onwardRecipients: [],
          },
        ],
      },
    },
    choice: {
      decision: 'grant',
      scopes: [
        {
          include: true,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 30,
          onwardRecipients: [],
        },
      ],
      preferredChannel: 'email',
      days: 365,
    },
    allowedChannels: ['email'],
  };
}
