import { SignJWT, jwtVerify } from 'jose';
import { USER_ID_PATTERN } from '../domain/limits.js';
import type { Role } from '../domain/user.js';

export interface TokenClaims {
  userId: string;
  role: Role;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

const ISSUER = 'boxoffice';
const AUDIENCE = 'boxoffice-api';
const USER_ID = new RegExp(USER_ID_PATTERN);

/** HS256 bearer tokens: the algorithm is pinned on both sides, so `alg: none` or RS/HS confusion never verifies. */
export class TokenIssuer {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlMs: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(claims: TokenClaims): Promise<IssuedToken> {
    const expiresIn = Math.max(1, Math.floor(this.ttlMs / 1000));
    const token = await new SignJWT({ role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.key);
    return { token, expiresIn };
  }

  /** The claims of a valid, unexpired token of ours; null for anything else. */
  async verify(token: string): Promise<TokenClaims | null> {
    try {
      // A token without an expiry would be valid for ever; its subject must be a user id like any other.
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'sub'],
      });
      const role = payload.role;
      if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub) || (role !== 'admin' && role !== 'staff' && role !== 'user')) {
        return null;
      }
      return { userId: payload.sub, role };
    } catch {
      return null;
    }
  }
}
