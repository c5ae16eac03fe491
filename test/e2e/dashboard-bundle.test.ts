import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What the first load of /dashboard/ fetches, from the build `npm run build` (and so `npm test`) makes. */
const built = join(process.cwd(), 'dist', 'dashboard');
const budgetBytes = 250 * 1024;

describe('dashboard bundle', () => {
  it('is built, loads nothing from elsewhere, and its first load (index.html + script + styles) is at most 250 KB', async () => {
    expect(existsSync(join(built, 'index.html')), 'dist/dashboard/index.html is missing: run `npm run build`').toBe(true);
    const html = await readFile(join(built, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.sort()).toEqual(['app.js', 'styles.css']);
    let total = Buffer.byteLength(html);
    for (const asset of assets) total += (await stat(join(built, asset))).size;
    console.log(`[dashboard bundle] first load: ${(total / 1024).toFixed(1)} KB of ${budgetBytes / 1024} KB`);
    expect(total).toBeLessThanOrEqual(budgetBytes);
    // No CDN, no web font, no inline script: the CSP (default-src 'self') would refuse them anyway.
    const css = await readFile(join(built, 'styles.css'), 'utf8');
    expect(css).not.toMatch(/@import|url\(\s*['"]?https?:|@font-face/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
