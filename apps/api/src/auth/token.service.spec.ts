import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { AuthFailure } from '@tandem/contract';
import { loadConfig } from '../config.js';
import { TokenService } from './token.service.js';

const user = { id: '3f1c1e2a-7a4b-4c59-9a55-1b2f4d6e8a90', name: 'ann' };

function makeSut(overrides: Record<string, string> = {}): TokenService {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-token-'));
  return new TokenService(loadConfig({ DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`, ...overrides }));
}

describe(TokenService.name, () => {
  describe('issue and verify', () => {
    it('accepts its own unexpired token and returns the user', () => {
      const sut = makeSut({ TOKEN_SECRET: 'a'.repeat(40) });
      const before = Date.now();
      const { token, expiresAt } = sut.issue(user, { sessionId: 'sign-in-1', ttlSeconds: 60 });
      const check = sut.verify(token);
      expect(check).toMatchObject({ ok: true, user, sessionId: 'sign-in-1', expiresAt: expiresAt.getTime() });
      expect(check.ok && check.issuedAt).toBeGreaterThanOrEqual(before);
    });

    it('checks the expiry of a token it has seen before every time, and answers each check with objects of its own', () => {
      const sut = makeSut();
      const { token, expiresAt } = sut.issue(user, { ttlSeconds: 60 });
      const first = sut.verify(token);
      if (!first.ok) throw new Error('refused');
      first.user.name = 'changed';
      expect(sut.verify(token)).toMatchObject({ ok: true, user });
      const now = jest.spyOn(Date, 'now').mockReturnValue(expiresAt.getTime());
      try {
        expect(sut.verify(token)).toMatchObject({ ok: false, reason: AuthFailure.Expired });
      } finally {
        now.mockRestore();
      }
    });

    it('gives each sign-in a session id of its own, and a refresh the same one', () => {
      const sut = makeSut();
      const first = sut.verify(sut.issue(user).token);
      const second = sut.verify(sut.issue(user).token);
      if (!first.ok || !second.ok) throw new Error('refused');
      expect(first.sessionId).not.toBe(second.sessionId);
      expect(sut.verify(sut.issue(user, { sessionId: first.sessionId }).token)).toMatchObject({
        sessionId: first.sessionId,
      });
    });

    it.each([
      [undefined, AuthFailure.Missing],
      ['', AuthFailure.Missing],
      [42, AuthFailure.Missing],
      ['garbage', AuthFailure.Malformed],
      ['a.b.c', AuthFailure.Malformed],
      [`${Buffer.from('{"sub":1}').toString('base64url')}.sig`, AuthFailure.Malformed],
    ])('refuses %p as %s', (token, reason) => {
      expect(makeSut().verify(token)).toMatchObject({ ok: false, reason });
    });

    it('refuses a token whose claims were changed', () => {
      const sut = makeSut();
      const [, signature] = sut.issue(user).token.split('.');
      const forged = Buffer.from(JSON.stringify({ sub: user.id, name: 'root', exp: 9_999_999_999 })).toString(
        'base64url',
      );
      expect(sut.verify(`${forged}.${signature}`)).toMatchObject({ ok: false, reason: AuthFailure.Invalid });
    });

    it('refuses a token from another secret', () => {
      const other = makeSut({ TOKEN_SECRET: 'b'.repeat(40) });
      expect(makeSut({ TOKEN_SECRET: 'c'.repeat(40) }).verify(other.issue(user).token)).toMatchObject({
        ok: false,
        reason: AuthFailure.Invalid,
      });
    });

    it('refuses an expired token', () => {
      const sut = makeSut();
      expect(sut.verify(sut.issue(user, { ttlSeconds: -1 }).token)).toMatchObject({
        ok: false,
        reason: AuthFailure.Expired,
      });
    });
  });

  describe('secret', () => {
    it('is generated once and kept beside the database when TOKEN_SECRET is unset', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tandem-secret-'));
      const config = loadConfig({ DATABASE_URL: `file:${path.join(dir, 'tandem.db')}` });
      const first = new TokenService(config);
      const secretFile = path.join(dir, 'token-secret');
      expect(readFileSync(secretFile, 'utf8').length).toBeGreaterThanOrEqual(48);
      expect(statSync(secretFile).mode & 0o077).toBe(0);
      const second = new TokenService(config);
      expect(second.verify(first.issue(user).token)).toMatchObject({ ok: true });
    });
  });
});
