import { randomBytes } from 'node:crypto';
import { DEFAULT_BATCH_LIMITS } from './services/event-batcher.js';

export type DatabaseEngine = 'sqlite' | 'postgres' | 'mysql';

export interface DatabaseConfig {
  engine: DatabaseEngine;
  /** A file path for SQLite, the connection URL otherwise. */
  location: string;
  poolSize: number;
  statementTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  database: DatabaseConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  adminUser: string;
  adminPassword: string;
  /** True when ADMIN_PASSWORD was unset and the password above was made for this run. */
  adminPasswordGenerated: boolean;
  authSecret: string;
  /** True when AUTH_SECRET was unset (development): tokens die with the process. */
  authSecretGenerated: boolean;
  tokenTtlMs: number;
  openBooking: boolean;
  /** `max` requests per client per window; 0 turns limiting off. `authMax` bounds sign-up and sign-in per IP. */
  rateLimit: { max: number; windowMs: number; authMax: number };
  redisUrl: string | null;
  workers: number;
  /** How long start-up waits for an unreachable database before giving up. */
  databaseConnectTimeoutMs: number;
  /** Group commit: concurrent commands for one event share one transaction. */
  batch: { maxSize: number; maxQueue: number };
  /** Webhook and e-mail deliveries from the audit log. */
  deliveries: DeliverySettings;
  /** On SQLite, bookings a private, throw-away app takes before the server listens, so the first buyers meet compiled code; 0: none. */
  warmUpBookings: number;
}

export interface DeliverySettings {
  /** WEBHOOK_TIMEOUT: a 2xx later than this is a failed attempt (also bounds an SMTP exchange). */
  timeoutMs: number;
  /** WEBHOOK_RETRY_FOR: how long a failing delivery is retried before it is marked failed. */
  retryForMs: number;
  /** SMTP_URL and MAIL_FROM; null when e-mail is off. */
  mail: { smtpUrl: string; from: string } | null;
  /** PUBLIC_URL: where links in e-mails point. */
  publicUrl: string;
}

/** A configuration value that stops the start; the message names the variable. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export const DEFAULT_SQLITE_PATH = './data/boxoffice.db';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Milliseconds from `90000`, `90s`, `15m`, `1h`, `1 minute`; null when the text is none of these. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return null;
  const unit = DURATION_UNITS[(match[2] || 'ms').toLowerCase()];
  if (unit === undefined) return null;
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(ms) ? ms : null;
}

export function parseDatabaseUrl(url: string | undefined): Pick<DatabaseConfig, 'engine' | 'location'> {
  if (url === undefined || url.trim() === '') return { engine: 'sqlite', location: DEFAULT_SQLITE_PATH };
  const value = url.trim();
  const scheme = /^([a-z0-9+]+):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const path = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:./data/boxoffice.db');
    return { engine: 'sqlite', location: path };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') return { engine: 'postgres', location: value };
  if (scheme === 'mysql' || scheme === 'mariadb') {
    return { engine: 'mysql', location: value.replace(/^mariadb:/i, 'mysql:') };
  }
  throw new ConfigError('DATABASE_URL', `unsupported scheme; use sqlite:PATH, postgres://… or mysql://… (got "${value}")`);
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function duration(env: Env, name: string, fallbackMs: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === null || ms < 1) {
    throw new ConfigError(name, `must be a duration such as 60000, 90s, 15m, 1h or "1 minute" (got "${raw}")`);
  }
  return ms;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function url(env: Env, name: string, schemes: readonly string[]): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL (got "${raw}")`);
  }
  if (!schemes.includes(parsed.protocol)) throw new ConfigError(name, `must use ${schemes.join(' or ')}`);
  return raw;
}

function mailSettings(env: Env): DeliverySettings['mail'] {
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const from = read(env, 'MAIL_FROM');
  if (smtpUrl === null && from === undefined) return null;
  if (smtpUrl === null) throw new ConfigError('SMTP_URL', 'must be set (smtp://… or smtps://…) when MAIL_FROM is');
  if (from === undefined) throw new ConfigError('MAIL_FROM', 'must be set when SMTP_URL is, e.g. "Boxoffice <tickets@example.com>"');
  if (!/^[^@\s<>]+@[^@\s<>]+$|<[^@\s<>]+@[^@\s<>]+>$/.test(from)) {
    throw new ConfigError('MAIL_FROM', `must be an address or "Name <address>" (got "${from}")`);
  }
  return { smtpUrl, from };
}

function deliverySettings(env: Env): DeliverySettings {
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const port = read(env, 'PORT') ?? '3000';
  return {
    timeoutMs: duration(env, 'WEBHOOK_TIMEOUT', 10_000),
    retryForMs: duration(env, 'WEBHOOK_RETRY_FOR', 24 * 3_600_000),
    mail: mailSettings(env),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}

/** Reads and validates the environment once; the result is frozen. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const database = parseDatabaseUrl(env.DATABASE_URL);
  const production = read(env, 'NODE_ENV') === 'production';
  const authSecret = read(env, 'AUTH_SECRET') ?? null;
  if (authSecret !== null && authSecret.length < 32) {
    throw new ConfigError('AUTH_SECRET', 'must be at least 32 characters');
  }
  if (production && authSecret === null) {
    throw new ConfigError('AUTH_SECRET', 'is required when NODE_ENV=production');
  }
  const adminPassword = env.ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword !== '' && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 8 characters');
  }
  const adminUser = read(env, 'ADMIN_USER') ?? 'admin';
  if (adminUser.includes(':')) throw new ConfigError('ADMIN_USER', 'must not contain ":" (HTTP Basic separator)');
  const config: Config = {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: read(env, 'HOST') ?? '127.0.0.1',
    database: {
      ...database,
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: duration(env, 'DATABASE_STATEMENT_TIMEOUT', 10_000),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    adminUser,
    adminPassword: adminPassword || randomBytes(18).toString('base64url'),
    adminPasswordGenerated: !adminPassword,
    authSecret: authSecret ?? randomBytes(32).toString('base64url'),
    authSecretGenerated: authSecret === null,
    tokenTtlMs: duration(env, 'TOKEN_TTL', 3_600_000),
    openBooking: boolean(env, 'OPEN_BOOKING', false),
    rateLimit: {
      max: integer(env, 'RATE_LIMIT_MAX', 300, 0, 1_000_000_000),
      windowMs: duration(env, 'RATE_LIMIT_WINDOW', 60_000),
      authMax: integer(env, 'AUTH_RATE_LIMIT_MAX', 30, 1, 1_000_000),
    },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    workers: integer(env, 'WORKERS', 1, 1, 64),
    databaseConnectTimeoutMs: duration(env, 'DATABASE_CONNECT_TIMEOUT', 30_000),
    batch: {
      maxSize: integer(env, 'BATCH_MAX_SIZE', DEFAULT_BATCH_LIMITS.maxSize, 1, 10_000),
      maxQueue: integer(env, 'BATCH_MAX_QUEUE', DEFAULT_BATCH_LIMITS.maxQueue, 1, 1_000_000),
    },
    deliveries: deliverySettings(env),
    warmUpBookings: integer(env, 'WARM_UP_BOOKINGS', 1_000, 0, 100_000),
  };
  if (config.workers > 1 && config.database.engine === 'sqlite') {
    throw new ConfigError('WORKERS', 'must be 1 with SQLite (one writer process); use PostgreSQL or MySQL to run several app processes');
  }
  return Object.freeze(config);
}

/** Adds the variables of `.env` (when there is one) to the environment; variables already set win. */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError('.env', (error as Error).message);
  }
}
