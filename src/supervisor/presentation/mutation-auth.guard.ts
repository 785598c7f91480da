import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { SETTINGS, type ProcguardSettings } from '../../config/settings.js';
import { HostAllowList } from '../../lifecycle/presentation/host-allow-list.js';

type Headers = Record<string, string | string[] | undefined>;

/**
 * Mutating routes. Refused when a browser sends them from another site (`Origin`,
 * `Sec-Fetch-Site`), when they carry a body other than JSON (what an HTML form or a
 * "simple" cross-site fetch can send), and, with API_TOKEN set, without the Bearer
 * token; without a token they are allowed only while the server listens on loopback.
 */
@Injectable()
export class MutationAuthGuard implements CanActivate {
  private readonly tokenDigest: Buffer | null;
  private readonly host: string;
  private readonly allowList: HostAllowList;

  constructor(@Inject(SETTINGS) settings: Pick<ProcguardSettings, 'API_TOKEN' | 'HOST' | 'PORT' | 'ALLOWED_HOSTS'>) {
    const token = settings.API_TOKEN;
    this.tokenDigest = token === null ? null : digest(token);
    this.host = settings.HOST;
    this.allowList = HostAllowList.fromSettings(settings);
  }

  canActivate(context: ExecutionContext): boolean {
    const headers = context.switchToHttp().getRequest<{ headers: Headers }>().headers;
    this.refuseCrossSite(headers);
    refuseNonJsonBody(headers);
    if (this.tokenDigest === null) {
      if (isLoopback(this.host)) return true;
      throw new ForbiddenException(
        `Mutating endpoints are disabled: the server listens on ${this.host}, which is not loopback, and API_TOKEN is not set`,
      );
    }
    const match = /^Bearer (\S+)$/.exec(first(headers.authorization) ?? '');
    // Both sides hashed first: equal lengths always, so the comparison time says nothing about the token.
    if (!match || !timingSafeEqual(digest(match[1]), this.tokenDigest)) {
      throw new UnauthorizedException('A valid "Authorization: Bearer <API_TOKEN>" header is required');
    }
    return true;
  }

  private refuseCrossSite(headers: Headers): void {
    const origin = first(headers.origin);
    if (origin !== undefined) {
      // The Origin decides when there is one, so an origin listed in ALLOWED_HOSTS works from any port.
      if (this.allowList.allowsOrigin(origin)) return;
      throw new ForbiddenException(
        `Refused a request from origin "${origin.slice(0, 100)}": processes can be changed only from this server's own origin`,
      );
    }
    const site = first(headers['sec-fetch-site']);
    // `same-site` includes another port of the same host: a different origin all the same.
    if (site === 'cross-site' || site === 'same-site') {
      throw new ForbiddenException(`Refused a ${site} request: processes can be changed only from this server's own origin`);
    }
  }
}

/** No body at all, or `application/json`: the only requests this API takes. */
function refuseNonJsonBody(headers: Headers): void {
  const type = first(headers['content-type']);
  const length = first(headers['content-length']);
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length.trim() !== '0');
  if (type === undefined && !hasBody) return;
  const mediaType = (type ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new UnsupportedMediaTypeException(
      `Content-Type "${(type ?? '(none)').slice(0, 100)}" is not accepted: send no body, or application/json`,
    );
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}
