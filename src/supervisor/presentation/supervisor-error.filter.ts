import { Catch, HttpStatus, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
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
  constructor(private readonly manager: ProcessManager) {}

  catch(error: SupervisorError, host: ArgumentsHost): void {
    const statusCode = STATUS[error.code] ?? HttpStatus.CONFLICT;
    const hint = error instanceof UnknownProcessError ? instancesHint(this.manager, error.processName) : '';
    const reply = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    reply.status(statusCode).send({ statusCode, code: error.code, message: `${error.message}${hint}` });
  }
}
