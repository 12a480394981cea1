import { describe, expect, it } from 'vitest';
import { serverNodeArgs } from '../../../scripts/server-node-args.mjs';
import { allocationSitePretenuring, noPretenuringFlag } from './node-flags';
import { createMetrics } from './observe';

describe('allocation-site pretenuring (node-flags.ts)', () => {
  it('is on by default and off with the flag, read as V8 reads it: the last one wins', () => {
    expect(allocationSitePretenuring([])).toBe(true);
    expect(allocationSitePretenuring(['--inspect', '--max-old-space-size=512'])).toBe(true);
    expect(allocationSitePretenuring(['--no-allocation-site-pretenuring'])).toBe(false);
    expect(allocationSitePretenuring(['--no_allocation_site_pretenuring'])).toBe(false);
    expect(allocationSitePretenuring(['--noallocation-site-pretenuring'])).toBe(false);
    expect(allocationSitePretenuring(['-no-allocation-site-pretenuring'])).toBe(false);
    expect(
      allocationSitePretenuring([
        '-no-allocation-site-pretenuring',
        '-allocation-site-pretenuring',
      ]),
    ).toBe(true);
    expect(
      allocationSitePretenuring([
        '--no-allocation-site-pretenuring',
        '--allocation-site-pretenuring',
      ]),
    ).toBe(true);
    expect(
      allocationSitePretenuring([
        '--allocation-site-pretenuring',
        '--no-allocation-site-pretenuring',
      ]),
    ).toBe(false);
    // Another flag that merely contains the name changes nothing.
    expect(allocationSitePretenuring(['--no-allocation-site-pretenuring-extra'])).toBe(true);
    expect(allocationSitePretenuring(['--trace-allocation-site-pretenuring'])).toBe(true);
  });

  it('is off under the flags of every launcher (server-node-args.test.ts checks them)', () => {
    expect(serverNodeArgs).toContain(noPretenuringFlag);
    expect(allocationSitePretenuring(serverNodeArgs)).toBe(false);
  });

  it('is reported in the metrics: 1 on, 0 off', async () => {
    const on = await createMetrics(undefined, { execArgv: [] }).registry.metrics();
    expect(on).toMatch(/^clearinghouse_v8_allocation_site_pretenuring 1$/m);
    const off = await createMetrics(undefined, {
      execArgv: [...serverNodeArgs],
    }).registry.metrics();
    expect(off).toMatch(/^clearinghouse_v8_allocation_site_pretenuring 0$/m);
  });
});
