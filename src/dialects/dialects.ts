import { anthropicMessagesDialect } from './anthropic-messages/anthropic-messages-dialect.js';
import type { Dialect } from './dialect.js';
import type { DialectName } from '../domain/dialect-name.js';
import { geminiDialect } from './gemini/gemini-dialect.js';
import { openAiChatDialect } from './openai-chat/openai-chat-dialect.js';
import { openAiResponsesDialect } from './openai-responses/openai-responses-dialect.js';

export const dialects: Record<DialectName, Dialect> = {
  'openai-chat': openAiChatDialect,
  'openai-responses': openAiResponsesDialect,
  'anthropic-messages': anthropicMessagesDialect,
  gemini: geminiDialect,
};
