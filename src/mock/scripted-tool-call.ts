import { heredocDelimiter, type ScriptStep } from './mock-script.js';

type ToolStep = Exclude<ScriptStep, { kind: 'reply' }>;

export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

interface AgentTool {
  name: string;
  read?: (path: string) => Record<string, unknown>;
  write?: (path: string, content: string) => Record<string, unknown>;
  run?: (command: string) => Record<string, unknown>;
}

/** `cat > 'path' <<'EOF' … EOF`: a file written by a shell tool, its content taken literally. */
function writeCommand(path: string, content: string): string {
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `cat > '${path}' <<'${heredocDelimiter}'\n${body}${heredocDelimiter}`;
}

/**
 * The coding agents' tools a scripted step can use, in order of preference: an agent's own file tools
 * before a shell. Claude Code offers `Read`, `Write` and `Bash` (and will not overwrite a file it has not read:
 * a script reads first, as a model would); Codex offers `exec_command` (unified exec)
 * or, in older releases, `shell`. Paths stay relative: both agents resolve them against their working
 * directory.
 */
const agentTools: AgentTool[] = [
  { name: 'Read', read: (path) => ({ file_path: path }) },
  { name: 'Write', write: (path, content) => ({ file_path: path, content }) },
  {
    name: 'exec_command',
    read: (path) => ({ cmd: `cat '${path}'` }),
    write: (path, content) => ({ cmd: writeCommand(path, content) }),
    run: (command) => ({ cmd: command }),
  },
  {
    name: 'shell',
    read: (path) => ({ command: ['cat', path] }),
    write: (path, content) => ({ command: ['bash', '-lc', writeCommand(path, content)] }),
    run: (command) => ({ command: ['bash', '-lc', command] }),
  },
  {
    name: 'Bash',
    read: (path) => ({ command: `cat '${path}'`, description: `Show ${path}` }),
    write: (path, content) => ({ command: writeCommand(path, content), description: `Write ${path}` }),
    run: (command) => ({ command, description: `Run ${command}` }),
  },
];

/** The call of an offered tool that carries out the step, or undefined when the client offered none that can. */
export function scriptedToolCall(step: ToolStep, offered: ReadonlySet<string>): ScriptedToolCall | undefined {
  for (const tool of agentTools) {
    if (!offered.has(tool.name)) continue;
    if (step.kind === 'read' && tool.read) return { name: tool.name, arguments: tool.read(step.path) };
    if (step.kind === 'write' && tool.write) return { name: tool.name, arguments: tool.write(step.path, step.content) };
    if (step.kind === 'run' && tool.run) return { name: tool.name, arguments: tool.run(step.command) };
  }
  return undefined;
}

/** What a step does, for the reply of a model that has no tool for it. */
export function describeStep(step: ToolStep): string {
  switch (step.kind) {
    case 'read':
      return `read ${step.path}`;
    case 'write':
      return `write ${step.path}`;
    case 'run':
      return `run \`${step.command}\``;
  }
}
