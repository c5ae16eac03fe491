import { CaptureRecorder } from '../../../capture/capture-recorder.js';
import { GatewayError } from '../../../errors/gateway-error.js';
import type { ResolvedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';

/**
 * Stage 4c — is this call's content captured (issue 22 §2)? The settings that apply are the key's, else its
 * team's, else its model group's (`CapturePolicy`); with none, nothing is captured and a caller asking with
 * `x-sluice-capture: true` is refused (403 `capture_not_allowed`), so a run learns at its first call that its
 * calls are not being kept. Otherwise the call is captured when it asks or when the sample draws it, and a
 * `CaptureRecorder` taps its answer from here on. Off (no settings, no header), this reads a header, the
 * key's field and, for a team key or a group call, one map entry: no copy, no closure.
 */
export function decideCapture(call: ModelCall, resolved: ResolvedCall): ResolvedCall {
  const asked = askedForCapture(call.request.headers['x-sluice-capture']);
  const { key } = resolved.parsed.caller;
  const { services } = call;
  const policy = services.capture;
  const settings =
    key.capture ?? (key.teamName === null ? null : services.principals.find('team', key.teamName)?.capture) ?? policy.groupSettings(resolved.route.group?.name);
  if (settings === null || settings === undefined) {
    if (asked) {
      throw new GatewayError('capture_not_allowed', 'This key may not ask for capture: neither the key, its team nor the model group has capture settings.', {
        param: 'x-sluice-capture',
      });
    }
    return resolved;
  }
  if (!policy.sampled(settings, asked)) return resolved;
  call.capture = new CaptureRecorder(call.id, call.request, call.response, policy.resolve(settings), call.createdAt);
  return resolved;
}

/** `x-sluice-capture`: `true` asks, `false` (or no header) does not; anything else is a 400 naming the header. */
function askedForCapture(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  throw new GatewayError('invalid_request', 'x-sluice-capture must be true or false.', { param: 'x-sluice-capture' });
}
