import type { VersionHeader } from '../dialect.js';

/**
 * Anthropic versions its API by header (https://docs.anthropic.com/en/api/versioning). A pass-through call
 * forwards the caller's own version, since the body was written for it; a translated body was written by
 * Sluice's codecs, so it goes with the version they follow.
 */
export const anthropicVersionHeader: VersionHeader = { name: 'anthropic-version', translatorVersion: '2023-06-01' };
