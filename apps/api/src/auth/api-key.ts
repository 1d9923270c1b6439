import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX } from '@vigil/contracts';

/** `vgl_<id>_<secret>`: the id is public (it names the key in lists and logs), the secret not. */
const KEY_SHAPE = /^vgl_([a-z0-9]{8,32})_([A-Za-z0-9]{24,128})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 12;
/** 40 characters of 62: about 238 bits. */
const SECRET_LENGTH = 40;

/** scrypt cost: N=2^14, r=8, p=1 (16 MiB, tens of milliseconds), 32-byte hash, 16-byte salt. */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

/** The key's id and secret, or null when the text is not shaped like a key. */
export function parseApiKey(text: string): ParsedApiKey | null {
  const match = KEY_SHAPE.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export function formatApiKey(key: ParsedApiKey): string {
  return `${API_KEY_PREFIX}_${key.id}_${key.secret}`;
}

export function generateApiKey(): ParsedApiKey {
  return {
    id: randomText(ID_ALPHABET, ID_LENGTH),
    secret: randomText(SECRET_ALPHABET, SECRET_LENGTH),
  };
}

/** `scrypt$N$r$p$<salt>$<hash>`, salt and hash in base64url. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLength);
  const hash = await derive(secret, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

/** Whether `secret` is the one `stored` was made from; false for a hash it cannot read. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (![N, r, p].every(Number.isSafeInteger) || expected.length === 0) return false;
  const actual = await derive(secret, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A digest of the whole presented key, to remember a verified key without keeping it. */
export function keyDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function derive(
  secret: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keyLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function randomText(alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += alphabet[randomInt(alphabet.length)];
  return text;
}
