import type { KeptAnswer, Receipt } from './idempotency.js';
import { DomainError } from '../domain/errors.js';
import { USER_ID_PATTERN } from '../domain/limits.js';
import { type Role, type User, type UserRole, type UserView, toUserView } from '../domain/user.js';
import { secretMatcher } from './constant-time.js';
import { UNMATCHABLE_HASH, hashPassword, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './token-issuer.js';

/** Where accounts live; USER_EXISTS when the id is taken. */
export interface UserStore {
  insertUser(user: User): Promise<void>;
  findUser(id: string): Promise<User | null>;
  /** Null when there is no such user; `keep` gives the request's answer to store with the change. */
  setRole(id: string, role: UserRole, keep?: (user: User) => KeptAnswer): Promise<User | null>;
}

export interface AdminCredentials {
  adminUser: string;
  adminPassword: string;
}

export interface Registration {
  email: string;
  password: string;
  name?: string | undefined;
}

export interface TokenGrant {
  token: string;
  tokenType: 'Bearer';
  expiresIn: number;
  userId: string;
  role: Role;
}

const USER_ID = new RegExp(USER_ID_PATTERN);

export interface SessionProfile {
  userId: string;
  role: Role;
  name: string | null;
}

function wrongCredentials(): DomainError {
  return new DomainError('UNAUTHORIZED', 'The e-mail address or password is wrong.');
}

/** Sign-up and sign-in: accounts, their passwords (scrypt) and bearer tokens. */
export class AccountService {
  private readonly isAdminUser: (given: string) => boolean;
  private readonly isAdminPassword: (given: string) => boolean;

  constructor(
    private readonly users: UserStore,
    private readonly tokens: TokenIssuer,
    admin: AdminCredentials,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    this.isAdminUser = secretMatcher(admin.adminUser);
    this.isAdminPassword = secretMatcher(admin.adminPassword);
  }

  async register(registration: Registration): Promise<UserView> {
    const user: User = {
      id: registration.email.toLowerCase(),
      name: registration.name || null,
      passwordHash: await hashPassword(registration.password),
      role: 'user',
      createdAt: this.now(),
    };
    await this.users.insertUser(user);
    return toUserView(user);
  }

  /** A token for the admin's credentials or a registered user's; UNAUTHORIZED otherwise. */
  async grantToken(login: string, password: string): Promise<TokenGrant> {
    // Both halves are always compared, so timing does not tell whether the name was the admin's.
    const adminChecks = [this.isAdminUser(login), this.isAdminPassword(password)];
    if (adminChecks.every(Boolean)) return this.grant('admin', 'admin');
    const userId = login.toLowerCase();
    // A login no user id could match (a NUL from a Basic header, say) never reaches the database.
    const user = USER_ID.test(userId) ? await this.users.findUser(userId) : null;
    const matches = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
    if (!user || !matches) throw wrongCredentials();
    return this.grant(user.id, user.role);
  }

  /** Makes a user staff, or a plain user again; tokens issued from now on carry the new role. */
  async setRole(userId: string, role: UserRole, receipt?: Receipt<UserView>): Promise<UserView> {
    const user = await this.users.setRole(userId.toLowerCase(), role, receipt && ((changed) => receipt.keep(toUserView(changed))));
    if (!user) throw new DomainError('NOT_FOUND', `No user ${userId}.`);
    return toUserView(user);
  }

  /** Who a signed-in caller is, as the page names them: the name given at sign-up, if any. */
  async profile(userId: string, role: Role): Promise<SessionProfile> {
    if (role === 'admin') return { userId, role, name: null };
    const user = await this.users.findUser(userId);
    return { userId, role, name: user?.name ?? null };
  }

  private async grant(userId: string, role: Role): Promise<TokenGrant> {
    const { token, expiresIn } = await this.tokens.issue({ userId, role });
    return { token, tokenType: 'Bearer', expiresIn, userId, role };
  }
}
