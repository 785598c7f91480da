import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { SupervisorError } from '../domain/supervisor.errors.js';

const STATUS: Record<string, number> = {
  UNKNOWN_PROCESS: HttpStatus.NOT_FOUND,
  PROCESS_BUSY: HttpStatus.CONFLICT,
  INVALID_PROCESS_CONFIG: HttpStatus.BAD_REQUEST,
};

/** Domain errors become 404/409/400 with their message and code, never a stack trace. */
@Catch(SupervisorError)
export class SupervisorErrorFilter implements ExceptionFilter {
  catch(error: SupervisorError, host: ArgumentsHost): void {
    const statusCode = STATUS[error.code] ?? HttpStatus.CONFLICT;
    const reply = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    reply.status(statusCode).send({ statusCode, code: error.code, message: error.message });
  }
}
