/** One answered HTTP request, as the platform's hook saw it. */
export interface HttpRequestObservation {
  readonly method: string;
  /** The matched route's template (`/api/processes/:name`), never the raw URL; null when no route matched. */
  readonly route: string | null;
  readonly statusCode: number;
  readonly seconds: number;
}

/** Counts HTTP requests by route; registered on the HTTP platform by the server (see HttpPlatform). */
export interface IHttpRequestObserver {
  /** Never throws: it runs in the platform's response hook. */
  observe(request: HttpRequestObservation): void;
}
