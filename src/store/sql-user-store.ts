import { DomainError } from '../domain/errors.js';
import type { User, UserRole } from '../domain/user.js';
import type { UserStore } from '../services/account-service.js';
import type { Database } from './db.js';

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

  setRole(id: string, role: UserRole): Promise<User | null> {
    return this.database.read(({ users }) => users.setRole(id, role));
  }

  findUser(id: string): Promise<User | null> {
    return this.database.read(({ users }) => users.find(id));
  }
}
