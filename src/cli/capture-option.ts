import type { Command } from 'commander';
import { maxCaptureBytes } from '../config/capture-schema.js';
import type { CaptureSettings } from '../domain/capture-settings.js';

/** `--capture`, `--capture-retain-days` and `--capture-max-bytes` on `keys issue`, `keys update` and `teams set`. */
export function addCaptureOptions(command: Command): Command {
  return command
    .option('--capture <sample>', 'capture this share of calls, 0 to 1 (0: only calls that send x-sluice-capture: true; "off" or "" clears it)')
    .option('--capture-retain-days <days>', 'days captures are kept (default: capture.retainDays in the config)')
    .option('--capture-max-bytes <bytes>', 'the most of each request and answer kept (default: capture.maxBytes in the config)');
}

export interface CaptureFlags {
  capture?: string;
  captureRetainDays?: string;
  captureMaxBytes?: string;
}

/**
 * The capture settings to store: from the flags, over the stored ones (a retention or size flag alone
 * changes that field of the settings already there); null for `--capture off` or `--capture ""`.
 */
export function captureFromFlags(flags: CaptureFlags, existing: CaptureSettings | null = null): CaptureSettings | null {
  const { capture, captureRetainDays, captureMaxBytes } = flags;
  if (capture === undefined && captureRetainDays === undefined && captureMaxBytes === undefined) return existing;
  if (capture !== undefined && ['', 'off', 'none'].includes(capture.trim().toLowerCase())) {
    if (captureRetainDays !== undefined || captureMaxBytes !== undefined) throw new Error('--capture off takes no --capture-retain-days or --capture-max-bytes');
    return null;
  }
  let sample = existing?.sample;
  if (capture !== undefined) {
    sample = Number(capture);
    if (capture.trim() === '' || !Number.isFinite(sample) || sample < 0 || sample > 1) throw new Error('--capture must be a number from 0 to 1, or off');
  }
  if (sample === undefined) throw new Error('--capture-retain-days and --capture-max-bytes need --capture (the key or team captures nothing yet)');
  const settings: CaptureSettings = { sample };
  const retainDays = captureRetainDays === undefined ? existing?.retainDays : wholeNumber(captureRetainDays, '--capture-retain-days', 1, 3650);
  const maxBytes = captureMaxBytes === undefined ? existing?.maxBytes : wholeNumber(captureMaxBytes, '--capture-max-bytes', 1, maxCaptureBytes);
  if (retainDays !== undefined) settings.retainDays = retainDays;
  if (maxBytes !== undefined) settings.maxBytes = maxBytes;
  return settings;
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}`);
  return value;
}

/** Capture settings as a table cell: `0.1`, `0.1, 14 d, 262144 B`; '' for none. */
export function describeCapture(settings: CaptureSettings | null): string {
  if (settings === null) return '';
  return [String(settings.sample), ...(settings.retainDays === undefined ? [] : [`${settings.retainDays} d`]), ...(settings.maxBytes === undefined ? [] : [`${settings.maxBytes} B`])].join(', ');
}
