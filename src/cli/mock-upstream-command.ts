import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseMockScript, startFakeUpstream, type MockScript } from '../mock/fake-upstream.js';

export function mockUpstreamCommand(): Command {
  return new Command('mock-upstream')
    .description("run the project's fake provider (Anthropic, OpenAI and Gemini wire formats) for tests and demos")
    .option('--port <port>', 'listen port', '8433')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--script <path>', 'a scripted agent model (YAML or JSON): per model and task, the tool calls and reply it answers with')
    .action(async (options: { port: string; host: string; script?: string }) => {
      const script = options.script === undefined ? undefined : await readScript(options.script);
      const upstream = await startFakeUpstream({ port: Number(options.port), host: options.host, script });
      process.stdout.write(
        `Mock upstream on ${upstream.url}\n` +
          `  Anthropic: ${upstream.url}/v1/messages\n` +
          `  OpenAI:    ${upstream.url}/v1/chat/completions, /v1/responses and /v1/embeddings\n` +
          `  Gemini:    ${upstream.url}/v1beta/models/{model}:generateContent, :embedContent, :batchEmbedContents (and its OpenAI-compatible /v1beta/openai/chat/completions)\n` +
          (script ? `Scripted agent model: ${script.conversations.length} conversations from ${options.script}\n` : '') +
          `Steer a reply from the last user message, e.g. "hi [[mock {\\"status\\":429,\\"retryAfter\\":1}]]".\n`,
      );
      const stop = () => void upstream.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}

async function readScript(path: string): Promise<MockScript> {
  const text = await readFile(path, 'utf8');
  try {
    return parseMockScript(parseYaml(text));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
