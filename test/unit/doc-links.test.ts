import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import GithubSlugger from 'github-slugger';
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link in the project's docs leads somewhere: the file exists inside the repository, and a
 * `#anchor` names a heading of the target as GitHub slugs it. Links to other sites are not fetched (the tests
 * run offline); they are only counted.
 */

const root = resolve(import.meta.dirname, '../..');

function markdownUnder(folder: string): string[] {
  return readdirSync(join(root, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(root, path)).isDirectory()) return markdownUnder(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const documents = ['README.md', 'ARCHITECTURE.md', 'BENCHMARKS.md', ...markdownUnder('docs'), ...markdownUnder('examples')];

interface Link {
  from: string;
  href: string;
}

function linksOf(file: string): Link[] {
  const links: Link[] = [];
  marked.walkTokens(marked.lexer(readFileSync(join(root, file), 'utf8')), (token) => {
    if (token.type === 'link' || token.type === 'image') links.push({ from: file, href: (token as Tokens.Link | Tokens.Image).href });
  });
  return links;
}

/** A heading's text as GitHub renders it (code spans, emphasis and links reduced to their text), which is what it slugs. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((token) => {
      if ('tokens' in token && token.tokens) return plainText(token.tokens);
      if (token.type === 'html') return '';
      return 'text' in token ? token.text : '';
    })
    .join('');
}

const anchorCache = new Map<string, Set<string>>();

/** The anchors GitHub gives a Markdown file's headings (a repeated heading gets -1, -2…). */
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    const slugger = new GithubSlugger();
    anchors = new Set();
    marked.walkTokens(marked.lexer(readFileSync(file, 'utf8')), (token) => {
      if (token.type === 'heading') anchors!.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
    });
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Why a link is broken, or null when it leads somewhere. */
function brokenBecause(link: Link): string | null {
  const [path = '', anchor] = link.href.split('#', 2);
  const target = path === '' ? join(root, link.from) : resolve(dirname(join(root, link.from)), decodeURIComponent(path));
  if (relative(root, target).startsWith(`..${sep}`)) return 'points outside the repository';
  if (!existsSync(target)) return 'no such file';
  if (anchor === undefined || anchor === '') return null;
  if (!target.endsWith('.md')) return `#${anchor} on a file that is not Markdown`;
  return anchorsOf(target).has(decodeURIComponent(anchor)) ? null : `no heading with the anchor #${anchor}`;
}

const isExternal = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href);

describe('doc links', () => {
  const links = documents.flatMap(linksOf);
  const relativeLinks = links.filter((link) => !isExternal(link.href));

  it('reads the README, ARCHITECTURE.md, BENCHMARKS.md and every page under docs/', () => {
    expect(documents).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'BENCHMARKS.md', join('docs', 'configuration.md')]));
    // The pages link to each other: a parse that found none would pass the check below while checking nothing.
    expect(relativeLinks.length).toBeGreaterThan(50);
    expect(relativeLinks.filter((link) => link.href.includes('#')).length).toBeGreaterThan(20);
  });

  it('every relative link names a file in the repository, and every #anchor a heading of it', () => {
    const broken = relativeLinks.flatMap((link) => {
      const reason = brokenBecause(link);
      return reason ? [`${link.from}: ${link.href} (${reason})`] : [];
    });
    expect(broken).toEqual([]);
  });

  it('slugs headings as GitHub does', () => {
    expect([...anchorsOf(join(root, 'docs', 'configuration.md'))]).toEqual(
      expect.arrayContaining(['limits-budgets-and-cache', 'short-model-names', 'timeouts']),
    );
    expect(anchorsOf(join(root, 'docs', 'http-api.md'))).toContain('pinning-a-provider-bringing-your-own-key');
  });
});
