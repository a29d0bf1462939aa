import type { FastifySchemaCompiler } from 'fastify';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

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
  ajv.addFormat('iso-instant', (text: string) => ISO_INSTANT.test(text) && !Number.isNaN(Date.parse(text)));
  ajv.addFormat('time-zone', isTimeZone);
  return ajv;
}

// Bodies are JSON and must carry the right types ("5" is not a ticket count); query strings and
// path segments are text by nature and are coerced.
const bodyAjv = createAjv({ coerceTypes: false });
const urlAjv = createAjv({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : urlAjv).compile(schema) as ReturnType<FastifySchemaCompiler<object>>;

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
