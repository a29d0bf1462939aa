import type { Selectable } from 'kysely';
import type { User, UserRole } from '../domain/user.js';
import type { Db } from './dialect.js';
import type { UsersTable } from './schema.js';

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    name: row.name,
    passwordHash: row.password_hash,
    role: row.role === 'staff' ? 'staff' : 'user',
    createdAt: row.created_at,
  };
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async insert(user: User): Promise<void> {
    await this.db
      .insertInto('users')
      .values({ id: user.id, name: user.name, password_hash: user.passwordHash, role: user.role, created_at: user.createdAt })
      .execute();
  }

  async find(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async setRole(id: string, role: UserRole): Promise<User | null> {
    await this.db.updateTable('users').set({ role }).where('id', '=', id).execute();
    return this.find(id);
  }
}
