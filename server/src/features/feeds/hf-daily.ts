/**
 * Hugging Face daily papers: `GET HF_PAPERS_API_URL?date=YYYY-MM-DD` answers a JSON array, one object per
 * paper featured that day: `{ paper: { id (the arXiv id), title, summary, authors: [{ name }], publishedAt,
 * upvotes, githubRepo? }, publishedAt (when it was featured), title, summary, ... }`.
 */
import { cleanText } from '#server/features/papers/identifiers.js';
import { FeedFormatError, type FeedDraft, type SourceContext, type SourceResult } from './source.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Reads the answer of the daily papers API; throws FeedFormatError when it is not a list of papers. */
export function readHfDaily(body: string): FeedDraft[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new FeedFormatError('Hugging Face answered something that is not JSON');
  }
  if (!Array.isArray(parsed)) throw new FeedFormatError('Hugging Face answered JSON that is not a list of papers');
  const drafts: FeedDraft[] = [];
  for (const item of parsed) {
    if (!isObject(item)) continue;
    const paper = isObject(item.paper) ? item.paper : {};
    const arxivId = cleanText(text(paper.id));
    const title = cleanText(text(paper.title) || text(item.title));
    const upvotes = typeof paper.upvotes === 'number' ? paper.upvotes : item.upvotes;
    const github = text(paper.githubRepo) || text(item.githubRepo);
    drafts.push({
      title,
      abstract: text(paper.summary) || text(item.summary),
      authors: (Array.isArray(paper.authors) ? paper.authors : [])
        .map((a) => (isObject(a) ? text(a.name) : ''))
        .filter(Boolean),
      arxivId: arxivId || null,
      url: arxivId ? `https://arxiv.org/abs/${arxivId}` : null,
      codeUrls: github ? [github] : [],
      publishedAt: text(paper.publishedAt) || null,
      upvotes: typeof upvotes === 'number' && Number.isInteger(upvotes) && upvotes >= 0 ? upvotes : null,
    });
  }
  return drafts;
}

/** The papers Hugging Face featured on the run's day, with their upvotes. */
export async function fetchHfDaily(ctx: SourceContext): Promise<SourceResult> {
  const url = `${ctx.settings.hfPapersApiUrl}?date=${ctx.day}`;
  const res = await ctx.get(url, { service: 'Hugging Face', accept: 'application/json' });
  if (res.status === 'unchanged') return res;
  return { status: 'ok', items: readHfDaily(res.body) };
}
