import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMockScript, startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';

/** The fake upstream's scripted agent model, read by the official SDKs in each wire format, streamed and not. */

const content = "export const answer = 42;\nexport const quote = 'it''s';\n";
const script = parseMockScript({
  conversations: [
    {
      model: ['strong-model'],
      prompt: 'TASK answer.mjs',
      steps: [{ read: 'answer.mjs' }, { write: { path: 'answer.mjs', content } }, { run: 'node --test' }, { reply: 'Done, tests pass.' }],
    },
    { model: 'weak-model', prompt: 'TASK answer.mjs', steps: [{ write: { path: 'answer.mjs', content: 'export const answer = 41;\n' } }, { reply: 'Done.' }] },
  ],
});

let upstream: FakeUpstream;
let anthropic: Anthropic;
let openAi: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream({ script });
  anthropic = new Anthropic({ apiKey: 'test', baseURL: upstream.url, maxRetries: 0 });
  openAi = new OpenAI({ apiKey: 'test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
});
afterAll(() => upstream.close());

const claudeTools: Anthropic.Tool[] = ['Read', 'Write', 'Bash'].map((name) => ({ name, input_schema: { type: 'object' } }));

describe('Anthropic Messages, as Claude Code calls it (Read, Write, Bash)', () => {
  it('takes one step per tool result, streamed: read, write, run, then the reply, and the reply again after', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>context</system-reminder>' }, { type: 'text', text: 'TASK answer.mjs: fix it' }] }];
    const calls: Array<{ name: string; input: unknown }> = [];
    for (let turn = 0; turn < 3; turn++) {
      const message = await anthropic.messages.stream({ model: 'strong-model', max_tokens: 1000, tools: claudeTools, messages }).finalMessage();
      expect(message.stop_reason).toBe('tool_use');
      const use = message.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
      calls.push({ name: use.name, input: use.input });
      messages.push({ role: 'assistant', content: message.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'ok' }] });
    }
    expect(calls).toEqual([
      { name: 'Read', input: { file_path: 'answer.mjs' } },
      { name: 'Write', input: { file_path: 'answer.mjs', content } },
      { name: 'Bash', input: { command: 'node --test', description: 'Run node --test' } },
    ]);
    const reply = await anthropic.messages.create({ model: 'strong-model', max_tokens: 1000, tools: claudeTools, messages });
    expect(reply.content).toEqual([{ type: 'text', text: 'Done, tests pass.' }]);
    messages.push({ role: 'assistant', content: reply.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_extra', content: 'ok' }] });
    const again = await anthropic.messages.create({ model: 'strong-model', max_tokens: 1000, tools: claudeTools, messages });
    expect(again.content).toEqual([{ type: 'text', text: 'Done, tests pass.' }]);
  });

  it('follows the script of the model asked for; another model or another prompt gets the usual echo', async () => {
    const ask = (model: string, text: string) => anthropic.messages.create({ model, max_tokens: 100, tools: claudeTools, messages: [{ role: 'user', content: text }] });
    const weak = await ask('weak-model', 'TASK answer.mjs');
    expect(weak.content[0]).toMatchObject({ type: 'tool_use', name: 'Write', input: { file_path: 'answer.mjs', content: 'export const answer = 41;\n' } });
    expect((await ask('other-model', 'TASK answer.mjs')).content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('Hello from the Sluice mock upstream') });
    expect((await ask('strong-model', 'another task')).content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('Hello from the Sluice mock upstream') });
    // A directive still steers a single reply, script or not.
    expect((await ask('strong-model', 'TASK answer.mjs [[mock {"reply":"steered"}]]')).content[0]).toMatchObject({ type: 'text', text: 'steered' });
  });

  it('says so when the request offers no tool that can take the step', async () => {
    const message = await anthropic.messages.create({ model: 'strong-model', max_tokens: 100, tools: [{ name: 'WebSearch', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'TASK answer.mjs' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'I cannot read answer.mjs: none of the tools offered (WebSearch) can do it.' }]);
  });
});

describe('Responses API, as Codex calls it (exec_command)', () => {
  const tools: OpenAI.Responses.Tool[] = [
    { type: 'function', name: 'exec_command', parameters: { type: 'object' }, strict: false },
    { type: 'web_search' },
  ];

  it('renders each step as a shell command, counting function call outputs; the write command writes the file exactly', async () => {
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'developer', content: 'You are a coding agent.' },
      { role: 'user', content: [{ type: 'input_text', text: 'TASK answer.mjs' }] },
    ];
    const commands: string[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const stream = openAi.responses.stream({ model: 'strong-model', input, tools });
      const response = await stream.finalResponse();
      const call = response.output.find((item) => item.type === 'function_call');
      if (call?.type !== 'function_call') throw new Error(`no function call in ${JSON.stringify(response.output)}`);
      expect(call.name).toBe('exec_command');
      commands.push((JSON.parse(call.arguments) as { cmd: string }).cmd);
      input.push({ type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }, { type: 'function_call_output', call_id: call.call_id, output: 'ok' });
    }
    expect(commands[0]).toBe("cat 'answer.mjs'");
    expect(commands[2]).toBe('node --test');
    const reply = await openAi.responses.create({ model: 'strong-model', input, tools });
    expect(reply.output_text).toBe('Done, tests pass.');

    const directory = await mkdtemp(join(tmpdir(), 'sluice-scripted-write-'));
    try {
      await writeFile(join(directory, 'answer.mjs'), 'the stub\n');
      const shell = spawnSync('bash', ['-c', commands[1]!], { cwd: directory, encoding: 'utf8' });
      expect(shell.status).toBe(0);
      expect(await readFile(join(directory, 'answer.mjs'), 'utf8')).toBe(content);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('Chat Completions and Gemini', () => {
  it('Chat Completions: the older Codex `shell` tool, its results counted as tool messages', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'shell', parameters: { type: 'object' } } }];
    const first = await openAi.chat.completions.create({ model: 'weak-model', messages: [{ role: 'user', content: 'TASK answer.mjs' }], tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe('shell');
    const command = (JSON.parse(call.type === 'function' ? call.function.arguments : '{}') as { command: string[] }).command;
    expect(command.slice(0, 2)).toEqual(['bash', '-lc']);
    expect(command[2]).toContain("cat > 'answer.mjs' <<'SLUICE_SCRIPT_EOF'\nexport const answer = 41;\nSLUICE_SCRIPT_EOF");
    const second = await openAi.chat.completions.create({
      model: 'weak-model',
      messages: [{ role: 'user', content: 'TASK answer.mjs' }, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'ok' }],
      tools,
    });
    expect(second.choices[0]!.message.content).toBe('Done.');
  });

  it('Gemini: function declarations offered, function responses counted', async () => {
    const ask = async (contents: unknown[]) => {
      const response = await fetch(`${upstream.url}/v1beta/models/weak-model:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test' },
        body: JSON.stringify({ contents, tools: [{ functionDeclarations: [{ name: 'Bash' }] }] }),
      });
      return ((await response.json()) as { candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }> }).candidates[0]!.content.parts[0]!;
    };
    const task = { role: 'user', parts: [{ text: 'TASK answer.mjs' }] };
    expect(await ask([task])).toMatchObject({ functionCall: { name: 'Bash', args: { description: 'Write answer.mjs' } } });
    const done = await ask([task, { role: 'model', parts: [{ functionCall: { name: 'Bash', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: 'Bash', response: {} } }] }]);
    expect(done).toEqual({ text: 'Done.' });
  });
});

describe('parseMockScript', () => {
  const conversation = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ conversations: [{ model: 'm', prompt: 'p', steps, ...extra }] });

  it('refuses what a script cannot mean, naming the field', () => {
    expect(() => parseMockScript(conversation([{ run: 'ls' }]))).toThrow('conversations.0.steps.0: the last step must be a reply');
    expect(() => parseMockScript(conversation([{ reply: 'a' }, { reply: 'b' }]))).toThrow('conversations.0.steps.0: only the last step may be a reply');
    expect(() => parseMockScript(conversation([{ write: { path: '/etc/passwd', content: '' } }, { reply: 'b' }]))).toThrow('must be a path inside the working directory');
    expect(() => parseMockScript(conversation([{ read: '../secret' }, { reply: 'b' }]))).toThrow('must be a path inside the working directory');
    expect(() => parseMockScript(conversation([{ write: { path: 'a', content: 'x\nSLUICE_SCRIPT_EOF\n' } }, { reply: 'b' }]))).toThrow('conversations.0.steps.0.write.content');
    expect(() => parseMockScript(conversation([{ reply: 'b' }], { extra: 1 }))).toThrow('conversations.0');
    expect(() => parseMockScript({ conversations: [] })).toThrow('conversations');
  });

  it('takes a model or a list of models', () => {
    expect(parseMockScript(conversation([{ reply: 'hi' }])).conversations[0]!.models).toEqual(['m']);
  });
});
