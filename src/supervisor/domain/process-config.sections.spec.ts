import { problemsWith, specWith } from './testing/process-config.testing.js';

const P = 'processes[0] "web": ';

describe('backoff and readiness (through parseProcessConfig)', () => {
  describe('when backoff is given', () => {
    it('fills in what it leaves out', () => {
      expect(specWith({ backoff: { factor: 1.5 } }).backoff).toEqual({
        initialDelayMs: 100,
        factor: 1.5,
        maxDelayMs: 30000,
        resetAfterMs: 10000,
      });
    });

    it('keeps every field', () => {
      const backoff = { initialDelayMs: 0, factor: 1, maxDelayMs: 0, resetAfterMs: 0 };

      expect(specWith({ backoff }).backoff).toEqual(backoff);
    });

    it('raises the default ceiling to a first delay above it', () => {
      expect(specWith({ backoff: { initialDelayMs: 60000 } }).backoff.maxDelayMs).toBe(60000);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['a factor below 1', { factor: 0.5 }, '"backoff.factor" must be a number from 1 to 10, got 0.5'],
      ['a negative first delay', { initialDelayMs: -1 }, '"backoff.initialDelayMs" must be a whole number of milliseconds from 0 to 86400000 (24 h), got -1'],
      ['a fractional delay', { resetAfterMs: 1.5 }, '"backoff.resetAfterMs" must be a whole number of milliseconds from 0 to 86400000 (24 h), got 1.5'],
      ['more than a day', { maxDelayMs: 86400001 }, '"backoff.maxDelayMs" must be a whole number of milliseconds from 0 to 86400000 (24 h), got 86400001'],
      ['a ceiling under the first delay', { initialDelayMs: 500, maxDelayMs: 100 }, '"backoff.maxDelayMs" must be at least "backoff.initialDelayMs" (500), got 100'],
      ['a typo', { initalDelayMs: 5 }, 'unknown field "backoff.initalDelayMs"; did you mean "backoff.initialDelayMs"?'],
    ])('reports %s', (_, backoff, problem) => {
      expect(problemsWith({ backoff })).toEqual([P + problem]);
    });

    it('rejects a backoff that is not an object', () => {
      expect(problemsWith({ backoff: 100 })).toEqual([
        `${P}"backoff" must be an object with any of "initialDelayMs", "factor", "maxDelayMs", "resetAfterMs", got 100`,
      ]);
    });
  });

  describe('when PM2 backoff fields are given', () => {
    it('reads restart_delay as a fixed delay', () => {
      expect(specWith({ restart_delay: 2000 }).backoff).toEqual({ initialDelayMs: 2000, factor: 1, maxDelayMs: 2000, resetAfterMs: 10000 });
    });

    it('reads exp_backoff_restart_delay as a delay growing by 1.5 up to 15 s', () => {
      expect(specWith({ exp_backoff_restart_delay: 100 }).backoff).toEqual({
        initialDelayMs: 100,
        factor: 1.5,
        maxDelayMs: 15000,
        resetAfterMs: 10000,
      });
    });

    it('keeps a ceiling of at least the exp_backoff_restart_delay itself', () => {
      expect(specWith({ exp_backoff_restart_delay: 20000 }).backoff.maxDelayMs).toBe(20000);
    });

    it('reads min_uptime as the reset time, next to backoff settings', () => {
      expect(specWith({ min_uptime: 3000, backoff: { factor: 3 } }).backoff).toMatchObject({ factor: 3, resetAfterMs: 3000 });
    });

    it('reads restart_delay next to a backoff that sets only the reset time', () => {
      expect(specWith({ restart_delay: 50, backoff: { resetAfterMs: 1 } }).backoff).toEqual({
        initialDelayMs: 50,
        factor: 1,
        maxDelayMs: 50,
        resetAfterMs: 1,
      });
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['restart_delay and backoff.initialDelayMs', { restart_delay: 1, backoff: { initialDelayMs: 1 } }, ['"backoff.initialDelayMs" and PM2 "restart_delay" both set the restart delay; keep one']],
      ['exp_backoff_restart_delay and backoff.maxDelayMs', { exp_backoff_restart_delay: 1, backoff: { maxDelayMs: 1 } }, ['"backoff.maxDelayMs" and PM2 "exp_backoff_restart_delay" both set the restart delay; keep one']],
      ['min_uptime and backoff.resetAfterMs', { min_uptime: 1, backoff: { resetAfterMs: 1 } }, ['"backoff.resetAfterMs" and PM2 "min_uptime" both set the uptime that resets the delay; keep one']],
      ['restart_delay and exp_backoff_restart_delay', { restart_delay: 1, exp_backoff_restart_delay: 1 }, ['give PM2 "restart_delay" (a fixed delay) or "exp_backoff_restart_delay" (a growing one), not both']],
      ['a bad restart_delay', { restart_delay: -5 }, ['"restart_delay" must be a whole number of milliseconds from 0 to 86400000 (24 h), got -5']],
      ['a min_uptime as text that is no time', { min_uptime: '1 sec' }, ['"min_uptime" must be milliseconds or a time such as "10s", "1m", "2h", from 0 to 86400000 (24 h) ms, got "1 sec"']],
    ])('reports %s', (_, fields, problems) => {
      expect(problemsWith(fields)).toEqual(problems.map((problem) => P + problem));
    });
  });

  describe('when readiness probes tcp', () => {
    it('probes a port number on 127.0.0.1', () => {
      expect(specWith({ readiness: { tcp: 5432 } }).readiness.target).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 5432 });
    });

    it('probes the process\'s own port for tcp: true', () => {
      expect(specWith({ port: 3000, readiness: { tcp: true } }).readiness.target).toEqual({ kind: 'tcp', host: '127.0.0.1', port: null });
    });

    it('probes a host and port', () => {
      expect(specWith({ readiness: { tcp: { host: 'db.local', port: 5432 } } }).readiness.target).toEqual({
        kind: 'tcp',
        host: 'db.local',
        port: 5432,
      });
    });

    it('probes the own port on a given host when the port is left out', () => {
      expect(specWith({ port: 80, readiness: { tcp: { host: '::1' } } }).readiness.target).toEqual({ kind: 'tcp', host: '::1', port: null });
    });

    it('keeps the timings', () => {
      const timings = { intervalMs: 50, timeoutMs: 10, failureThreshold: 1, startupGraceMs: 0 };

      expect(specWith({ readiness: { tcp: 80, ...timings } }).readiness).toEqual({
        target: { kind: 'tcp', host: '127.0.0.1', port: 80 },
        ...timings,
      });
    });

    it.each<[string, unknown, string]>([
      ['true without a process port', true, '"readiness.tcp" probes the process\'s own port, but the process declares no "port"; add "port" or give the port to probe'],
      ['false', false, '"readiness.tcp" must be a port number, true (the process\'s own "port") or { host, port }, got false'],
      ['port 0', 0, '"readiness.tcp" must be a whole number from 1 to 65535, got 0'],
      ['an object with a bad port', { port: 70000 }, '"readiness.tcp.port" must be a whole number from 1 to 65535, got 70000'],
      ['a host with spaces', { host: 'a b', port: 1 }, '"readiness.tcp.host" must be a host name or an IP address without spaces'],
      ['an unknown key', { hots: 'x', port: 1 }, 'unknown field "readiness.tcp.hots"; did you mean "readiness.tcp.host"?'],
    ])('reports %s', (_, tcp, problem) => {
      expect(problemsWith({ readiness: { tcp } })).toEqual([P + problem]);
    });
  });

  describe('when readiness probes http', () => {
    it.each(['http://127.0.0.1:8080/health', 'https://example.com/ready?x=1', 'http://localhost:{port}/health'])('accepts %s', (url) => {
      expect(specWith({ port: 8080, readiness: { http: url } }).readiness.target).toEqual({ kind: 'http', url });
    });

    it.each<[string, unknown, number | undefined, string[]]>([
      ['another scheme', 'ftp://host/x', 80, ['"readiness.http" must be an http:// or https:// URL, got "ftp://host/x"']],
      ['no URL at all', 'localhost:80/health', 80, ['"readiness.http" must be an http:// or https:// URL, got "localhost:80/health"']],
      ['spaces', 'http://a b/', 80, ['"readiness.http" must be an http:// or https:// URL, got "http://a b/"']],
      ['not a string', 8080, 80, ['"readiness.http" must be a string, got 8080']],
      ['{port} without a port', 'http://127.0.0.1:{port}/', undefined, ['"readiness.http" uses {port}, but the process declares no "port"; add "port" or write the port']],
    ])('reports %s', (_, http, port, problems) => {
      expect(problemsWith({ port, readiness: { http } })).toEqual(problems.map((problem) => P + problem));
    });
  });

  describe('when readiness is otherwise wrong', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['no target', { intervalMs: 500 }, '"readiness" needs a target: "tcp" (a port, true for the process\'s own "port", or { host, port }) or "http" (a URL)'],
      ['two targets', { tcp: 80, http: 'http://x/' }, '"readiness" must have one target: "tcp" or "http", not both'],
      ['an interval under 50 ms', { tcp: 80, intervalMs: 49 }, '"readiness.intervalMs" must be a whole number of milliseconds from 50 to 86400000 (24 h), got 49'],
      ['a timeout under 10 ms', { tcp: 80, timeoutMs: 9 }, '"readiness.timeoutMs" must be a whole number of milliseconds from 10 to 86400000 (24 h), got 9'],
      ['a threshold of 0', { tcp: 80, failureThreshold: 0 }, '"readiness.failureThreshold" must be a whole number from 1 to 1000, got 0'],
      ['a negative grace', { tcp: 80, startupGraceMs: -1 }, '"readiness.startupGraceMs" must be a whole number of milliseconds from 0 to 86400000 (24 h), got -1'],
      ['a typo', { tcp: 80, interval: 100 }, 'unknown field "readiness.interval"; did you mean "readiness.intervalMs"?'],
    ])('reports %s', (_, readiness, problem) => {
      expect(problemsWith({ readiness })).toEqual([P + problem]);
    });

    it('rejects a readiness that is not an object', () => {
      expect(problemsWith({ readiness: 'http://x/' })).toEqual([
        `${P}"readiness" must be an object with any of "tcp", "http", "intervalMs", "timeoutMs", "failureThreshold", "startupGraceMs", got "http://x/"`,
      ]);
    });
  });
});
