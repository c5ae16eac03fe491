import { isCaptureSettings, type CaptureSettings } from '../domain/capture-settings.js';

/** A key's or team's `capture` column (JSON text, or NULL) read back: settings, or null for none. */
export function captureSettingsOf(column: unknown): CaptureSettings | null {
  if (typeof column !== 'string') return null;
  const parsed: unknown = JSON.parse(column);
  return isCaptureSettings(parsed) ? parsed : null;
}
