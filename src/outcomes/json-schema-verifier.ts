import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { answerJson } from './json-valid-verifier.js';
import type { Verifier } from './verifier.js';

/**
 * `json-schema:<file>`: 1 when the answer's text is JSON valid under the schema in the file, else 0. The
 * schema's `$schema` picks the draft (2020-12, 2019-09, else draft-07, Ajv's default); unknown keywords are
 * allowed, as schemas written for structured outputs carry some.
 */
export async function jsonSchemaVerifier(file: string): Promise<Verifier> {
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`--verify json-schema:${file}: ${(error as Error).message}`);
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new Error(`--verify json-schema:${file}: the schema is not a JSON object`);
  const draft = String((schema as { $schema?: unknown }).$schema ?? '');
  const options = { strict: false, allErrors: false };
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  let validate: (value: unknown) => boolean;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new Error(`--verify json-schema:${file}: ${(error as Error).message}`);
  }
  return {
    name: `json-schema:${file}`,
    score: (_request, answer) => {
      const json = answer.error === undefined ? answerJson(answer.text) : undefined;
      return json !== undefined && validate(json.value) ? 1 : 0;
    },
  };
}
