/**
 * What every benchmark prints about the machine it ran on, so figures from different runs can be
 * told apart: the Node version, the CPUs and the load average (a benchmark's figures mean little
 * when the load average is high on this two-core machine).
 */
import { cpus, loadavg } from 'node:os';

/** The load average over 1, 5 and 15 minutes, e.g. `0.89 1.69 1.67`. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** E.g. `Node v20.20.2, 2 CPUs (AMD EPYC), load average 0.89 1.69 1.67`. */
export function machine(): string {
  return `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadAverage()}`;
}
