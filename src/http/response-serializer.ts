import type { FastifySerializerCompiler } from 'fastify';
import fastJson, { type Schema } from 'fast-json-stringify';

type SchemaNode = Record<string, unknown>;

const isNode = (value: unknown): value is SchemaNode => typeof value === 'object' && value !== null && !Array.isArray(value);
const COMBINATORS = ['anyOf', 'oneOf', 'allOf'];

/** A branch that a `typeof` check tells apart from null: one plain type, no union of its own. */
function isPlainTyped(branch: SchemaNode): branch is SchemaNode & { type: string } {
  return typeof branch.type === 'string' && branch.type !== 'null' && !COMBINATORS.some((keyword) => keyword in branch);
}

/**
 * The same schema with `anyOf: [T, null]` written `type: [T, "null"]` and unions of string literals as a
 * plain string. fast-json-stringify picks an anyOf branch by running Ajv on the value, formats included,
 * for every nullable field of every answer (date-time checks alone were 2 % of the HTTP stack); a type
 * list is a `typeof`. What is written does not change: our answers always match one branch.
 */
export function withPlainUnions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withPlainUnions);
  if (!isNode(schema)) return schema;
  const node: SchemaNode = {};
  for (const [key, value] of Object.entries(schema)) node[key] = withPlainUnions(value);
  const branches = node.anyOf;
  if (!Array.isArray(branches) || !branches.every(isNode)) return node;
  const { anyOf: _union, ...siblings } = node;
  const nulls = branches.filter((branch) => branch.type === 'null' && Object.keys(branch).length === 1);
  const others = branches.filter((branch) => !nulls.includes(branch));
  const [only] = others;
  if (nulls.length === 1 && others.length === 1 && only && isPlainTyped(only)) {
    return { ...siblings, ...only, type: [only.type, 'null'] };
  }
  if (nulls.length === 0 && branches.every((branch) => branch.type === 'string' && 'const' in branch)) {
    return { ...siblings, type: 'string' };
  }
  return node;
}

/** Fastify's response serialiser (fast-json-stringify), compiled from schemas whose unions need no validator. */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => fastJson(withPlainUnions(schema) as Schema);
