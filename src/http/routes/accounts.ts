import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { UserView } from '../../domain/user.js';
import type { AccountService } from '../../services/account-service.js';
import { replyOnce } from '../idempotency-key.js';
import { basicCredentials, requireAdmin, unauthorized } from '../auth.js';
import { RegisterBody, RoleBody, SessionAnswer, TokenBody, TokenGrant, User, UserParams } from '../schemas.js';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.js';

export interface AccountRoutesOptions {
  accounts: AccountService;
  /** Sign-up and sign-in per IP and window: tighter than the general limit, against credential stuffing. */
  authRateLimit: { max: number; timeWindow: number } | false;
}

export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { accounts, authRateLimit }) => {
  // The credentials of these two routes are for the handler, not for identifying the caller.
  const config = { signIn: true, rateLimit: authRateLimit };

  // Sign-up ignores Idempotency-Key: a fingerprint of its body would be a fast hash of the password.
  // A repeat is answered 409 USER_EXISTS, which tells the client the account is there.
  app.post(
    '/users',
    { config: { ...config, idempotent: false }, schema: { body: RegisterBody, response: { 201: Type.Object({ user: User }) } } },
    async (request, reply) => {
      const user = await accounts.register(request.body);
      return reply.code(201).send({ user });
    },
  );

  // A token must never be stored for replay: sign-in ignores Idempotency-Key (it changes nothing anyway).
  app.post(
    '/auth/token',
    { config: { ...config, idempotent: false }, schema: { body: TokenBody, response: { 200: TokenGrant } } },
    async (request) => {
      const basic = basicCredentials(request.headers.authorization);
      const login = basic?.login ?? request.body.email;
      const password = basic?.password ?? request.body.password;
      if (login === undefined || password === undefined) {
        throw unauthorized('Send an e-mail address and password, as JSON or with HTTP Basic.');
      }
      return accounts.grantToken(login, password);
    },
  );

  // The web page's sign-in: the token goes into an HttpOnly cookie, never into the answer.
  app.post(
    '/auth/session',
    { config: { ...config, idempotent: false }, schema: { body: TokenBody, response: { 200: SessionAnswer } } },
    async (request, reply) => {
      const { email, password } = request.body;
      if (email === undefined || password === undefined) throw unauthorized('Send an e-mail address and password.');
      const grant = await accounts.grantToken(email, password);
      setSessionCookie(request, reply, grant.token);
      return { session: await accounts.profile(grant.userId, grant.role) };
    },
  );

  app.get('/auth/session', { schema: { response: { 200: SessionAnswer } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const { caller } = request;
    if (caller.kind === 'admin') return { session: await accounts.profile('admin', 'admin') };
    if (caller.kind === 'user') return { session: await accounts.profile(caller.userId, caller.staff ? 'staff' : 'user') };
    return { session: null };
  });

  // Signing out needs no proof of who you are: it only forgets.
  app.delete(
    '/auth/session',
    { config: { ...config, idempotent: false }, schema: { response: { 200: SessionAnswer } } },
    async (request, reply) => {
      clearSessionCookie(request, reply);
      return { session: null };
    },
  );

  app.patch(
    '/users/:userId',
    { schema: { params: UserParams, body: RoleBody, response: { 200: Type.Object({ user: User }) } } },
    async (request, reply) => {
      requireAdmin(request.caller);
      return replyOnce(
        request,
        reply,
        200,
        (user: UserView) => ({ user }),
        (receipt) => accounts.setRole(request.params.userId, request.body.role, receipt),
      );
    },
  );
};
