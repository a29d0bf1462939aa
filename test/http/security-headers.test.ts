import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE } from '../helpers/engines.js';
import { asAdmin } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
  });
  afterAll(async () => t.close());

  it("puts Helmet's headers with a same-origin Content-Security-Policy on API answers, problems and the page", async () => {
    const answers = await Promise.all([
      t.app.inject({ method: 'GET', url: '/healthz' }),
      t.app.inject({ method: 'GET', url: '/api/v1/events/missing' }),
      t.app.inject({ method: 'POST', url: '/api/v1/events', headers: asAdmin({ 'content-type': 'application/json' }), payload: '{' }),
      t.app.inject({ method: 'GET', url: '/' }),
    ]);
    for (const answer of answers) {
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(answer.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('lets Swagger UI keep a policy of its own', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toContain('validator.swagger.io');
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
  });
});
