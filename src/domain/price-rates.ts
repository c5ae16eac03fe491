/** USD per million tokens of each kind (input is uncached input), plus any fixed fee per request. */
export interface LinearRates {
  request: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /**
   * Image input tokens, where the catalogue prices them apart from text (`input_image_mtok`: GPT Image,
   * realtime and some Gemini models); absent when they cost what input does. The catalogue (0.1.8) has no
   * price per image, only per image token.
   */
  inputImage?: number;
}
