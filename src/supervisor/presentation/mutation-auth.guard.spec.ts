import { ForbiddenException, UnauthorizedException, UnsupportedMediaTypeException, type ExecutionContext } from '@nestjs/common';
import { isLoopback, MutationAuthGuard } from './mutation-auth.guard.js';

type GuardSettings = ConstructorParameters<typeof MutationAuthGuard>[0];

/** The settings the guard reads, with the defaults the validator gives. */
function configOf(given: Partial<GuardSettings>): GuardSettings {
  return { PORT: 3000, HOST: '127.0.0.1', API_TOKEN: null, ALLOWED_HOSTS: [], ...given };
}

/** An HTTP context whose request carries `authorization` when given, and any other headers. */
function contextWith(authorization?: string, more: Record<string, string> = {}): ExecutionContext {
  const headers: Record<string, string | undefined> = { ...(authorization === undefined ? {} : { authorization }), ...more };
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

  describe('when a browser sends the request from another site', () => {
    it.each<[string, Record<string, string>]>([
      ['a foreign Origin', { origin: 'http://evil.example' }],
      ['a rebound name on our port', { origin: 'http://evil.example:3000' }],
      ['another port of localhost', { origin: 'http://localhost:8080' }],
      ['Origin null (sandboxed frame, file:)', { origin: 'null' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ])('refuses %s with ForbiddenException, token or not', (_label, headers) => {
      // Arrange
      const open = new MutationAuthGuard(configOf({ HOST: '127.0.0.1' }));
      const withToken = new MutationAuthGuard(configOf({ HOST: '127.0.0.1', API_TOKEN: TOKEN }));

      // Act
      const actOpen = () => open.canActivate(contextWith(undefined, headers));
      const actToken = () => withToken.canActivate(contextWith(`Bearer ${TOKEN}`, headers));

      // Assert
      expect(actOpen).toThrow(ForbiddenException);
      expect(actOpen).toThrow("processes can be changed only from this server's own origin");
      expect(actToken).toThrow(ForbiddenException);
    });

    it.each<[string, Record<string, string>]>([
      ['no Origin (curl)', {}],
      ['its own origin', { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-origin' }],
      ['localhost on the port', { origin: 'http://localhost:3000' }],
      ['[::1] on the port', { origin: 'http://[::1]:3000' }],
      ['a typed-in request', { 'sec-fetch-site': 'none' }],
    ])('allows %s', (_label, headers) => {
      expect(new MutationAuthGuard(configOf({ HOST: '127.0.0.1' })).canActivate(contextWith(undefined, headers))).toBe(true);
    });

    it('allows an origin listed in ALLOWED_HOSTS, also when the browser calls it same-site', () => {
      const guard = new MutationAuthGuard(configOf({ HOST: '127.0.0.1', ALLOWED_HOSTS: ['procguard.lan', 'localhost:5173'] }));

      expect(guard.canActivate(contextWith(undefined, { origin: 'https://procguard.lan' }))).toBe(true);
      expect(guard.canActivate(contextWith(undefined, { origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site' }))).toBe(true);
    });

    it('refuses a foreign Origin even when Sec-Fetch-Site claims same-origin', () => {
      const guard = new MutationAuthGuard(configOf({ HOST: '127.0.0.1' }));

      expect(() => guard.canActivate(contextWith(undefined, { origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }))).toThrow(
        ForbiddenException,
      );
    });
  });

  describe('when the request carries a body', () => {
    it.each([
      ['application/x-www-form-urlencoded', '5'],
      ['text/plain', '4'],
      ['multipart/form-data; boundary=x', '10'],
      ['text/plain', '0'],
    ])('refuses Content-Type %s (length %s) with UnsupportedMediaTypeException', (type, length) => {
      const guard = new MutationAuthGuard(configOf({ HOST: '127.0.0.1' }));

      const act = () => guard.canActivate(contextWith(undefined, { 'content-type': type, 'content-length': length }));

      expect(act).toThrow(UnsupportedMediaTypeException);
      expect(act).toThrow('send no body, or application/json');
    });

    it('refuses a body without a Content-Type', () => {
      const guard = new MutationAuthGuard(configOf({ HOST: '127.0.0.1' }));

      expect(() => guard.canActivate(contextWith(undefined, { 'transfer-encoding': 'chunked' }))).toThrow(UnsupportedMediaTypeException);
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON'])('allows %s', (type) => {
      const guard = new MutationAuthGuard(configOf({ HOST: '127.0.0.1' }));

      expect(guard.canActivate(contextWith(undefined, { 'content-type': type, 'content-length': '2' }))).toBe(true);
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
