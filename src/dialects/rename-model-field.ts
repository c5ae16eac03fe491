/** Sets `object[field]` to `model` when it holds a model name (a string); anything else is left alone. */
export function renameModelField(object: unknown, field: string, model: string): void {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return;
  const record = object as Record<string, unknown>;
  if (typeof record[field] === 'string') record[field] = model;
}
