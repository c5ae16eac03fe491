import { z } from 'zod';

/**
 * A scripted "agent model" for the fake upstream: for a model name and a task recognised in the prompt, the
 * turns a coding agent's model would take — read a file, write it, run a command, then say it is done. The fake
 * upstream renders each step as a call of whichever tool the client offered for it (Claude Code's `Write`
 * and `Bash`, Codex's `exec_command` or `shell`), so one script drives different agents, in every wire
 * format, streamed or not. The next step is the number of tool results the conversation already holds:
 * the script keeps no state, and a retried request gets the same answer.
 */
export interface MockScript {
  conversations: ScriptedConversation[];
}

export interface ScriptedConversation {
  /** The model names (as the upstream receives them) that follow this script. */
  models: string[];
  /** Text the user's messages contain: how the script recognises its task. */
  prompt: string;
  /** One model turn each; every step but the last calls a tool, the last replies. */
  steps: ScriptStep[];
}

export type ScriptStep =
  | { kind: 'read'; path: string }
  | { kind: 'write'; path: string; content: string }
  | { kind: 'run'; command: string }
  | { kind: 'reply'; text: string };

/** The heredoc delimiter a shell-rendered `write` uses; a file's content cannot hold it as a line. */
export const heredocDelimiter = 'SLUICE_SCRIPT_EOF';

const relativePath = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith('/') && !path.split('/').includes('..'), 'must be a path inside the working directory')
  .refine((path) => !/[\n']/.test(path), 'must not contain a newline or a quote');

const stepSchema = z.union([
  z.object({ read: relativePath }).strict(),
  z.object({ write: z.object({ path: relativePath, content: z.string() }).strict() }).strict(),
  z.object({ run: z.string().min(1) }).strict(),
  z.object({ reply: z.string().min(1) }).strict(),
]);

const conversationSchema = z
  .object({
    model: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    prompt: z.string().min(1),
    steps: z.array(stepSchema).min(1),
  })
  .strict()
  .superRefine((conversation, context) => {
    const last = conversation.steps.at(-1);
    if (last !== undefined && !('reply' in last)) context.addIssue({ code: 'custom', path: ['steps', conversation.steps.length - 1], message: 'the last step must be a reply' });
    conversation.steps.forEach((step, index) => {
      if ('reply' in step && index < conversation.steps.length - 1) context.addIssue({ code: 'custom', path: ['steps', index], message: 'only the last step may be a reply' });
      if ('write' in step && step.write.content.split('\n').includes(heredocDelimiter)) {
        context.addIssue({ code: 'custom', path: ['steps', index, 'write', 'content'], message: `must not contain the line ${heredocDelimiter}` });
      }
    });
  });

const scriptSchema = z.object({ conversations: z.array(conversationSchema).min(1) }).strict();

/** Checks a parsed script file (YAML or JSON); the error names the field, e.g. `conversations.2.steps.0.write.path`. */
export function parseMockScript(value: unknown): MockScript {
  const parsed = scriptSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`mock script: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return {
    conversations: parsed.data.conversations.map((conversation) => ({
      models: typeof conversation.model === 'string' ? [conversation.model] : conversation.model,
      prompt: conversation.prompt,
      steps: conversation.steps.map((step): ScriptStep => {
        if ('read' in step) return { kind: 'read', path: step.read };
        if ('write' in step) return { kind: 'write', path: step.write.path, content: step.write.content };
        if ('run' in step) return { kind: 'run', command: step.run };
        return { kind: 'reply', text: step.reply };
      }),
    })),
  };
}
