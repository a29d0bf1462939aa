import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebhookService } from '../../services/webhook-service.js';
import { requireAdmin } from '../auth.js';
import {
  CreateWebhookBody,
  CreatedWebhook,
  DeliveryPage,
  PageQuery,
  TestDelivery,
  WebhookEnvelope,
  WebhookList,
  WebhookParams,
} from '../schemas.js';

export interface WebhookRoutesOptions {
  webhooks: WebhookService;
}

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, { webhooks }) => {
  app.addHook('preHandler', async (request) => requireAdmin(request.caller));

  app.post('/webhooks', { schema: { body: CreateWebhookBody, response: { 201: CreatedWebhook } } }, async (request, reply) => {
    const { secret, ...webhook } = await webhooks.create(request.body);
    return reply.code(201).send({ webhook, secret });
  });

  app.get('/webhooks', { schema: { response: { 200: WebhookList } } }, async () => ({ webhooks: await webhooks.list() }));

  app.delete('/webhooks/:id', { schema: { params: WebhookParams, response: { 200: WebhookEnvelope } } }, async (request) => ({
    webhook: await webhooks.delete(request.params.id),
  }));

  app.get(
    '/webhooks/:id/deliveries',
    { schema: { params: WebhookParams, querystring: PageQuery, response: { 200: DeliveryPage } } },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.post('/webhooks/:id/test', { schema: { params: WebhookParams, response: { 200: TestDelivery } } }, async (request) =>
    webhooks.sendTest(request.params.id),
  );
};
