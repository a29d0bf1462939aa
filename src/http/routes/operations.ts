import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import type { BoxofficeStore } from '../../services/ports.js';

export interface OperationsOptions {
  store: Pick<BoxofficeStore, 'ping'>;
}

const Health = Type.Object({ status: Type.String() });

export const operationsRoutes: FastifyPluginAsyncTypebox<OperationsOptions> = async (app, { store }) => {
  app.get('/healthz', { config: { rateLimit: false }, schema: { response: { 200: Health } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { rateLimit: false }, schema: { response: { 200: Health } } }, async () => {
    try {
      await store.ping();
    } catch (error) {
      throw new DomainError('UNAVAILABLE', 'The database is not reachable.', {}, { cause: error });
    }
    return { status: 'ready' };
  });
};
