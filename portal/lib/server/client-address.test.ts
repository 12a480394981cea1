/**
 * The address a request is counted under when the operator trusts a proxy header: every form
 * proxies write into `X-Forwarded-For` and `Forwarded` (RFC 7239), only the right-most element,
 * the peer with a warning (at most once a minute, without the header's value) when that element
 * gives no address, and a header name checked at start.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from './observe';
import {
  clientAddress,
  createProxyHeaderWarner,
  rateLimitsFromEnv,
  type ProxyHeaderProblem,
} from './rate-limits';

const peer = '10.0.0.1';

/** A request from the proxy at `peer` carrying `headers`. */
function fromProxy(headers: Record<string, string> = {}) {
  return {
    request: new Request('http://localhost/api/v1/health', { headers }),
    getClientAddress: () => peer,
  };
}

/** A report that remembers what it was told. */
function recorder() {
  const told: [string, ProxyHeaderProblem][] = [];
  return {
    told,
    report: (header: string, problem: ProxyHeaderProblem) => told.push([header, problem]),
  };
}

describe('the trusted proxy header', () => {
  it('reads the right-most X-Forwarded-For entry in every form proxies write it', () => {
    const cases: [value: string, address: string][] = [
      ['198.51.100.1, 203.0.113.7', '203.0.113.7'],
      ['198.51.100.1, 203.0.113.7:4711', '203.0.113.7'],
      ['198.51.100.1,2001:DB8:cafe::17', '2001:db8:cafe:0::/64'],
      ['198.51.100.1, [2001:db8:cafe::17]', '2001:db8:cafe:0::/64'],
      ['198.51.100.1, [2001:db8:cafe::17]:4711', '2001:db8:cafe:0::/64'],
      ['[::ffff:203.0.113.7]:80', '203.0.113.7'],
      // Without brackets an IPv6 address has no port: this is the address ::1:4711's /64.
      ['2001:db8::1:4711', '2001:db8:0:0::/64'],
    ];
    for (const [value, address] of cases) {
      const { told, report } = recorder();
      const source = fromProxy({ 'x-forwarded-for': value });
      expect(clientAddress(source, 'x-forwarded-for', report), value).toBe(address);
      expect(clientAddress(source, 'X-Forwarded-For', report), value).toBe(address);
      expect(told, value).toEqual([]);
    }
  });

  it('reads the for= parameter of the right-most Forwarded element, quoted or not', () => {
    const cases: [value: string, address: string][] = [
      // RFC 7239 §4's examples.
      [
        'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"',
        '2001:db8:cafe:0::/64',
      ],
      ['for="[2001:db8:cafe::17]:4711", for=192.0.2.60;proto=http;by=203.0.113.43', '192.0.2.60'],
      [
        'for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com',
        '198.51.100.17',
      ],
      ['for="[2001:db8:cafe::17]"', '2001:db8:cafe:0::/64'],
      ['For="192.0.2.60:4711"', '192.0.2.60'],
      ['proto=https; for=192.0.2.60 ;host="example.com"', '192.0.2.60'],
      ['for=192.0.2.60:_hidden', '192.0.2.60'],
      ['for=[2001:db8:cafe::17]:4711', '2001:db8:cafe:0::/64'],
      // A comma inside a quoted string does not end the element.
      ['for=198.51.100.1, for=192.0.2.60;host="a, for=198.51.100.2"', '192.0.2.60'],
      // A quote the client left open (a second header line, joined with ", ") cannot swallow the
      // proxy's element.
      ['for="198.51.100.1, for=192.0.2.60', '192.0.2.60'],
    ];
    for (const [value, address] of cases) {
      const { told, report } = recorder();
      const source = fromProxy({ forwarded: value });
      expect(clientAddress(source, 'forwarded', report), value).toBe(address);
      expect(clientAddress(source, 'Forwarded', report), value).toBe(address);
      expect(told, value).toEqual([]);
    }
  });

  it('counts the peer and reports no address when the right-most element gives none, whatever is to its left', () => {
    const cases: [header: string, value: string][] = [
      ['x-forwarded-for', '203.0.113.7, unknown'],
      ['x-forwarded-for', '203.0.113.7, '],
      ['x-forwarded-for', '203.0.113.7,'],
      ['x-forwarded-for', ''],
      ['x-forwarded-for', '203.0.113.7, [203.0.113.8]'],
      ['x-forwarded-for', '203.0.113.7, 203.0.113.8:port'],
      ['x-forwarded-for', '203.0.113.7, 203.0.113.8 x'],
      ['x-forwarded-for', '203.0.113.7, [2001:db8::1'],
      ['x-forwarded-for', '203.0.113.7, proxy.example'],
      ['forwarded', 'for=203.0.113.7, for=unknown'],
      ['forwarded', 'for=203.0.113.7, for="unknown:4711"'],
      ['forwarded', 'for=203.0.113.7, for=_hidden'],
      ['forwarded', 'for=203.0.113.7, for="_SEVKISEK:4711"'],
      ['forwarded', 'for=203.0.113.7, proto=https;by=203.0.113.43'],
      ['forwarded', 'for=203.0.113.7, for=198.51.100.1;for=198.51.100.2'],
      ['forwarded', 'for=203.0.113.7, for="198.51.100.1'],
      ['forwarded', 'for=203.0.113.7, for=198.51.100.1 junk'],
      ['forwarded', 'for=203.0.113.7, 198.51.100.1'],
      ['forwarded', 'for=203.0.113.7, '],
    ];
    for (const [header, value] of cases) {
      const { told, report } = recorder();
      expect(clientAddress(fromProxy({ [header]: value }), header, report), value).toBe(peer);
      expect(told, value).toEqual([[header, 'not-an-address']]);
    }
  });

  it('counts the peer and reports a missing header, and reports nothing when none is trusted', () => {
    const { told, report } = recorder();
    const source = fromProxy({ 'x-real-ip': '203.0.113.7' });
    expect(clientAddress(source, 'forwarded', report)).toBe(peer);
    expect(clientAddress(source, undefined, report)).toBe(peer);
    expect(told).toEqual([['forwarded', 'missing']]);
  });
});

describe('the warning about an unusable proxy header', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is logged at most once a minute, naming the header and the problem but not the value', () => {
    let now = 1_700_000_000_000;
    const warn = vi.fn();
    const report = createProxyHeaderWarner({ log: { warn }, now: () => now });
    const unusable = fromProxy({
      'x-forwarded-for': '198.51.100.99, not-an-address-198.51.100.98',
    });
    const missing = fromProxy();

    expect(clientAddress(unusable, 'x-forwarded-for', report)).toBe(peer);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toEqual({
      event: 'trusted-proxy-header',
      header: 'x-forwarded-for',
      problem: 'not-an-address',
      unreported: 0,
    });

    now += 1_000;
    clientAddress(missing, 'x-forwarded-for', report);
    now += 58_999;
    clientAddress(unusable, 'x-forwarded-for', report);
    expect(warn).toHaveBeenCalledTimes(1);

    now += 1;
    clientAddress(missing, 'x-forwarded-for', report);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toEqual({
      event: 'trusted-proxy-header',
      header: 'x-forwarded-for',
      problem: 'missing',
      unreported: 2,
    });

    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).not.toContain('198.51.100');
    expect(logged).not.toContain(peer);
  });

  it('goes to the process log by default', () => {
    const warn = vi.spyOn(logger, 'warn');
    clientAddress(fromProxy(), 'x-forwarded-for');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ header: 'x-forwarded-for', problem: 'missing' });
  });
});

describe('TRUSTED_PROXY_HEADER', () => {
  it('accepts any one HTTP header name, in any case', () => {
    for (const [name, header] of [
      ['Forwarded', 'forwarded'],
      [' X-Forwarded-For ', 'x-forwarded-for'],
      ['X_Client_IP', 'x_client_ip'],
      ['x.real.ip', 'x.real.ip'],
      ['a'.repeat(64), 'a'.repeat(64)],
    ] as const) {
      expect(rateLimitsFromEnv({ TRUSTED_PROXY_HEADER: name }).trustedProxyHeader, name).toBe(
        header,
      );
    }
  });

  it('stops the start on a value that is not one header name, quoting it', () => {
    for (const name of [
      'x-forwarded-for: evil',
      'x forwarded for',
      'x-forwarded-for,forwarded',
      '"forwarded"',
      'x-real\nip',
      'x-forwarded-für',
      'a'.repeat(65),
    ]) {
      expect(() => rateLimitsFromEnv({ TRUSTED_PROXY_HEADER: name }), name).toThrow(
        `TRUSTED_PROXY_HEADER must be one HTTP header name`,
      );
      expect(() => rateLimitsFromEnv({ TRUSTED_PROXY_HEADER: name }), name).toThrow(
        JSON.stringify(name),
      );
    }
  });
});
