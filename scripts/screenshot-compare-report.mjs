#!/usr/bin/env node
// Regenerates docs/images/compare-report.png, the README's picture of `sluice compare --html`: runs
// examples/eval-coding-agents offline (the fake upstream plays the models; needs `npm run build`), then
// opens the report it wrote in Chromium and screenshots it. CHROMIUM_PATH overrides /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'images', 'compare-report.png');
const directory = await mkdtemp(join(tmpdir(), 'sluice-compare-screenshot-'));
try {
  const out = join(directory, 'out');
  const exitCode = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'examples', 'eval-coding-agents', 'offline.mjs'), '--run-prefix', 'eval', '--out', out, '--parallel', '2'], { stdio: 'inherit' });
    child.on('close', resolve);
  });
  if (exitCode !== 0) throw new Error(`the offline example run failed (exit ${exitCode})`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    await mkdir(dirname(target), { recursive: true });
    await page.screenshot({ path: target, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`Wrote ${target}\n`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
