/**
 * Open-loop pacing for the benchmarks' drivers (bench:load's workload, bench:api's run at half
 * rate): with a `rate`, request i is due at `start + i / rate` and the first free connection
 * sends it; its latency counts from when it was due, not from when a connection was free to send
 * it, so a server that falls behind shows in the latency (no coordinated omission). Without a
 * rate, every connection sends its next request when the last is answered.
 *
 * (autocannon's `overallRate` is not this: each connection sends as fast as it can until it has
 * made its share of the second, then waits for the next second, so "half the rate" is full load
 * for half of every second, and its latencies are those of full load.)
 */

export interface PacedOptions {
  /** How long to send, seconds. */
  seconds: number;
  /** Requests per second over all connections; absent: as fast as the server answers. */
  rate?: number;
  /** Concurrent connections (workers), each sending one request at a time. */
  connections: number;
  /** Most requests to send (default: no limit). */
  limit?: number;
}

/**
 * Runs `send(ticket, due)` paced as {@link PacedOptions} says, until `seconds` have passed or
 * `limit` requests were sent; resolves with the seconds it ran once every request has settled.
 * `send` measures its own latency as `performance.now() - due` and must not throw.
 *
 * @example
 * ```ts
 * const latencies: number[] = [];
 * await runPaced({ seconds: 10, rate: 200, connections: 16 }, async (i, due) => {
 *   await fetch(url);
 *   latencies.push(performance.now() - due);
 * });
 * ```
 */
export async function runPaced(
  options: PacedOptions,
  send: (ticket: number, due: number) => Promise<void>,
): Promise<number> {
  const { rate, connections } = options;
  if (rate !== undefined && !(rate > 0)) throw new Error('rate must be positive');
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const start = performance.now();
  const end = start + options.seconds * 1000;
  let ticket = 0;
  const worker = async () => {
    for (;;) {
      if (ticket >= limit) return;
      let due: number;
      if (rate === undefined) {
        due = performance.now();
        if (due >= end) return;
      } else {
        due = start + (ticket * 1000) / rate;
        if (due >= end) return;
      }
      const mine = ticket++;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await send(mine, due);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return (performance.now() - start) / 1000;
}

/**
 * The `ps`-th percentiles (0-100) of `values`, exact (nearest rank), sorting once; NaN when empty.
 *
 * @example
 * ```ts
 * const [p50, p99, max] = percentiles(latencies, [50, 99, 100]);
 * ```
 */
export function percentiles<const P extends readonly number[]>(
  values: readonly number[],
  ps: P,
): { -readonly [K in keyof P]: number } {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return ps.map(at) as { -readonly [K in keyof P]: number };
}
