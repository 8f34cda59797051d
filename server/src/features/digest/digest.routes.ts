import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, canonicalTimeZone } from '#shared/schemas/common.js';
import {
  DigestRunResult,
  DigestSettings,
  DigestSettingsRequest,
  UnsubscribeQuery,
  UnsubscribeResult,
  type MailList,
} from '#shared/schemas/digest.js';
import { badRequest, forbidden, unauthorized } from '#server/errors.js';
import { requireUser } from '#server/features/auth/sessions.js';
import { escapeHtml } from '#server/mail/html.js';
import { DEFAULT_SUBSCRIPTION, findSubscription, saveSubscription, unsubscribe } from './digest.repository.js';
import { runMailJob } from './digest.service.js';
import { mailSecret, verifyUnsubscribe } from './unsubscribe.js';

const LIST_NAMES: Record<MailList, string> = { digest: 'the daily digest', reminders: 'presenter reminders' };
const INVALID_LINK = 'sig: this unsubscribe link is not valid; use the link from the latest mail';

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !accept.startsWith('application/json');
}

/** A small page for people who open the link in a browser (the API has no other HTML). */
function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<title>${escapeHtml(title)} · Paperboard</title></head>` +
        '<body style="font-family:system-ui,sans-serif;max-width:480px;margin:48px auto;padding:0 16px;line-height:1.5">' +
        `<h1 style="font-size:1.25rem">${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

/**
 * Digest settings of the signed-in user, the unsubscribe link mails carry (no session needed: the link
 * is signed), and the route through which `npm run digest` hands its job to the running server.
 */
export const digestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // RFC 8058 one-click POSTs are forms (urlencoded or multipart). Their content does not matter: the
  // signed URL says who and what; only this plugin's routes accept such bodies.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/api/me/digest',
    { schema: { tags: ['digest'], response: { 200: DigestSettings, 401: ErrorBody } } },
    async (request) => {
      const me = requireUser(request);
      const saved = await findSubscription(app.sql, me.id);
      return saved
        ? {
            enabled: saved.enabled,
            hour: saved.hour,
            timeZone: saved.timeZone,
            reminders: saved.reminders,
            saved: true,
          }
        : { ...DEFAULT_SUBSCRIPTION, saved: false };
    },
  );

  app.put(
    '/api/me/digest',
    {
      schema: {
        tags: ['digest'],
        body: DigestSettingsRequest,
        response: { 200: DigestSettings, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => {
      const me = requireUser(request);
      const timeZone = canonicalTimeZone(request.body.timeZone);
      if (!timeZone) throw badRequest('body/timeZone must be an IANA time zone such as Europe/Berlin');
      const saved = await saveSubscription(app.sql, me.id, { ...request.body, timeZone });
      return {
        enabled: saved.enabled,
        hour: saved.hour,
        timeZone: saved.timeZone,
        reminders: saved.reminders,
        saved: true,
      };
    },
  );

  app.get(
    '/api/unsubscribe',
    {
      schema: {
        tags: ['digest'],
        description: 'Opened from a mail: a confirmation page (Accept: text/html) or the state of the list.',
        querystring: UnsubscribeQuery,
        response: { 200: UnsubscribeResult, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const { user, list, sig } = request.query;
      const valid = verifyUnsubscribe(mailSecret(app.config), user, list, sig);
      if (!wantsHtml(request)) {
        if (!valid) throw badRequest(INVALID_LINK);
        const saved = await findSubscription(app.sql, user);
        const subscribed = list === 'digest' ? Boolean(saved?.enabled) : (saved?.reminders ?? true);
        return { list, subscribed };
      }
      if (!valid) {
        return page(reply, 400, 'This link is not valid', '<p>Use the unsubscribe link of the latest mail.</p>');
      }
      // Opening the link changes nothing (mail scanners open links); the button posts the one-click form.
      const action = `/api/unsubscribe?${new URLSearchParams({ user, list, sig }).toString()}`;
      return page(
        reply,
        200,
        `Unsubscribe from ${LIST_NAMES[list]}?`,
        `<p>Paperboard will stop sending ${escapeHtml(LIST_NAMES[list])} to this address.</p>` +
          `<form method="post" action="${escapeHtml(action)}">` +
          '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
          '<button type="submit">Unsubscribe</button></form>',
      );
    },
  );

  app.post(
    '/api/unsubscribe',
    {
      schema: {
        tags: ['digest'],
        description: 'RFC 8058 one-click unsubscribe (body `List-Unsubscribe=One-Click`); no session needed.',
        querystring: UnsubscribeQuery,
        response: { 200: UnsubscribeResult, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const { user, list, sig } = request.query;
      if (!verifyUnsubscribe(mailSecret(app.config), user, list, sig)) {
        if (wantsHtml(request)) return page(reply, 400, 'This link is not valid', '<p>Nothing was changed.</p>');
        throw badRequest(INVALID_LINK);
      }
      // A deleted account has nothing left to unsubscribe: the answer is the same.
      await unsubscribe(app.sql, user, list);
      request.log.info({ userId: user, list }, 'unsubscribed by link');
      if (wantsHtml(request)) {
        return page(
          reply,
          200,
          'You are unsubscribed',
          `<p>Paperboard will no longer send ${escapeHtml(LIST_NAMES[list])} to this address. ` +
            'You can turn it back on in your <a href="/settings">settings</a>.</p>',
        );
      }
      return { list, subscribed: false };
    },
  );

  app.post(
    '/api/admin/digest/run',
    {
      schema: {
        tags: ['digest'],
        description: 'Sends the mails that are due now (the local CLI, with the admin secret).',
        response: { 200: DigestRunResult, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      if (!request.system) throw request.user ? forbidden('only the local CLI may run the mail job') : unauthorized();
      const deps = { sql: app.sql, mailer: app.mailer, config: app.config, log: request.log };
      const result = await runMailJob(deps, new Date(), { lock: 'wait' });
      return result ?? { digests: 0, reminders: 0, skipped: 0, failed: 0 };
    },
  );
};
