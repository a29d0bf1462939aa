import { DomainError } from '../domain/errors.js';
import type { User, UserRole } from '../domain/user.js';
import type { UserStore } from '../services/account-service.js';
import type { KeptAnswer } from '../services/idempotency.js';
import { type Database, keepAnswer } from './db.js';

/** Accounts in the same database as the bookings. */
export class SqlUserStore implements UserStore {
  constructor(private readonly database: Database) {}

  insertUser(user: User): Promise<void> {
    return this.database.read(
      ({ users }) => users.insert(user),
      () => {
        throw new DomainError('USER_EXISTS', `An account for ${user.id} already exists.`);
      },
    );
  }

  setRole(id: string, role: UserRole, keep?: (user: User) => KeptAnswer): Promise<User | null> {
    return this.database.transaction(async ({ users, keys }) => {
      const user = await users.setRole(id, role);
      if (user && keep) await keepAnswer(keys, keep(user));
      return user;
    });
  }

  findUser(id: string): Promise<User | null> {
    return this.database.read(({ users }) => users.find(id));
  }
}
