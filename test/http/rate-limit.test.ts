import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE } from '../helpers/engines.js';
import { signUp } from '../helpers/accounts.js';
import { asAdmin } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe('rate limiting per client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE, { rateLimitMax: 3, authRateLimitMax: 1000 });
  });
  afterAll(async () => t.close());

  it('answers the request past the budget with 429 RATE_LIMITED, Retry-After and RateLimit headers', async () => {
    const user = await signUp(t.app);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: user.headers }));
    expect(answers.slice(0, 3).map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(answers[0]?.headers['ratelimit-limit']).toBe('3');
    expect(answers[0]?.headers['ratelimit-remaining']).toBe('2');
    const refused = answers[3];
    expect(refused?.statusCode).toBe(429);
    expect(refused?.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused?.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });

  it('gives each signed-in user a budget of their own', async () => {
    const [first, second] = [await signUp(t.app), await signUp(t.app)];
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: first.headers });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: first.headers })).statusCode).toBe(429);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: second.headers })).statusCode).toBe(200);
  });

  it('counts the admin as one client', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: asAdmin() })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('counts attempts with wrong credentials against the caller’s address', async () => {
    const wrong = { authorization: `Basic ${Buffer.from('admin:guess').toString('base64')}` };
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await t.app.inject({ method: 'GET', url: '/api/v1/events', headers: wrong, remoteAddress: '10.9.8.7' })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('never limits /healthz and /readyz', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/readyz', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    }
  });
});

describe('stricter limits on sign-up and sign-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE, { rateLimitMax: 100, authRateLimitMax: 2 });
  });
  afterAll(async () => t.close());

  it('refuses the third sign-in attempt from one address in the window', async () => {
    const attempt = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        payload: { email: 'x@example.com', password: 'guess guess' },
        remoteAddress: '10.2.2.2',
      });
    expect([(await attempt()).statusCode, (await attempt()).statusCode, (await attempt()).statusCode]).toEqual([401, 401, 429]);
  });
});

describe('rate limit off', () => {
  it('RATE_LIMIT_MAX=0 sends no RateLimit headers and never 429', async () => {
    const t = await createTestApp(SQLITE, { rateLimitMax: 0 });
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/events' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
    await t.close();
  });
});

describe.runIf(process.env.TEST_REDIS_URL)('rate limits shared through Redis', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? '';
  const clients: Redis[] = [];
  const apps: TestApp[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      clients.push(redis);
      apps.push(await createTestApp(SQLITE, { rateLimitMax: 4, redis }));
    }
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const redis of clients) await redis.quit();
  });

  it('two app instances draw on one budget per client', async () => {
    const [one, two] = apps as [TestApp, TestApp];
    // A user registered on one instance exists only in that instance's database; the budget key is what is shared.
    const user = await signUp(one.app);
    const token = user.headers;
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const target = i % 2 === 0 ? one : two;
      statuses.push((await target.app.inject({ method: 'GET', url: '/healthz' })).statusCode);
      statuses.push((await target.app.inject({ method: 'GET', url: '/api/v1/events', headers: token })).statusCode);
    }
    expect(statuses.filter((_, i) => i % 2 === 1)).toEqual([200, 200, 200, 200]);
    expect((await one.app.inject({ method: 'GET', url: '/api/v1/events', headers: token })).statusCode).toBe(429);
    expect((await two.app.inject({ method: 'GET', url: '/api/v1/events', headers: token })).statusCode).toBe(429);
  });
});
