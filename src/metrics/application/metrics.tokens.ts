/** Injection tokens of the metrics feature. */
/** The Prometheus text of this instance (IMetricsExposition). */
export const METRICS_EXPOSITION = Symbol('IMetricsExposition');
/** Told every HTTP request's route and duration (IHttpRequestObserver); the server registers it on its platform. */
export const HTTP_REQUEST_OBSERVER = Symbol('IHttpRequestObserver');
