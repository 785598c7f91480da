import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { isLoopback, MutationAuthGuard } from './mutation-auth.guard.js';

/** The two ConfigService methods the guard uses, over a plain object. */
function configOf(values: Record<string, string | null | undefined>): ConfigService {
  const fake = {
    get: (key: string) => values[key],
    getOrThrow: (key: string) => {
      const value = values[key];
      if (value === undefined || value === null) throw new Error(`Configuration key "${key}" does not exist`);
      return value;
    },
  };
  return fake as unknown as ConfigService;
}

/** An HTTP context whose request carries `authorization` when given. */
function contextWith(authorization?: string): ExecutionContext {
  const headers: Record<string, string | undefined> = authorization === undefined ? {} : { authorization };
  const context = { switchToHttp: () => ({ getRequest: () => ({ headers }) }) };
  return context as unknown as ExecutionContext;
}

const TOKEN = 's3cret-token-value';

describe('MutationAuthGuard', () => {
  describe('when no API_TOKEN is set and the server listens on loopback', () => {
    it.each(['127.0.0.1', '::1', 'localhost'])('allows a request without a token (HOST %s)', (host) => {
      // Arrange
      const guard = new MutationAuthGuard(configOf({ HOST: host }));

      // Act
      const allowed = guard.canActivate(contextWith());

      // Assert
      expect(allowed).toBe(true);
    });

    it('treats an API_TOKEN of null like no token', () => {
      expect(new MutationAuthGuard(configOf({ HOST: '127.0.0.1', API_TOKEN: null })).canActivate(contextWith())).toBe(true);
    });
  });

  describe('when no API_TOKEN is set and the server listens beyond loopback', () => {
    it.each(['0.0.0.0', '10.0.0.1', '::'])('refuses with ForbiddenException (HOST %s), even with a header', (host) => {
      // Arrange
      const guard = new MutationAuthGuard(configOf({ HOST: host }));

      // Act
      const act = () => guard.canActivate(contextWith(`Bearer ${TOKEN}`));

      // Assert
      expect(act).toThrow(ForbiddenException);
      expect(act).toThrow(`the server listens on ${host}, which is not loopback, and API_TOKEN is not set`);
    });
  });

  describe('when API_TOKEN is set', () => {
    it.each(['127.0.0.1', '0.0.0.0'])('allows the right Bearer token (HOST %s)', (host) => {
      // Arrange
      const guard = new MutationAuthGuard(configOf({ HOST: host, API_TOKEN: TOKEN }));

      // Act
      const allowed = guard.canActivate(contextWith(`Bearer ${TOKEN}`));

      // Assert
      expect(allowed).toBe(true);
    });

    it.each<[string, string | undefined]>([
      ['missing', undefined],
      ['empty', ''],
      ['wrong', 'Bearer not-the-token'],
      ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
      ['the token plus more', `Bearer ${TOKEN}x`],
      ['without the scheme', TOKEN],
      ['another scheme', `Basic ${TOKEN}`],
      ['the scheme in lower case', `bearer ${TOKEN}`],
      ['two spaces', `Bearer  ${TOKEN}`],
      ['a trailing part', `Bearer ${TOKEN} extra`],
      ['the scheme alone', 'Bearer '],
    ])('refuses a %s header with UnauthorizedException, also on loopback', (_label, header) => {
      // Arrange
      const guard = new MutationAuthGuard(configOf({ HOST: '127.0.0.1', API_TOKEN: TOKEN }));

      // Act
      const act = () => guard.canActivate(contextWith(header));

      // Assert
      expect(act).toThrow(UnauthorizedException);
    });
  });

  describe('when HOST is not configured', () => {
    it('fails at construction', () => {
      expect(() => new MutationAuthGuard(configOf({}))).toThrow('HOST');
    });
  });
});

describe('isLoopback', () => {
  describe('when given a listen address', () => {
    it.each<[string, boolean]>([
      ['127.0.0.1', true],
      ['127.1.2.3', true],
      ['::1', true],
      ['localhost', true],
      ['0.0.0.0', false],
      ['10.0.0.1', false],
      ['::', false],
      ['128.0.0.1', false],
      ['127.example.com', false],
      ['', false],
    ])('%p is %p', (host, expected) => {
      expect(isLoopback(host)).toBe(expected);
    });
  });
});
