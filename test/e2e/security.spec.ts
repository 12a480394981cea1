/**
 * The portal's security headers in a real browser (issue 12, "Attacks"): a strict
 * Content-Security-Policy that lets the portal's own pages run and blocks injected script,
 * `X-Content-Type-Options`, `Referrer-Policy`, no framing, and form actions that refuse
 * cross-origin posts.
 */
import { expect, test, type ConsoleMessage } from '@playwright/test';

const pages = ['/', '/companies', '/docs/api', '/login', '/imprint', '/privacy', '/accessibility'];

test('every page sends the security headers and runs without a policy violation', async ({
  page,
}) => {
  const violations: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect)/i.test(message.text())) {
      violations.push(`${page.url()}: ${message.text()}`);
    }
  });
  for (const path of pages) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    const headers = response!.headers();
    const csp = headers['content-security-policy'] ?? '';
    expect(csp, path).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-[^']+'/);
    expect(csp, path).not.toMatch(/'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("object-src 'none'");
    expect(csp, path).toContain("form-action 'self'");
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['referrer-policy'], path).toBe('same-origin');
    expect(headers['x-frame-options'], path).toBe('DENY');
    // Served over plain HTTP on loopback: no HSTS (it is sent only over TLS).
    expect(headers['strict-transport-security'], path).toBeUndefined();
    // The page hydrated: SvelteKit's own nonce'd script ran.
    await expect(page.locator('body')).toBeVisible();
  }
  expect(violations).toEqual([]);
});

test('script injected into a page does not run', async ({ page }) => {
  await page.goto('/companies');
  const outcome = await page.evaluate(async () => {
    const blocked = new Promise<string>((resolve) =>
      document.addEventListener('securitypolicyviolation', (event) =>
        resolve(event.violatedDirective),
      ),
    );
    const script = document.createElement('script');
    script.textContent = 'window.__pwned = true';
    document.body.append(script);
    const handler = document.createElement('img');
    handler.setAttribute('src', 'data:,');
    handler.setAttribute('onerror', 'window.__pwned = true');
    document.body.append(handler);
    const directive = await Promise.race([
      blocked,
      new Promise<string>((resolve) => setTimeout(() => resolve('none'), 2000)),
    ]);
    return { directive, pwned: (window as { __pwned?: boolean }).__pwned === true };
  });
  expect(outcome.pwned).toBe(false);
  expect(outcome.directive).toMatch(/^script-src/);
});

test('the API answers with the same headers, and a cross-origin form post is refused', async ({
  request,
  baseURL,
}) => {
  const health = await request.get('/api/v1/health');
  expect(health.headers()['x-content-type-options']).toBe('nosniff');
  expect(health.headers()['referrer-policy']).toBe('same-origin');
  expect(health.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

  const foreign = await request.post('/language', {
    headers: {
      origin: 'https://evil.example',
      'content-type': 'application/x-www-form-urlencoded',
    },
    data: 'lang=en&redirect=/',
    maxRedirects: 0,
  });
  expect(foreign.status()).toBe(403);
  const own = await request.post('/language', {
    headers: { origin: baseURL!, 'content-type': 'application/x-www-form-urlencoded' },
    data: 'lang=en&redirect=/',
    maxRedirects: 0,
  });
  expect(own.status()).toBeLessThan(400);
});

test('a method a route does not take is a 405 problem that names the methods it does', async ({
  request,
}) => {
  for (const method of ['PUT', 'GET']) {
    const answer = await request.fetch('/api/v1/offers', { method, maxRedirects: 0 });
    expect(answer.status(), method).toBe(405);
    expect(answer.headers()['content-type'], method).toBe('application/problem+json');
    expect(answer.headers()['allow'], method).toMatch(/\bPOST\b/);
    expect(await answer.json(), method).toMatchObject({
      code: 'method-not-allowed',
      title: 'Method Not Allowed',
      status: 405,
    });
  }
});
