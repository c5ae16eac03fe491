/** `{ error: { message } }`: where both OpenAI and Anthropic put the human message of an error body. */
export function nestedErrorMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === 'string' ? error.message : undefined;
}
