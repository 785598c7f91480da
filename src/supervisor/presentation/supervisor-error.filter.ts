import { Catch, HttpStatus, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ProcessManager } from '../application/process-manager.service.js';
import { SupervisorError, UnknownProcessError } from '../domain/supervisor.errors.js';
import { instancesHint } from './instances-hint.js';

const STATUS: Record<string, number> = {
  UNKNOWN_PROCESS: HttpStatus.NOT_FOUND,
  PROCESS_BUSY: HttpStatus.CONFLICT,
  INVALID_PROCESS_CONFIG: HttpStatus.BAD_REQUEST,
};

/** Domain errors become 404/409/400 with their message and code, never a stack trace. */
@Catch(SupervisorError)
@Injectable()
export class SupervisorErrorFilter implements ExceptionFilter {
  constructor(
    private readonly manager: ProcessManager,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(error: SupervisorError, host: ArgumentsHost): void {
    const statusCode = STATUS[error.code] ?? HttpStatus.CONFLICT;
    const hint = error instanceof UnknownProcessError ? instancesHint(this.manager, error.processName) : '';
    // Through the adapter, so the answer is the same JSON on Fastify and Express.
    this.adapterHost.httpAdapter.reply(
      host.switchToHttp().getResponse(),
      { statusCode, code: error.code, message: `${error.message}${hint}` },
      statusCode,
    );
  }
}
