import { timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

/**
 * Mutating routes: a Bearer token when API_TOKEN is set; without one they are
 * allowed only while the server listens on loopback.
 */
@Injectable()
export class MutationAuthGuard implements CanActivate {
  private readonly token: Buffer | null;
  private readonly host: string;

  constructor(config: ConfigService) {
    const token = config.get<string | null>('API_TOKEN') ?? null;
    this.token = token === null ? null : Buffer.from(token);
    this.host = config.getOrThrow<string>('HOST');
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.token === null) {
      if (isLoopback(this.host)) return true;
      throw new ForbiddenException(
        `Mutating endpoints are disabled: the server listens on ${this.host}, which is not loopback, and API_TOKEN is not set`,
      );
    }
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization;
    const match = /^Bearer (\S+)$/.exec(header ?? '');
    if (!match || !sameSecret(Buffer.from(match[1]), this.token)) {
      throw new UnauthorizedException('A valid "Authorization: Bearer <API_TOKEN>" header is required');
    }
    return true;
  }
}

function sameSecret(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}
