import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVerifier } from '../../src/outcomes/load-verifier.js';
import type { ReplayAnswer } from '../../src/outcomes/replay-answer.js';
import type { VerifiedRequest } from '../../src/outcomes/verifier.js';

/** Each verifier `--verify` names, on answers made by hand; custom modules in JavaScript and TypeScript. */
const request: VerifiedRequest = { requestId: '01REQ', dialect: 'openai-chat', method: 'POST', path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'hi' }] } };

function answer(fields: Partial<ReplayAnswer> = {}): ReplayAnswer {
  return { status: 200, stream: false, text: '', toolCalls: [], raw: '', error: undefined, ...fields };
}

const failed = answer({ status: 502, error: 'status 502' });
let directory = '';
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-verifiers-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function score(spec: string, scored: ReplayAnswer, reference: ReplayAnswer = scored): Promise<number> {
  return (await loadVerifier(spec)).score(request, scored, reference);
}

describe('built-in verifiers', () => {
  it('exact: the same text as the original, character for character', async () => {
    const original = answer({ text: 'Paris.' });
    expect(await score('exact', answer({ text: 'Paris.' }), original)).toBe(1);
    expect(await score('exact', answer({ text: 'Paris. ' }), original)).toBe(0);
    expect(await score('exact', answer({ text: 'paris.' }), original)).toBe(0);
    expect(await score('exact', { ...failed, text: 'Paris.' }, original)).toBe(0);
  });

  it('json-valid: the text is JSON', async () => {
    expect(await score('json-valid', answer({ text: ' {"a": [1, 2]}\n' }))).toBe(1);
    expect(await score('json-valid', answer({ text: '42' }))).toBe(1);
    expect(await score('json-valid', answer({ text: '```json\n{"a":1}\n```' }))).toBe(0);
    expect(await score('json-valid', answer({ text: '' }))).toBe(0);
    expect(await score('json-valid', failed)).toBe(0);
  });

  it('json-schema:<file>: JSON valid under the schema, whichever draft it names', async () => {
    const draft7 = join(directory, 'city.json');
    await writeFile(draft7, JSON.stringify({ type: 'object', required: ['city'], properties: { city: { type: 'string', minLength: 1 } }, additionalProperties: false }));
    expect(await score(`json-schema:${draft7}`, answer({ text: '{"city":"Paris"}' }))).toBe(1);
    expect(await score(`json-schema:${draft7}`, answer({ text: '{"city":""}' }))).toBe(0);
    expect(await score(`json-schema:${draft7}`, answer({ text: '{"city":"Paris","extra":1}' }))).toBe(0);
    expect(await score(`json-schema:${draft7}`, answer({ text: 'Paris' }))).toBe(0);
    const draft2020 = join(directory, 'list.json');
    await writeFile(draft2020, JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'number' }], items: false }));
    expect(await score(`json-schema:${draft2020}`, answer({ text: '[1]' }))).toBe(1);
    expect(await score(`json-schema:${draft2020}`, answer({ text: '[1, 2]' }))).toBe(0);
    await expect(loadVerifier(`json-schema:${join(directory, 'missing.json')}`)).rejects.toThrow(/missing\.json/);
    const broken = join(directory, 'broken.json');
    await writeFile(broken, JSON.stringify({ type: 'no-such-type' }));
    await expect(loadVerifier(`json-schema:${broken}`)).rejects.toThrow(/json-schema/);
  });

  it('regex:<re>: bare, or a literal with flags (a global flag does not make it stateful)', async () => {
    expect(await score('regex:^Paris\\b', answer({ text: 'Paris, of course' }))).toBe(1);
    expect(await score('regex:^Paris\\b', answer({ text: 'paris' }))).toBe(0);
    expect(await score('regex:/^paris/i', answer({ text: 'PARIS' }))).toBe(1);
    const global = await loadVerifier('regex:/a/g');
    expect([await global.score(request, answer({ text: 'a' }), answer()), await global.score(request, answer({ text: 'a' }), answer())]).toEqual([1, 1]);
    await expect(loadVerifier('regex:(')).rejects.toThrow(/regex:\(/);
  });

  it('tool-call-same: the same tools in order with the same arguments as JSON values', async () => {
    const original = answer({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris","unit":"C"}' }, { name: 'get_time', arguments: '{}' }] });
    const reordered = answer({ toolCalls: [{ name: 'get_weather', arguments: '{ "unit": "C", "city": "Paris" }' }, { name: 'get_time', arguments: '' }] });
    expect(await score('tool-call-same', reordered, original)).toBe(1);
    expect(await score('tool-call-same', answer({ toolCalls: [...original.toolCalls].reverse() }), original)).toBe(0);
    expect(await score('tool-call-same', answer({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Lyon","unit":"C"}' }, original.toolCalls[1]!] }), original)).toBe(0);
    expect(await score('tool-call-same', answer({ toolCalls: original.toolCalls.slice(0, 1) }), original)).toBe(0);
    expect(await score('tool-call-same', answer({ text: 'no tools' }), answer({ text: 'none either' }))).toBe(1);
    expect(await score('tool-call-same', { ...failed, toolCalls: original.toolCalls }, original)).toBe(0);
  });

  it('refuses what is neither a built-in nor a module', async () => {
    await expect(loadVerifier('exactly')).rejects.toThrow(/neither a built-in verifier/);
  });
});

describe('custom verifier modules', () => {
  it('a JavaScript module exporting score(request, answer, reference), sync or async', async () => {
    const file = join(directory, 'length.mjs');
    await writeFile(file, 'export async function score(request, answer, reference) { return request.dialect === "openai-chat" && answer.text.length <= reference.text.length ? 1 : 0.5; }\n');
    expect(await score(file, answer({ text: 'ok' }), answer({ text: 'okay' }))).toBe(1);
    expect(await score(file, answer({ text: 'longer' }), answer({ text: 'okay' }))).toBe(0.5);
  });

  it('a default export: a function, or an object with score', async () => {
    const fn = join(directory, 'default-function.mjs');
    await writeFile(fn, 'export default (request, answer) => (answer.text === "yes" ? 1 : 0);\n');
    expect(await score(fn, answer({ text: 'yes' }))).toBe(1);
    const object = join(directory, 'default-object.cjs');
    await writeFile(object, 'module.exports = { score(request, answer) { return answer.toolCalls.length > 0 ? 1 : 0; } };\n');
    expect(await score(object, answer({ toolCalls: [{ name: 't', arguments: '{}' }] }))).toBe(1);
  });

  it('a TypeScript module, with types and an import of its own, loads on this Node (bundled on Node 20, leaving nothing behind)', async () => {
    const folder = join(directory, 'typescript');
    await rm(folder, { recursive: true, force: true });
    await import('node:fs/promises').then(({ mkdir }) => mkdir(folder));
    await writeFile(join(folder, 'words.ts'), 'export const wanted: readonly string[] = ["Paris", "France"];\n');
    await writeFile(
      join(folder, 'check.ts'),
      `import { wanted } from './words.ts';
       interface Answer { text: string }
       export function score(_request: unknown, answer: Answer): number {
         const found: number = wanted.filter((word) => answer.text.includes(word)).length;
         return found / wanted.length;
       }\n`,
    );
    expect(await score(join(folder, 'check.ts'), answer({ text: 'Paris is in France' }))).toBe(1);
    expect(await score(join(folder, 'check.ts'), answer({ text: 'Paris' }))).toBe(0.5);
    expect((await readdir(folder)).sort()).toEqual(['check.ts', 'words.ts']);
  });

  it('refuses a module without score, a missing file, and a score outside 0..1', async () => {
    const none = join(directory, 'none.mjs');
    await writeFile(none, 'export const name = "nothing";\n');
    await expect(loadVerifier(none)).rejects.toThrow(/exports no score/);
    await expect(loadVerifier(join(directory, 'absent.mjs'))).rejects.toThrow(/no such file/);
    const wild = join(directory, 'wild.mjs');
    await writeFile(wild, 'export const score = (request, answer) => (answer.text === "nan" ? Number.NaN : 2);\n');
    await expect(score(wild, answer({ text: 'x' }))).rejects.toThrow(/returned 2, not a number from 0 to 1/);
    await expect(score(wild, answer({ text: 'nan' }))).rejects.toThrow(/returned NaN/);
  });
});
