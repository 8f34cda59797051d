import fs from 'node:fs/promises';
import path from 'node:path';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/bibtex');

/** The text of a BibTeX export in test/fixtures/bibtex/ (`zotero.bib`, `dblp.bib`, …). */
export function bibtexFixture(name: string): Promise<string> {
  return fs.readFile(path.join(FIXTURES, name), 'utf8');
}

/** `count` well-formed entries, ~600 bytes each: the parser reads ~250 kB a second on this machine. */
export function manyEntries(count: number, from = 0): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `@article{many${from + i},\n  title = {A Study of {\\'E}cole Things, Number ${from + i}},\n` +
      `  author = {M{\\"u}ller, Hans and Smith, John},\n  journal = {Journal of Things},\n  year = {2021},\n` +
      `  abstract = {${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6)}}\n}\n`,
  ).join('\n');
}
