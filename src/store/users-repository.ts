import type { User } from '../domain/user.js';
import type { Db } from './dialect.js';

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async insert(user: User): Promise<void> {
    await this.db
      .insertInto('users')
      .values({ id: user.id, name: user.name, password_hash: user.passwordHash, created_at: user.createdAt })
      .execute();
  }

  async find(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, passwordHash: row.password_hash, createdAt: row.created_at } : null;
  }
}
