/** The metrics of this instance in one exposition format. */
export interface IMetricsExposition {
  /** The Content-Type of `render()`'s text. */
  readonly contentType: string;
  /** Every metric as it is now (collected at this call, never cached). */
  render(): Promise<string>;
}
