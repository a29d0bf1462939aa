import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// Node's scrypt defaults (N=2^14, r=8, p=1: 16 MiB, tens of ms): costly for a guesser, bounded for
// a 2-core server. The parameters are stored with each hash, so they can be raised later.
const COST = 16_384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, cost: number, blockSize: number, parallelism: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST, BLOCK_SIZE, PARALLELISM);
  return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check of a password against a stored hash; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, cost, blockSize, parallelism, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(cost), Number(blockSize), Number(parallelism));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, checked against when the user does not exist, so both paths cost the same. */
export const UNMATCHABLE_HASH = ['scrypt', COST, BLOCK_SIZE, PARALLELISM, 'AAAAAAAAAAAAAAAAAAAAAA', 'A'.repeat(43)].join('$');
