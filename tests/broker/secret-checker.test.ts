import { describe, expect, it } from 'vitest';
import { SecretChecker } from '../../src/broker/auth.ts';
import { hashSecret } from '../../src/records/secrets.ts';

describe('device secret checks', () => {
  it('hash once per secret, however many connects arrive together, then remember it', async () => {
    const hash = await hashSecret('right-secret-0123456789');
    const checker = new SecretChecker(10);
    const right = Buffer.from('right-secret-0123456789');
    const together = Array.from({ length: 20 }, () => checker.verify(right, hash));
    expect(new Set(together).size).toBe(1); // one verification shared by all
    expect(await Promise.all(together)).toEqual(Array(20).fill(true));
    expect(checker.verify(right, hash)).toBe(true); // remembered: no slow hash
  });

  it('never remembers a wrong secret', async () => {
    const hash = await hashSecret('right-secret-0123456789');
    const checker = new SecretChecker(10);
    const wrong = Buffer.from('wrong-secret-0123456789');
    expect(await checker.verify(wrong, hash)).toBe(false);
    const again = checker.verify(wrong, hash);
    expect(again).toBeInstanceOf(Promise);
    expect(await again).toBe(false);
  });
});

describe('device secret checks under a reconnect storm', () => {
  it('run at most two slow hashes at once and finish every one', async () => {
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const checker = new SecretChecker(100, async (secret) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return secret.startsWith('ok');
    });
    const results = Array.from({ length: 7 }, (_, i) => checker.verify(Buffer.from(`ok-${i}`), `hash-${i}`));
    for (let i = 0; i < 20 && (release.length > 0 || running > 0); i++) {
      await new Promise((r) => setImmediate(r));
      release.splice(0).forEach((r) => {
        r();
      });
    }
    expect(await Promise.all(results)).toEqual(Array(7).fill(true));
    expect(most).toBe(2);
  });
});
