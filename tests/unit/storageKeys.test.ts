import { encodeKey, eventRow, idempotencyRow, KEY_MAX, prefixedKey } from '../../shared/storage/keys';

/** The encoding rows were written under before long ids were hashed (the keys a stored row has today). */
const previousEncoding = (id: string) =>
  /^[A-Za-z0-9._-]{1,200}$/.test(id) ? id : 'b64.' + Buffer.from(id, 'utf8').toString('base64url').slice(0, 600);

describe('table keys of foreign ids', () => {
  it('keeps an ordinary id as it is', () => {
    for (const id of ['0123456789ABCDEF0123456789ABCDEF', 'mo-0a1b2c', 'retry_me.1-2', 'A'.repeat(200)])
      expect(encodeKey(id)).toBe(id);
  });

  it('gives every id whose key fitted before the key it had, so rows already written read the same', () => {
    const ids = [
      'has space',
      'slash/and#hash?',
      'ünïcødé 😀',
      'A'.repeat(201),
      'x'.repeat(381), // `b64.` + the base64url of 381 characters is 512: the longest such id that was kept
      'ref/'.repeat(95),
      '',
    ].filter((id) => id !== '');
    for (const id of ids) {
      const before = previousEncoding(id);
      expect(before.length).toBeLessThanOrEqual(KEY_MAX);
      expect(encodeKey(id)).toBe(before);
    }
    // …and under a prefix: a marker row's key of an odd idempotency key is the one it was written under.
    expect(idempotencyRow('key with spaces')).toBe('key-' + previousEncoding('key with spaces'));
    expect(eventRow('mo-0a1b2c')).toBe('evt-mo-0a1b2c');
  });

  it('bounds the key of a long id, whatever its length or characters', () => {
    for (const id of ['x'.repeat(382), 'X'.repeat(400), 'é'.repeat(5000), '😀'.repeat(20_000), '/'.repeat(65_536)]) {
      const key = encodeKey(id);
      expect(key.length).toBeLessThanOrEqual(KEY_MAX);
      expect(key).toMatch(/^sha256\.[A-Za-z0-9_-]{43}$/);
    }
    for (const prefix of ['pending-', 'evt-', 'key-', '2026-11-27T10:00:00.000Z-']) {
      for (const id of ['y'.repeat(370), 'y'.repeat(378), 'y'.repeat(379), 'y'.repeat(2000)]) {
        expect(prefixedKey(prefix, id).length).toBeLessThanOrEqual(KEY_MAX);
        expect(prefixedKey(prefix, id).startsWith(prefix)).toBe(true);
      }
    }
  });

  it('never gives two long ids one key, even when they share their first 600 characters', () => {
    const shared = 'R'.repeat(600);
    const a = `${shared}-first`;
    const b = `${shared}-second`;
    expect(previousEncoding(a)).toBe(previousEncoding(b)); // the collision the truncation made
    expect(encodeKey(a)).not.toBe(encodeKey(b));
    expect(prefixedKey('pending-', a)).not.toBe(prefixedKey('pending-', b));
  });

  it('keeps the three forms apart: a readable id that looks encoded is encoded itself', () => {
    const looksEncoded = encodeKey('a b'); // 'b64.YSBi'
    expect(looksEncoded).toBe('b64.YSBi');
    expect(encodeKey('b64.YSBi')).not.toBe(looksEncoded);
    const hashed = encodeKey('z'.repeat(1000));
    expect(encodeKey(hashed)).not.toBe(hashed);
  });

  it('tells apart ids that differ only in a lone surrogate, which UTF-8 would turn into the same bytes', () => {
    const a = encodeKey('ref\uD800');
    const b = encodeKey('ref\uDC00');
    const replacement = encodeKey('ref\uFFFD');
    expect(new Set([a, b, replacement]).size).toBe(3);
    expect(a.length).toBeLessThanOrEqual(KEY_MAX);
  });

  it('maps many distinct ids to distinct keys', () => {
    const ids = new Set<string>();
    for (let n = 0; n < 400; n++) {
      ids.add(`id-${n}`);
      ids.add(`id ${n}`);
      ids.add('L'.repeat(600) + n);
      ids.add('b64.' + n);
    }
    const keys = new Set([...ids].map((id) => encodeKey(id)));
    expect(keys.size).toBe(ids.size);
  });
});
