/** How long a start waits for a database worker thread's connection by default (milliseconds). */
export const defaultStartTimeoutMs = 10_000;

/**
 * The start timeout of a database worker thread (the checkpointer's, the writer's): `value`, or
 * {@link defaultStartTimeoutMs} when it is not given.
 *
 * @throws RangeError unless a whole number of milliseconds from 1 to 600,000.
 * @example
 * ```ts
 * const startTimeoutMs = startTimeoutOf(options.startTimeoutMs);
 * ```
 */
export function startTimeoutOf(value: number = defaultStartTimeoutMs): number {
  if (!Number.isInteger(value) || value < 1 || value > 600_000)
    throw new RangeError('startTimeoutMs must be a whole number of milliseconds from 1 to 600000');
  return value;
}
