import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ErrorBody } from '#shared/schemas/common.js';
import {
  ForgotPasswordRequest,
  InstanceInfo,
  LoginRequest,
  MeResponse,
  SessionResponse,
  ResetPasswordRequest,
  SignupRequest,
  UpdateMeRequest,
} from '#shared/schemas/auth.js';
import { badRequest, conflict, forbidden, unauthorized } from '#server/errors.js';
import { isLoopback } from '#server/net.js';
import { announceSessionsEnded, endSession, hashToken, requireUser, startSession } from './sessions.js';
import {
  createPasswordReset,
  createUser,
  findPasswordHash,
  findUserByEmail,
  resetPassword,
  updateUser,
} from './users.repository.js';
import { deleteUserSessions } from './sessions.repository.js';
import { DEMO_CREDENTIALS_KEY, isDemoAccount, type DemoCredentials } from './demo-account.js';
import { getSetting } from './settings.repository.js';
import { hashPassword, needsRehash, verifyPassword } from './password.js';
import { renderResetMail } from './reset-mail.js';
import { cleanEmail, emailKey } from './email.js';

const LOGIN_FAILED = 'email or password is incorrect';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 429: ErrorBody };
/** The one answer of `POST /api/auth/forgot`, whether or not the address has an account. */
const FORGOT_ANSWER = 'if an account uses this address, a link to reset its password is on its way';
const INVALID_RESET = 'token: this reset link is invalid, expired or already used; ask for a new one';

/** Signup, login, logout and the signed-in user's own account. */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const limits = app.config.authRateLimit;
  // A hash to verify against when the email is unknown, so that the answer takes as long either way.
  const decoyHash = await hashPassword('decoy password', app.config.passwordHashCost);

  /**
   * Checks of attempts per client IP, per (email, IP) — the strict limit — and per email from any IP,
   * a looser one, so that somebody guessing at an address from one place cannot lock its owner out from
   * everywhere. The email is keyed the way accounts are found (`emailKey`): spaces, invisible
   * characters or case cannot make it a new key. Each refuses with 429 and Retry-After past its limit.
   */
  function attemptChecks(kind: string, withEmail: boolean) {
    const { windowSeconds } = limits;
    const refusal = (retryAfter: number) => `too many attempts; try again in ${retryAfter} s`;
    const email = (request: FastifyRequest) => emailKey((request.body as { email: string }).email);
    const checks = [app.limiter({ name: `${kind}:ip`, max: limits.perIp, windowSeconds, refusal, key: (r) => r.ip })];
    if (withEmail) {
      checks.push(
        app.limiter({
          name: `${kind}:email-ip`,
          max: limits.perEmailIp,
          windowSeconds,
          refusal,
          key: (r) => `${email(r)}:${r.ip}`,
        }),
        app.limiter({ name: `${kind}:email`, max: limits.perEmail, windowSeconds, refusal, key: email }),
      );
    }
    return async (request: FastifyRequest) => {
      for (const check of checks) await check(request);
    };
  }
  const limitSignup = attemptChecks('signup', true);
  const limitLogin = attemptChecks('login', true);
  const limitForgot = attemptChecks('forgot', true);
  const limitReset = attemptChecks('reset', false);

  app.post(
    '/api/auth/signup',
    { schema: { tags: ['auth'], body: SignupRequest, response: { 201: MeResponse, ...errors } } },
    async (request, reply) => {
      const { email, password, name } = request.body;
      await limitSignup(request);
      const user = await createUser(app.sql, {
        email,
        name: name.trim(),
        passwordHash: await hashPassword(password, app.config.passwordHashCost),
      });
      if (!user) throw conflict('email: an account with this email exists; log in instead');
      await startSession(request, reply, user.id);
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/api/auth/login',
    { schema: { tags: ['auth'], body: LoginRequest, response: { 200: MeResponse, ...errors } } },
    async (request, reply) => {
      const { email, password } = request.body;
      await limitLogin(request);
      const user = await findUserByEmail(app.sql, email);
      const ok = await verifyPassword(password, user?.passwordHash ?? decoyHash);
      if (!user || !ok) throw unauthorized(LOGIN_FAILED);
      // A hash made at a lower cost (before the default was raised) is made again now that the password
      // is known: accounts reach the current cost as their owners sign in.
      if (needsRehash(user.passwordHash, app.config.passwordHashCost)) {
        const passwordHash = await hashPassword(password, app.config.passwordHashCost);
        await updateUser(app.sql, user.id, { passwordHash });
      }
      await startSession(request, reply, user.id);
      const { passwordHash: _hash, ...publicUser } = user;
      return { user: publicUser };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      await endSession(request, reply);
      return reply.status(204).send();
    },
  );

  // The page asks this on every load: a signed-out visitor gets 200 with null rather than a 401, which
  // browsers report as an error in the console.
  app.get('/api/auth/session', { schema: { tags: ['auth'], response: { 200: SessionResponse } } }, async (request) => ({
    user: request.user ?? null,
  }));

  app.get(
    '/api/me',
    { schema: { tags: ['auth'], response: { 200: MeResponse, 401: ErrorBody } } },
    async (request) => ({
      user: requireUser(request),
    }),
  );

  app.patch(
    '/api/me',
    { schema: { tags: ['auth'], body: UpdateMeRequest, response: { 200: MeResponse, ...errors } } },
    async (request) => {
      const me = requireUser(request);
      const { name, currentPassword, newPassword } = request.body;
      if (newPassword !== undefined && (await isDemoAccount(app.sql, me.email))) {
        throw forbidden(
          'newPassword: the shared demo account keeps its password, so that the next visitor can sign in',
        );
      }
      let passwordHash: string | undefined;
      if (newPassword !== undefined) {
        const stored = await findPasswordHash(app.sql, me.id);
        if (!currentPassword || !stored || !(await verifyPassword(currentPassword, stored))) {
          throw badRequest('currentPassword: the current password is not correct');
        }
        passwordHash = await hashPassword(newPassword, app.config.passwordHashCost);
      }
      const user = await updateUser(app.sql, me.id, { name: name?.trim(), passwordHash });
      // A new password ends every other session: whoever knew the old one is signed out, and their open
      // realtime connections are closed on every node.
      if (passwordHash) {
        await deleteUserSessions(app.sql, me.id, request.sessionTokenHash);
        await announceSessionsEnded(app, me.id, { except: request.sessionTokenHash });
      }
      return { user };
    },
  );

  app.post(
    '/api/auth/forgot',
    {
      schema: {
        tags: ['auth'],
        description: 'Mails a single-use link to reset the password. The answer is the same for unknown addresses.',
        body: ForgotPasswordRequest,
        response: { 202: Type.Object({ message: Type.String() }), 400: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const email = cleanEmail(request.body.email);
      await limitForgot(request);
      const user = await findUserByEmail(app.sql, email);
      // The shared demo account's password is not anyone's to reset (the answer is the same).
      if (user && !(await isDemoAccount(app.sql, user.email))) {
        const token = crypto.randomBytes(32).toString('base64url');
        const ttlMinutes = app.config.passwordResetTtlMinutes;
        await createPasswordReset(app.sql, hashToken(token), user.id, new Date(Date.now() + ttlMinutes * 60_000));
        // In the fragment, so that the token never reaches a server log when the page is opened.
        const link = `${app.config.publicUrl}/reset#token=${token}`;
        // Not awaited: how long a mail server takes must not tell who has an account.
        void app.mailer
          .send({ ...renderResetMail({ name: user.name, link, ttlMinutes }), to: user.email, kind: 'password-reset' })
          .catch((err: unknown) => request.log.error({ err, userId: user.id }, 'password reset mail failed'));
      }
      return reply.status(202).send({ message: FORGOT_ANSWER });
    },
  );

  app.post(
    '/api/auth/reset',
    {
      schema: {
        tags: ['auth'],
        description: 'Sets a new password with the token of a reset link and signs the account out everywhere.',
        body: ResetPasswordRequest,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      await limitReset(request);
      const passwordHash = await hashPassword(request.body.password, app.config.passwordHashCost);
      const userId = await resetPassword(app.sql, hashToken(request.body.token), passwordHash);
      if (!userId) throw badRequest(INVALID_RESET);
      request.log.info({ userId }, 'password reset; all sessions revoked');
      await announceSessionsEnded(app, userId, {});
      // This browser's cookie named a session that no longer exists.
      await endSession(request, reply);
      return reply.status(204).send();
    },
  );

  // The demo account's password is shown to visitors only where the server listens on this machine
  // alone: an instance reachable from elsewhere (the Docker image listens on 0.0.0.0) must not hand
  // everyone a shared account.
  app.get('/api/instance', { schema: { tags: ['auth'], response: { 200: InstanceInfo } } }, async () => ({
    demo:
      app.config.seedDemo && isLoopback(app.config.host)
        ? await getSetting<DemoCredentials>(app.sql, DEMO_CREDENTIALS_KEY)
        : null,
  }));
};
