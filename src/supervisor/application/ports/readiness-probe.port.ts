/** A probe target with the instance's port already filled in. */
export type ResolvedProbeTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'http'; readonly url: string };

export interface IReadinessProbe {
  /** true when the target answers within `timeoutMs` (TCP connect, or HTTP 2xx/3xx); never throws. */
  check(target: ResolvedProbeTarget, timeoutMs: number): Promise<boolean>;
}
