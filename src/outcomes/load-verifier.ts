import { exactVerifier } from './exact-verifier.js';
import { jsonSchemaVerifier } from './json-schema-verifier.js';
import { jsonValidVerifier } from './json-valid-verifier.js';
import { moduleVerifier } from './module-verifier.js';
import { regexVerifier } from './regex-verifier.js';
import { toolCallSameVerifier } from './tool-call-same-verifier.js';
import type { Verifier } from './verifier.js';

export const builtInVerifiers = ['exact', 'json-valid', 'json-schema:<file>', 'regex:<re>', 'tool-call-same'] as const;

/** A module path: a file a JavaScript or TypeScript module is in. */
const modulePath = /\.(?:[cm]?js|[cm]?ts)$/;

/** `--verify`: a built-in verifier by name, or a module's path. Loaded (and a schema compiled) before anything is sent. */
export async function loadVerifier(spec: string): Promise<Verifier> {
  if (spec === 'exact') return exactVerifier;
  if (spec === 'json-valid') return jsonValidVerifier;
  if (spec === 'tool-call-same') return toolCallSameVerifier;
  if (spec.startsWith('json-schema:')) return jsonSchemaVerifier(spec.slice('json-schema:'.length));
  if (spec.startsWith('regex:')) return regexVerifier(spec.slice('regex:'.length));
  if (modulePath.test(spec)) return moduleVerifier(spec);
  throw new Error(`--verify: '${spec}' is neither a built-in verifier (${builtInVerifiers.join(', ')}) nor a .js or .ts module`);
}
