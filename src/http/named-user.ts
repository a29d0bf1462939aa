import { DomainError } from '../domain/errors.js';

export interface NamedUserInput {
  userId?: string | undefined;
  userEmail?: string | undefined;
}

/** The user id a body names: userId as given, or userEmail lower-cased; both must agree. */
export function namedUser(input: NamedUserInput): string | undefined {
  const fromEmail = input.userEmail?.toLowerCase();
  if (input.userId !== undefined && fromEmail !== undefined && input.userId !== fromEmail) {
    throw new DomainError('VALIDATION_FAILED', 'userId and userEmail name different users; give one of them.', {
      errors: [{ path: '/body/userEmail', message: 'must match userId when both are given' }],
    });
  }
  return input.userId ?? fromEmail;
}
