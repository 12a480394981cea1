import { describe, expect, it } from 'vitest';
import { makeTcStrings } from '../../test/fixtures/server';
import { decodeTcString, flagsFor, maxTcStringLength } from './tcf';

const strings = makeTcStrings();

describe('decodeTcString', () => {
  it('decodes purposes, vendors and the CMP of a TC string', () => {
    const result = decodeTcString(strings.accepted, 'opt-in');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.summary).toMatchObject({
      cmpId: 10,
      vendorListVersion: 150,
      purposeConsents: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      vendorConsents: [28, 755],
      specialFeatureOptins: [],
      flagged: { purposes: [], vendors: [], specialFeatures: [] },
      truncated: false,
    });
    expect(result.summary.tcString).toBe(strings.accepted);
  });

  it('flags every consent recorded after an opt-out', () => {
    const result = decodeTcString(strings.dishonest, 'opt-out');
    expect(result.ok && result.summary.flagged).toEqual({
      purposes: [1],
      specialFeatures: [],
      vendors: [755],
    });
    const clean = decodeTcString(strings.rejected, 'opt-out');
    expect(clean.ok && clean.summary.flagged).toEqual({
      purposes: [],
      specialFeatures: [],
      vendors: [],
    });
  });

  it.each([
    ['empty', '', 'empty'],
    ['not a string', 42, 'empty'],
    ['too long', 'C'.repeat(maxTcStringLength + 1), 'too-long'],
    ['outside the alphabet', 'CQ<script>', 'malformed'],
    ['not a TC string', 'AAAA', 'malformed'],
    ['a truncated string', strings.accepted.slice(0, 12), 'malformed'],
  ])('refuses %s without throwing', (_name, raw, reason) => {
    expect(decodeTcString(raw, 'opt-out')).toEqual({ ok: false, reason });
  });
});

describe('flagsFor', () => {
  it('after an opt-in flags only special features (sensitive data needs its own scope)', () => {
    expect(flagsFor('opt-in', { purposes: [1, 3], specialFeatures: [1], vendors: [9] })).toEqual({
      purposes: [],
      specialFeatures: [1],
      vendors: [],
    });
  });
});
