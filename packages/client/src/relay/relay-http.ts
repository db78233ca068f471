// The relay's HTTP API as the client sees it: JSON in, JSON out, errors as RelayError with the
// relay's stable RELAY_ERR_* code. In a browser the session cookie travels by itself (same origin,
// HttpOnly); in Node (tests, benchmarks) a one-cookie jar stands in for the browser's.
import type { ErrorReply } from '@veil/wire';

export class RelayError extends Error {
  override readonly name = 'RelayError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole error body, for the few errors that carry more (unknown devices). */
    readonly body: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  /** The request never got an answer (offline, relay down): worth retrying later. */
  get network(): boolean {
    return this.status === 0;
  }
}

export interface RelayHttpOptions {
  /** Origin of the relay, e.g. `https://veil.example`; '' for same-origin (the PWA). */
  readonly baseUrl: string;
  /** Node only: the Origin header a browser would send (the relay refuses foreign origins). */
  readonly origin?: string;
  readonly fetch?: typeof fetch;
}

export class RelayHttp {
  /** Node only: the session cookie, as `name=value`. Browsers keep it themselves. */
  cookie: string | null = null;
  private readonly fetchImpl: typeof fetch;

  constructor(readonly options: RelayHttpOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** Headers a browser would send on its own; in a browser only content-type is added. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.options.origin !== undefined) headers['origin'] = this.options.origin;
    if (this.cookie !== null) headers['cookie'] = this.cookie;
    return headers;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        credentials: 'same-origin',
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new RelayError(0, 'NETWORK', `The relay cannot be reached (${String(error)})`);
    }
    this.keepCookie(response);
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new RelayError(
          response.status,
          'BAD_REPLY',
          'The relay sent something that is not JSON',
        );
      }
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as Partial<ErrorReply> & Record<string, unknown>;
      throw new RelayError(
        response.status,
        error.code ?? `HTTP_${response.status}`,
        error.message ?? response.statusText,
        error,
      );
    }
    return parsed as T;
  }

  /**
   * A request whose body or reply is not JSON (attachment blobs): the Response when it is a 2xx,
   * otherwise the same RelayError as `request`. The caller reads (or cancels) the body.
   */
  async raw(
    method: string,
    path: string,
    init: { body?: Uint8Array; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        credentials: 'same-origin',
        headers: this.headers(init.headers),
        // Our bytes always sit on a plain ArrayBuffer; TypeScript cannot know that of a view.
        ...(init.body === undefined ? {} : { body: init.body as Uint8Array<ArrayBuffer> }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
    } catch (error) {
      throw new RelayError(0, 'NETWORK', `The relay cannot be reached (${String(error)})`);
    }
    this.keepCookie(response);
    if (response.ok) return response;
    let error: Partial<ErrorReply> & Record<string, unknown> = {};
    try {
      error = (await response.json()) as typeof error;
    } catch {
      // Not JSON: the status alone says what happened.
    }
    throw new RelayError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? response.statusText,
      error,
    );
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  private keepCookie(response: Response): void {
    // Browsers hide Set-Cookie from scripts; this only does something in Node.
    const setCookies =
      typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
    for (const setCookie of setCookies) {
      const pair = setCookie.split(';', 1)[0] ?? '';
      const value = pair.slice(pair.indexOf('=') + 1);
      this.cookie = value === '' ? null : pair;
    }
  }
}
