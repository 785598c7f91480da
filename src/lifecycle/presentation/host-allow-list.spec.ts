import { HostAllowList } from './host-allow-list.js';

const list = (HOST = '127.0.0.1', ALLOWED_HOSTS: string[] = [], PORT = 3000) => HostAllowList.fromSettings({ HOST, PORT, ALLOWED_HOSTS });

describe('HostAllowList', () => {
  describe('when bound to loopback with no ALLOWED_HOSTS', () => {
    it.each(['127.0.0.1:3000', 'localhost:3000', 'LOCALHOST:3000', 'localhost.:3000', '[::1]:3000', '[::1]:3000'])('allows Host %p', (host) => {
      expect(list().allowsHost(host)).toBe(true);
    });

    it.each([
      ['a rebound name', 'evil.example:3000'],
      ['a name without port', 'evil.example'],
      ['another port', '127.0.0.1:3001'],
      ['no port (80)', 'localhost'],
      ['another loopback address', '127.0.0.2:3000'],
      ['a LAN address', '10.0.0.5:3000'],
      ['a bare IPv6 address', '::1'],
      ['garbage', 'local host:3000'],
      ['an empty value', ''],
      ['a port that is not a number', 'localhost:30x0'],
      ['an unclosed bracket', '[::1:3000'],
    ])('refuses %s (%p)', (_label, host) => {
      expect(list().allowsHost(host)).toBe(false);
    });

    it('lets a request without Host through (HTTP/1.0; no browser sends one)', () => {
      expect(list().allowsHost(undefined)).toBe(true);
    });

    it('answers to port 80 without a port in Host when PORT is 80', () => {
      expect(list('127.0.0.1', [], 80).allowsHost('localhost')).toBe(true);
    });
  });

  describe('when HOST is a name or an IPv6 address', () => {
    it('allows that name, and the IPv6 address in brackets', () => {
      expect(list('box.lan').allowsHost('box.lan:3000')).toBe(true);
      expect(list('fd00::5').allowsHost('[fd00::5]:3000')).toBe(true);
    });
  });

  describe('when bound to a wildcard address', () => {
    it.each(['0.0.0.0', '::'])('allows any IP address on PORT but no unlisted name (HOST %s)', (host) => {
      const hosts = list(host);

      expect(hosts.allowsHost('192.168.1.20:3000')).toBe(true);
      expect(hosts.allowsHost('[fe80::1]:3000')).toBe(true);
      expect(hosts.allowsHost('192.168.1.20:4000')).toBe(false);
      expect(hosts.allowsHost('box.lan:3000')).toBe(false);
    });
  });

  describe('when ALLOWED_HOSTS is set', () => {
    it('allows a listed name on any port, and a name:port only on that port', () => {
      const hosts = list('127.0.0.1', ['Procguard.lan', 'proxy.example:8443']);

      expect(hosts.allowsHost('procguard.lan')).toBe(true);
      expect(hosts.allowsHost('procguard.lan:9999')).toBe(true);
      expect(hosts.allowsHost('proxy.example:8443')).toBe(true);
      expect(hosts.allowsHost('proxy.example:443')).toBe(false);
      expect(hosts.allowsHost('localhost:3000')).toBe(true);
    });

    it('allows everything with *', () => {
      expect(list('127.0.0.1', ['*']).allowsHost('evil.example')).toBe(true);
      expect(list('127.0.0.1', ['*']).allowsOrigin('null')).toBe(true);
    });
  });

  describe('when given an Origin', () => {
    it.each<[string, boolean]>([
      ['http://127.0.0.1:3000', true],
      ['http://localhost:3000', true],
      ['http://[::1]:3000', true],
      ['http://evil.example:3000', false],
      ['http://localhost:8080', false],
      ['http://localhost', false],
      ['null', false],
      ['file://', false],
      ['chrome-extension://abc', false],
      ['not a url', false],
    ])('%p is %p', (origin, expected) => {
      expect(list().allowsOrigin(origin)).toBe(expected);
    });

    it('uses the scheme default port', () => {
      expect(list('127.0.0.1', ['proxy.example:443']).allowsOrigin('https://proxy.example')).toBe(true);
      expect(list('127.0.0.1', ['proxy.example:443']).allowsOrigin('http://proxy.example')).toBe(false);
    });
  });

  describe('when asked about the same Host again and again', () => {
    it('gives each value the same verdict every time, however many different values came first', () => {
      const hosts = list();
      for (let i = 0; i < 3; i++) {
        expect(hosts.allowsHost('127.0.0.1:3000')).toBe(true);
        expect(hosts.allowsHost('evil.example:3000')).toBe(false);
      }
      for (let i = 0; i < 500; i++) expect(hosts.allowsHost(`rebind-${i}.example:3000`)).toBe(false);
      expect(hosts.allowsHost('localhost:3000')).toBe(true);
      expect(hosts.allowsHost('LOCALHOST.:3000')).toBe(true);
      expect(hosts.allowsHost('localhost:3001')).toBe(false);
      expect(hosts.allowsHost('evil.example:3000')).toBe(false);
    });
  });
});
