/** USD per million tokens of each kind (input is uncached input), plus any fixed fee per request. */
export interface LinearRates {
  request: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}
