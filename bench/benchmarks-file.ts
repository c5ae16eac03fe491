import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * BENCHMARKS.md holds each bench's own output between markers (`<!-- NAME bench: start -->` … `end -->`)
 * and hand-written notes around them; a bench run replaces only its own section, so the notes stay.
 */
export function writeBenchSection(name: string, section: string): void {
  const start = `<!-- ${name} bench: start -->`;
  const end = `<!-- ${name} bench: end -->`;
  const path = join(process.cwd(), 'BENCHMARKS.md');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const marked = `${start}\n${section.trim()}\n${end}`;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? `${current.slice(0, from)}${marked}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${marked}\n`;
  writeFileSync(path, next);
}
