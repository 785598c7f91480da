import { OPERATOR_EXIT, OperatorError } from './operator-exit.js';

/** An answer of the API: its status and parsed JSON body (null when empty or not JSON). */
export interface ApiAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

const REQUEST_TIMEOUT_MS = 60_000;

/**
 * The instance's HTTP API, with the bearer token when one is given. A 401 is exit 4;
 * a connection that fails is exit 1 naming the address (the PID file said it runs).
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  get<T>(path: string, options: { accept?: number[] } = {}): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path, options.accept);
  }

  post<T>(path: string, options: { accept?: number[] } = {}): Promise<ApiAnswer<T>> {
    return this.request<T>('POST', path, options.accept);
  }

  /** Headers for a request of our own (the SSE streams): the token, when there is one. */
  headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private async request<T>(method: string, path: string, accept: number[] = []): Promise<ApiAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers: this.headers(), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new OperatorError(
        `Cannot reach the instance at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        OPERATOR_EXIT.failed,
        'UNREACHABLE',
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (res.status === 401) {
      const why = this.token ? 'the token was refused' : 'a token is required (set API_TOKEN or pass --token)';
      throw new OperatorError(`Unauthorised: ${why}.`, OPERATOR_EXIT.unauthorised, 'UNAUTHORISED');
    }
    if (res.status >= 400 && !accept.includes(res.status)) {
      throw new OperatorError(`${method} ${path} answered ${res.status}: ${messageOf(body)}`, OPERATOR_EXIT.failed);
    }
    return { status: res.status, body: body as T };
  }
}

/** The `message` of a Nest error body, else the body as text. */
export function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const message = (body as { message: unknown }).message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body);
}
