import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl, parseDuration } from '../src/config.js';

describe('parseDuration', () => {
  it.each([
    ['60000', 60_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1 minute', 60_000],
    ['2 hours', 7_200_000],
    ['1.5s', 1_500],
    ['250ms', 250],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-5s', '10 fortnights', '1h30m'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseDatabaseUrl', () => {
  it('defaults to the SQLite file ./data/boxoffice.db', () => {
    expect(parseDatabaseUrl(undefined)).toEqual({ engine: 'sqlite', location: './data/boxoffice.db' });
  });

  it.each([
    ['sqlite:/tmp/x.db', 'sqlite', '/tmp/x.db'],
    ['sqlite://./rel.db', 'sqlite', './rel.db'],
    ['postgres://u@h/db', 'postgres', 'postgres://u@h/db'],
    ['postgresql://u@h/db', 'postgres', 'postgresql://u@h/db'],
    ['mysql://root@h/db', 'mysql', 'mysql://root@h/db'],
    ['mariadb://root@h/db', 'mysql', 'mysql://root@h/db'],
  ])('reads %s', (url, engine, location) => {
    expect(parseDatabaseUrl(url)).toEqual({ engine, location });
  });
});

describe('loadConfig', () => {
  it('has safe defaults: 127.0.0.1:3000, no built-in password, open booking off', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, adminUser: 'admin', openBooking: false, workers: 1 });
    expect(config.adminPasswordGenerated).toBe(true);
    expect(config.adminPassword.length).toBeGreaterThanOrEqual(20);
    expect(loadConfig({}).adminPassword).not.toBe(config.adminPassword);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['OPEN_BOOKING', 'maybe'],
    ['TOKEN_TTL', 'forever'],
    ['RATE_LIMIT_WINDOW', '0'],
    ['RATE_LIMIT_MAX', '-1'],
    ['DATABASE_URL', 'oracle://x'],
    ['REDIS_URL', 'http://x'],
    ['ADMIN_PASSWORD', 'short'],
    ['WORKERS', '0'],
    ['WEBHOOK_TIMEOUT', 'soon'],
    ['WEBHOOK_RETRY_FOR', '0'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['PUBLIC_URL', 'ftp://tickets.example.com'],
  ])('stops on an invalid %s, naming it', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it('refuses several workers on SQLite', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(/^WORKERS: /);
    expect(loadConfig({ WORKERS: '2', DATABASE_URL: 'postgres://x@y/z' }).workers).toBe(2);
  });

  it('reads webhook and e-mail settings, durations in the human form; e-mail is off unless both SMTP_URL and MAIL_FROM are set', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).deliveries).toEqual({
      timeoutMs: 10_000,
      retryForMs: 24 * 3_600_000,
      mail: null,
      publicUrl: 'http://0.0.0.0:8080',
    });
    const config = loadConfig({
      WEBHOOK_TIMEOUT: '5s',
      WEBHOOK_RETRY_FOR: '2 hours',
      SMTP_URL: 'smtps://user:pass@mail.example.com',
      MAIL_FROM: 'Boxoffice <tickets@example.com>',
      PUBLIC_URL: 'https://tickets.example.com',
    });
    expect(config.deliveries).toEqual({
      timeoutMs: 5_000,
      retryForMs: 7_200_000,
      mail: { smtpUrl: 'smtps://user:pass@mail.example.com', from: 'Boxoffice <tickets@example.com>' },
      publicUrl: 'https://tickets.example.com',
    });
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/^MAIL_FROM: /);
    expect(() => loadConfig({ MAIL_FROM: 'tickets@example.com' })).toThrow(/^SMTP_URL: /);
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25', MAIL_FROM: 'nobody' })).toThrow(/^MAIL_FROM: /);
  });

  it('requires AUTH_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/^AUTH_SECRET: /);
  });
});
