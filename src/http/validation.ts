import type { FastifySchemaCompiler } from 'fastify';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { DomainError, type FieldError } from '../domain/errors.js';

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** An ISO 8601 date or date-time naming a real day and time: 2027-02-30 and 24:00 are not. */
export function isInstant(text: string): boolean {
  const parts = ISO_INSTANT.exec(text);
  if (!parts) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts.slice(1, 7).map((part) => Number(part ?? 0));
  const offsetHours = Number(parts[9] ?? 0);
  const offsetMinutes = Number(parts[10] ?? 0);
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysIn(year!, month!) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59 &&
    !Number.isNaN(Date.parse(normalizeInstant(text)))
  );
}

/**
 * The form a start time is stored in: fractional seconds cut to milliseconds (what a JS date holds,
 * and what keeps the longest form within the 32-character column), the offset as ±HH:MM.
 */
export function normalizeInstant(text: string): string {
  const parts = ISO_INSTANT.exec(text);
  if (!parts) return text;
  const [, year, month, day, hour, minute, second, fraction, zone, offsetHours, offsetMinutes] = parts;
  if (hour === undefined) return `${year}-${month}-${day}`;
  const seconds = second === undefined ? '' : `:${second}${fraction === undefined ? '' : `.${fraction.slice(0, 3)}`}`;
  const offset = zone === undefined || zone === 'Z' ? (zone ?? '') : `${zone[0]}${offsetHours}:${offsetMinutes}`;
  return `${year}-${month}-${day}T${hour}:${minute}${seconds}${offset}`;
}

/** An IANA zone name this runtime knows, e.g. Europe/Berlin or UTC. */
function isTimeZone(text: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/.test(text)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options });
  addFormats.default(ajv);
  ajv.addFormat('iso-instant', isInstant);
  ajv.addFormat('time-zone', isTimeZone);
  // Rewrites a valid instant into its stored form, so what is audited and stored is the same text.
  ajv.addKeyword({
    keyword: 'x-normalize-instant',
    type: 'string',
    modifying: true,
    errors: false,
    validate: (
      _schema: unknown,
      data: string,
      _parent: unknown,
      context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number },
    ) => {
      if (context && isInstant(data)) context.parentData[context.parentDataProperty] = normalizeInstant(data);
      return true;
    },
  });
  return ajv;
}

// Bodies are JSON and must carry the right types ("5" is not a ticket count); path segments are text
// and are coerced; query integers are decimal digits only (see decimalQueryIntegers).
const bodyAjv = createAjv({ coerceTypes: false });
const paramsAjv = createAjv({ coerceTypes: 'array' });
const queryAjv = createAjv({ coerceTypes: false });

const DECIMAL = /^[0-9]{1,16}$/;

type Validator = ((data: unknown) => boolean) & { errors?: ValidateFunction['errors'] };

/**
 * A query string's integers as plain decimal digits within 2^53-1: Ajv's own coercion would take
 * `1e1`, `0x10`, ` 5` and `5.0`, and round numbers too large to be exact.
 */
function decimalQueryIntegers(schema: { properties?: Record<string, { type?: unknown }> }, validate: ValidateFunction): Validator {
  const integers = Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
  const validator: Validator = (data) => {
    if (data && typeof data === 'object') {
      const query = data as Record<string, unknown>;
      for (const name of integers) {
        const raw = query[name];
        if (typeof raw === 'string' && DECIMAL.test(raw) && Number.isSafeInteger(Number(raw))) query[name] = Number(raw);
      }
    }
    const valid = validate(data);
    validator.errors = validate.errors;
    return valid;
  };
  return validator;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  if (httpPart === 'body') return bodyAjv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
  if (httpPart === 'querystring')
    return decimalQueryIntegers(schema, queryAjv.compile(schema)) as ReturnType<FastifySchemaCompiler<object>>;
  return paramsAjv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
};

// A NUL, or half of a surrogate pair without its other half (matched per UTF-16 code unit, hence no u flag).
// eslint-disable-next-line no-control-regex -- finding NUL is this pattern's purpose.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text every engine stores as given: well-formed Unicode (no lone surrogate) without NUL. */
function isStorableText(text: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(text);
}

interface TextNode {
  value: unknown;
  key: string;
  parent: TextNode | null;
}

const pathOf = (node: TextNode): string => {
  const keys: string[] = [];
  for (let at: TextNode | null = node; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('/');
};

const MAX_REPORTED = 10;

/**
 * Walks with a stack of its own, and spells a path out only for what it reports: a 16 KiB body can
 * nest thousands of arrays deep.
 */
function malformedText(root: unknown, rootPath: string, found: FieldError[]): void {
  const pending: TextNode[] = [{ value: root, key: rootPath, parent: null }];
  for (let node = pending.pop(); node && found.length < MAX_REPORTED; node = pending.pop()) {
    const { value } = node;
    if (typeof value === 'string') {
      if (!isStorableText(value)) found.push({ path: pathOf(node), message: 'must be well-formed Unicode text without NUL characters' });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, key: String(index), parent: node }));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const name = isStorableText(key) ? key : key.replace(UNSTORABLE, '\uFFFD');
        const child: TextNode = { value: item, key: name, parent: node };
        if (name !== key) found.push({ path: pathOf(child), message: 'field names must be well-formed Unicode without NUL characters' });
        pending.push(child);
      }
    }
  }
}

/** A record one level deep whose names and text are all storable: most requests, checked without building paths. */
function isFlatAndStorable(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'object' && item !== null) return false;
    if (!isStorableText(key) || (typeof item === 'string' && !isStorableText(item))) return false;
  }
  return true;
}

/** Refuses a NUL or a lone surrogate anywhere in the path parameters, the query string or the body. */
export function refuseMalformedText(request: { params: unknown; query: unknown; body: unknown }): void {
  if (isFlatAndStorable(request.params) && isFlatAndStorable(request.query) && isFlatAndStorable(request.body)) return;
  const found: FieldError[] = [];
  malformedText(request.params, '/params', found);
  malformedText(request.query, '/query', found);
  malformedText(request.body, '/body', found);
  if (found.length > 0) {
    throw new DomainError('VALIDATION_FAILED', 'Text must be well-formed Unicode without NUL characters.', { errors: found });
  }
}

// A password is exactly what its owner typed.
const UNTRIMMED = new Set(['password']);

/** Trims the body's top-level strings before validation, so bounds apply to what is stored. */
export function trimBodyStrings(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const record = body as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string' && !UNTRIMMED.has(key)) record[key] = value.trim();
  }
}
