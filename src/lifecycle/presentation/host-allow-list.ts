import { isIP } from 'node:net';

interface HostEntry {
  readonly name: string;
  /** null: any port. */
  readonly port: number | null;
}

interface HostPort {
  readonly name: string;
  readonly port: number;
}

export interface HostAllowListSettings {
  readonly HOST: string;
  readonly PORT: number;
  readonly ALLOWED_HOSTS: readonly string[];
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);
/** Verdicts remembered per exact `Host` value: a client sends the same one on every request. */
const VERDICTS_KEPT = 64;

/**
 * The `Host` (and `Origin`) values this server answers to, against DNS rebinding:
 * a page on `evil.example` whose name now points at 127.0.0.1 still sends
 * `Host: evil.example:3000`. Defaults: HOST, localhost, 127.0.0.1 and [::1] on PORT;
 * ALLOWED_HOSTS adds `name` (any port) or `name:port` entries, or `*` (no check).
 * Bound to a wildcard address, any IP-address Host on PORT is accepted too: an
 * address cannot be rebound, only a name can.
 */
export class HostAllowList {
  private constructor(
    private readonly entries: readonly HostEntry[],
    private readonly port: number,
    private readonly anyAddress: boolean,
    private readonly anything: boolean,
  ) {}

  /** Bounded: once full, further values are judged every time (no input grows it). */
  private readonly verdicts = new Map<string, boolean>();

  static fromSettings(settings: HostAllowListSettings): HostAllowList {
    const { HOST, PORT, ALLOWED_HOSTS } = settings;
    const defaults = [bracketed(HOST), 'localhost', '127.0.0.1', '[::1]'].map((name) => ({ name: normalise(name), port: PORT }));
    const extra = ALLOWED_HOSTS.filter((h) => h !== '*').map((h) => {
      const parsed = splitHost(h);
      return parsed ?? { name: normalise(h), port: null };
    });
    return new HostAllowList([...defaults, ...extra], PORT, WILDCARD_BINDS.has(HOST), ALLOWED_HOSTS.includes('*'));
  }

  /** A request's `Host` header; a request without one (HTTP/1.0) comes from no browser and passes. */
  allowsHost(header: string | undefined): boolean {
    if (this.anything || header === undefined) return true;
    const known = this.verdicts.get(header);
    if (known !== undefined) return known;
    const parsed = splitHost(header);
    const verdict = parsed !== null && this.allows({ name: parsed.name, port: parsed.port ?? 80 });
    if (this.verdicts.size < VERDICTS_KEPT) this.verdicts.set(header, verdict);
    return verdict;
  }

  /** A browser's `Origin` header (`null` and other schemes are refused). */
  allowsOrigin(origin: string): boolean {
    if (this.anything) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return this.allows({ name: normalise(url.hostname), port });
  }

  private allows(host: HostPort): boolean {
    if (this.anyAddress && host.port === this.port && isAddress(host.name)) return true;
    return this.entries.some((e) => e.name === host.name && (e.port === null || e.port === host.port));
  }
}

/** `name[:port]` or `[v6][:port]`; null when malformed. */
function splitHost(value: string): { name: string; port: number | null } | null {
  const text = value.trim();
  let name: string;
  let rest: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    name = text.slice(0, end + 1);
    rest = text.slice(end + 1);
  } else {
    const colon = text.indexOf(':');
    if (colon !== text.lastIndexOf(':')) return null;
    name = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
  }
  if (name === '' || name === '[]') return null;
  if (rest === '') return { name: normalise(name), port: null };
  if (!/^:\d{1,5}$/.test(rest)) return null;
  return { name: normalise(name), port: Number(rest.slice(1)) };
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function isAddress(name: string): boolean {
  return isIP(name) === 4 || (name.startsWith('[') && name.endsWith(']') && isIP(name.slice(1, -1)) === 6);
}
