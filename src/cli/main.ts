#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config/interpolate-env.js';
import { openCapture } from '../capture/seal-capture.js';
import { captureCommand } from './capture-command.js';
import { keysCommand } from './keys-command.js';
import { mockUpstreamCommand } from './mock-upstream-command.js';
import { principalsCommand } from './principals-command.js';
import { providersCommand } from './providers-command.js';
import { reloadCommand } from './reload-command.js';
import { serveCommand } from './serve-command.js';
import { outcomesCommand } from './outcomes-command.js';
import { compareCommand } from './compare-command.js';
import { replayCommand, storeCaptures } from './replay-command.js';
import { usageCommand } from './usage-command.js';

const program = new Command('sluice')
  .description('Sluice: a self-hosted LLM gateway for OpenAI- and Anthropic-shaped APIs')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(keysCommand())
  .addCommand(principalsCommand('user'))
  .addCommand(principalsCommand('team'))
  .addCommand(providersCommand())
  .addCommand(usageCommand())
  .addCommand(outcomesCommand())
  .addCommand(compareCommand())
  .addCommand(captureCommand())
  .addCommand(replayCommand({ captures: storeCaptures(openCapture) }))
  .addCommand(reloadCommand())
  .addCommand(mockUpstreamCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`sluice: ${message}\n`);
  process.exit(1);
});
