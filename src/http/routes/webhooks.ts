import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Webhook, WebhookWithSecret } from '../../domain/webhook.js';
import type { TestDelivery as TestDeliveryResult, WebhookService } from '../../services/webhook-service.js';
import { asIs, replyOnce } from '../idempotency-key.js';
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

  // A repeat gets the first answer, secret included: it is in the database already (deliveries are signed with it).
  app.post('/webhooks', { schema: { body: CreateWebhookBody, response: { 201: CreatedWebhook } } }, async (request, reply) =>
    replyOnce(
      request,
      reply,
      201,
      ({ secret, ...webhook }: WebhookWithSecret) => ({ webhook, secret }),
      (receipt) => webhooks.create(request.body, receipt),
    ),
  );

  app.get('/webhooks', { schema: { response: { 200: WebhookList } } }, async () => ({ webhooks: await webhooks.list() }));

  app.delete('/webhooks/:id', { schema: { params: WebhookParams, response: { 200: WebhookEnvelope } } }, async (request, reply) =>
    replyOnce(
      request,
      reply,
      200,
      (webhook: Webhook) => ({ webhook }),
      (receipt) => webhooks.delete(request.params.id, receipt),
    ),
  );

  app.get(
    '/webhooks/:id/deliveries',
    { schema: { params: WebhookParams, querystring: PageQuery, response: { 200: DeliveryPage } } },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.post('/webhooks/:id/test', { schema: { params: WebhookParams, response: { 200: TestDelivery } } }, async (request, reply) =>
    replyOnce(request, reply, 200, asIs<TestDeliveryResult>, (receipt) => webhooks.sendTest(request.params.id, receipt)),
  );
};
