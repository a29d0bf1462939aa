import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE } from '../helpers/engines.js';
import { asAdmin } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
    t.app.get('/test-page', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><p>page</p>'));
  });
  afterAll(async () => t.close());

  it('puts the API set on answers no browser renders as a page: JSON, problems, health', async () => {
    const answers = await Promise.all([
      t.app.inject({ method: 'GET', url: '/healthz' }),
      t.app.inject({ method: 'GET', url: '/api/v1/events/missing' }),
      t.app.inject({ method: 'POST', url: '/api/v1/events', headers: asAdmin({ 'content-type': 'application/json' }), payload: '{' }),
    ]);
    for (const answer of answers) {
      expect(answer.headers).toMatchObject({
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'cross-origin-resource-policy': 'same-origin',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
      });
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it("puts Helmet's full set with a same-origin Content-Security-Policy on a page", async () => {
    const page = await t.app.inject({ method: 'GET', url: '/test-page' });
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(page.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
    });
  });

  it('lets Swagger UI keep a policy of its own on its page', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toContain('validator.swagger.io');
    expect(docs.headers['referrer-policy']).toBe('no-referrer');
  });
});
