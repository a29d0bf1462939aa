import type { FastifyInstance } from 'fastify';
import { uniqueId } from './factories.js';

export const USER_PASSWORD = 'correct horse battery';

export interface SignedInUser {
  userId: string;
  token: string;
  headers: { authorization: string };
}

/** Registers a fresh user and signs them in. */
export async function signUp(app: FastifyInstance, name = uniqueId('user')): Promise<SignedInUser> {
  const email = `${name}@example.com`;
  const registered = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: USER_PASSWORD } });
  if (registered.statusCode !== 201) throw new Error(`sign-up failed: ${registered.body}`);
  const granted = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: USER_PASSWORD } });
  if (granted.statusCode !== 200) throw new Error(`sign-in failed: ${granted.body}`);
  const { token, userId } = granted.json<{ token: string; userId: string }>();
  return { userId, token, headers: { authorization: `Bearer ${token}` } };
}
