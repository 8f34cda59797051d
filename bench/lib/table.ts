/** One column of a printed table; left-aligned unless told otherwise. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export type Cell = string | number;

/** A Markdown table with padded columns, readable both in a terminal and in a rendered document. */
export function formatTable(columns: Column[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => String(cell)));
  const aligns = columns.map((c) => c.align ?? 'left');
  const widths = columns.map((c, i) => Math.max(3, c.header.length, ...text.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number) => (aligns[i] === 'right' ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (aligns[i] === 'right' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(columns.map((c) => c.header)), rule, ...text.map(line)].join('\n');
}

/** Milliseconds with one decimal. */
export function formatMs(ms: number): string {
  return ms.toFixed(1);
}

/** A whole number with thousands separators: 100,000. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
