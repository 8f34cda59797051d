import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '#shared/schemas/common.js';
import { BoardParams } from '#shared/schemas/boards.js';
import {
  NewWebhook,
  WEBHOOK_LIMITS,
  Webhook,
  WebhookChange,
  WebhookList,
  WebhookParams,
} from '#shared/schemas/webhooks.js';
import { badRequest, conflict, notFound } from '#server/errors.js';
import { authorize } from '#server/features/boards/authorization.js';
import { maskUrl, webhookUrlProblem } from './webhook-url.js';
import {
  changeWebhook,
  deleteWebhook,
  findWebhook,
  insertWebhook,
  listWebhooks,
  type WebhookRow,
} from './webhooks.repository.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** A webhook as the API answers it: the URL masked, always. */
function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    kind: row.kind,
    maskedUrl: maskUrl(row.url),
    events: row.events,
    status: row.disabledAt ? 'disabled' : row.failures > 0 ? 'failing' : 'active',
    failures: row.failures,
    lastError: row.lastError,
    lastDeliveredAt: row.lastDeliveredAt?.toISOString() ?? null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * A board's chat webhooks, for its owners only: a webhook URL is a secret that lets anyone post to the
 * channel, and even the list says where the board posts. Deliveries are queued (see webhooks.service.ts).
 */
export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['webhooks'];

  app.get(
    '/api/boards/:boardId/webhooks',
    { schema: { tags, params: BoardParams, response: { 200: WebhookList, ...errors } } },
    async (request) => {
      await authorize(request, request.params.boardId, 'webhooks:manage');
      return { items: (await listWebhooks(app.sql, request.params.boardId)).map(toWebhook) };
    },
  );

  app.post(
    '/api/boards/:boardId/webhooks',
    {
      schema: {
        tags,
        description:
          'Adds an incoming webhook of Slack, Discord, Mattermost or Teams. The URL must be the platform’s ' +
          '(https; any https host for Mattermost) and is never answered in full again.',
        params: BoardParams,
        body: NewWebhook,
        response: { 201: Webhook, ...errors },
      },
    },
    async (request, reply) => {
      const { boardId } = request.params;
      const { user } = await authorize(request, boardId, 'webhooks:manage');
      const { kind, url, events } = request.body;
      const problem = webhookUrlProblem(kind, url.trim(), app.config.webhooks.allowPrivateUrls);
      if (problem) throw badRequest(`body/url ${problem}`);
      const row = await insertWebhook(
        app.sql,
        { boardId, kind, url: url.trim(), events, createdBy: user.id },
        WEBHOOK_LIMITS.perBoard,
      );
      if (!row) throw conflict(`a board has at most ${WEBHOOK_LIMITS.perBoard} webhooks`);
      return reply.status(201).send(toWebhook(row));
    },
  );

  app.patch(
    '/api/boards/:boardId/webhooks/:webhookId',
    {
      schema: {
        tags,
        description:
          'Re-enables a disabled webhook (its failure count starts again), pauses one, or changes its events.',
        params: WebhookParams,
        body: WebhookChange,
        response: { 200: Webhook, ...errors },
      },
    },
    async (request) => {
      const { boardId, webhookId } = request.params;
      await authorize(request, boardId, 'webhooks:manage');
      if (!(await changeWebhook(app.sql, boardId, webhookId, request.body))) throw notFound('webhook');
      return toWebhook((await findWebhook(app.sql, boardId, webhookId))!);
    },
  );

  app.delete(
    '/api/boards/:boardId/webhooks/:webhookId',
    { schema: { tags, params: WebhookParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const { boardId, webhookId } = request.params;
      await authorize(request, boardId, 'webhooks:manage');
      if (!(await deleteWebhook(app.sql, boardId, webhookId))) throw notFound('webhook');
      return reply.status(204).send(null);
    },
  );
};
