import createClient from 'openapi-fetch';
import type { components, paths } from './api';

/** The API's shapes, by DTO name (generated from the app's OpenAPI document). */
export type Schemas = components['schemas'];

/** A typed client for the Sundial API: `client.GET('/triggers/{project}/…', { params })`. */
export type SundialClient = ReturnType<typeof createClient<paths>>;

export interface ClientOptions {
  /** the API's base address, e.g. http://localhost:3000 */
  url: string;
  /** sent as `Authorization: Bearer <key>` when given */
  apiKey?: string;
  /** a fetch implementation (default: the global one) */
  fetch?: typeof fetch;
}

export function sundialClient(options: ClientOptions): SundialClient {
  return createClient<paths>({
    baseUrl: options.url.replace(/\/+$/, ''),
    headers: options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** The API answered with an error body (api.md "Errors"), or did not answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** `details` of VALIDATION_FAILED and INVALID_SCHEDULE: `[{ field, message }]`. */
  fieldErrors(): { field: string; message: string }[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is { field: string; message: string } =>
        typeof d === 'object' && d !== null && 'field' in d && 'message' in d,
    );
  }

  /** The error as the API sent it (for `--output json`). */
  toBody(): Record<string, unknown> {
    return {
      statusCode: this.status,
      code: this.code,
      message: this.message,
      ...(this.details !== undefined ? { details: this.details } : {}),
      ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
    };
  }
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Awaits one openapi-fetch call and returns its body, or throws ApiError with the API's code and
 * message (a refused connection or a non-JSON error answer included).
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>, url?: string): Promise<T> {
  return (await send(call, url)).data;
}

/** Like unwrap, with the answer's status (e.g. 200 vs 201). */
export async function send<T>(
  call: Promise<FetchResult<T>>,
  url?: string,
): Promise<{ data: T; status: number }> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new ApiError(0, 'UNREACHABLE', `cannot reach ${url ?? 'the API'}: ${why}`);
  }
  if (result.response.ok) return { data: result.data as T, status: result.response.status };
  throw errorOf(result.response, result.error);
}

function errorOf(response: Response, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'code' in body && 'message' in body) {
    const b = body as { code: unknown; message: unknown; details?: unknown; requestId?: unknown };
    return new ApiError(
      response.status,
      String(b.code),
      String(b.message),
      b.details,
      typeof b.requestId === 'string' ? b.requestId : undefined,
    );
  }
  const text = typeof body === 'string' && body.length > 0 ? `: ${body.slice(0, 200)}` : '';
  return new ApiError(response.status, `HTTP_${response.status}`, `${response.statusText}${text}`);
}
