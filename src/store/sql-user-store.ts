import { DomainError } from '../domain/errors.js';
import type { User, UserRole } from '../domain/user.js';
import type { UserStore } from '../services/account-service.js';
import type { OpenedDatabase } from './dialect.js';
import { storeError } from './store-error.js';
import { UsersRepository } from './users-repository.js';

/** Accounts in the same database as the bookings. */
export class SqlUserStore implements UserStore {
  private readonly users: UsersRepository;

  constructor(private readonly database: OpenedDatabase) {
    this.users = new UsersRepository(database.db);
  }

  async insertUser(user: User): Promise<void> {
    try {
      await this.users.insert(user);
    } catch (error) {
      if (this.database.dialect.isUniqueViolation(error)) {
        throw new DomainError('USER_EXISTS', `An account for ${user.id} already exists.`);
      }
      throw storeError(this.database.dialect, error);
    }
  }

  async setRole(id: string, role: UserRole): Promise<User | null> {
    try {
      return await this.users.setRole(id, role);
    } catch (error) {
      throw storeError(this.database.dialect, error);
    }
  }

  async findUser(id: string): Promise<User | null> {
    try {
      return await this.users.find(id);
    } catch (error) {
      throw storeError(this.database.dialect, error);
    }
  }
}
