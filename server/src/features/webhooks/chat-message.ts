/**
 * What a webhook says, before it is put in a platform's format: a title, a line of text, a link and a few
 * labelled fields. Pure functions, no I/O; user text (titles, names) stays plain here, and each platform's
 * renderer (platforms.ts) escapes it for its own markup.
 */
import type { WebhookEvent } from '#shared/schemas/webhooks.js';

/** A labelled value; `time` marks a moment, which platforms that can show it in the reader's zone do. */
export interface ChatField {
  name: string;
  value: string;
  time?: Date;
}

/** One notification. */
export interface ChatMessage {
  event: WebhookEvent;
  boardName: string;
  /** One line, shown in notifications and by clients without rich messages. */
  title: string;
  /** A paper's title, when the message is about one (then `title` leads up to it). */
  paperTitle: string | null;
  /** Where the message leads: the paper, or the board's page in Paperboard. */
  url: string;
  fields: ChatField[];
  at: Date;
}

/** The facts an event's message is made of (read from the database when it is sent). */
export type EventFacts =
  | { event: 'nomination'; paperTitle: string; paperUrl: string | null; nominatedBy: string | null }
  | {
      event: 'round.opened' | 'round.closing';
      method: string;
      candidates: number;
      closesAt: Date;
      ballots: number;
    }
  | { event: 'round.closed'; method: string; winners: string[]; ballots: number }
  | {
      event: 'session.scheduled' | 'session.tomorrow';
      moved: boolean;
      paperTitle: string;
      paperUrl: string | null;
      presenter: string | null;
      sessionAt: Date;
    };

const METHODS: Record<string, string> = { ranked: 'ranked choice', approval: 'approval', dots: 'dot voting' };

const UTC = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A moment as text in UTC, for platforms that cannot show it in the reader's zone. */
export function utcText(date: Date): string {
  return `${UTC.format(date)} UTC`;
}

/** Links of a board's pages in the app. */
export function boardLinks(publicUrl: string, boardId: string) {
  const board = new URL(`/boards/${boardId}`, publicUrl).toString();
  return { board, rounds: `${board}/rounds`, schedule: `${board}/schedule` };
}

/** The message of an event on a board. */
export function chatMessage(
  facts: EventFacts,
  board: { id: string; name: string },
  publicUrl: string,
  at: Date,
): ChatMessage {
  const links = boardLinks(publicUrl, board.id);
  const base = { event: facts.event, boardName: board.name, at };
  switch (facts.event) {
    case 'nomination':
      return {
        ...base,
        title: `New nomination on ${board.name}`,
        paperTitle: facts.paperTitle,
        url: facts.paperUrl ?? links.board,
        fields: facts.nominatedBy ? [{ name: 'Nominated by', value: facts.nominatedBy }] : [],
      };
    case 'round.opened':
    case 'round.closing':
      return {
        ...base,
        title:
          facts.event === 'round.opened'
            ? `A ballot round opened on ${board.name}`
            : `A ballot round on ${board.name} closes within a day`,
        paperTitle: null,
        url: links.rounds,
        fields: [
          { name: 'Method', value: METHODS[facts.method] ?? facts.method },
          { name: 'Candidates', value: String(facts.candidates) },
          { name: 'Closes', value: utcText(facts.closesAt), time: facts.closesAt },
          ...(facts.event === 'round.closing' ? [{ name: 'Ballots so far', value: String(facts.ballots) }] : []),
        ],
      };
    case 'round.closed':
      return {
        ...base,
        title: `A ballot round closed on ${board.name}`,
        paperTitle: null,
        url: links.rounds,
        fields: [
          {
            name: facts.winners.length === 1 ? 'Winner' : 'Winners',
            value: facts.winners.length ? facts.winners.join('\n') : 'none',
          },
          { name: 'Ballots', value: String(facts.ballots) },
        ],
      };
    case 'session.scheduled':
    case 'session.tomorrow':
      return {
        ...base,
        title:
          facts.event === 'session.tomorrow'
            ? `Session tomorrow on ${board.name}`
            : facts.moved
              ? `Session moved on ${board.name}`
              : `Session scheduled on ${board.name}`,
        paperTitle: facts.paperTitle,
        url: facts.paperUrl ?? links.schedule,
        fields: [
          { name: 'When', value: utcText(facts.sessionAt), time: facts.sessionAt },
          ...(facts.presenter ? [{ name: 'Presenter', value: facts.presenter }] : []),
        ],
      };
  }
}

/**
 * A library URL made safe for every platform's link syntax: http(s) only (else null), with the characters
 * that end a Markdown or Slack link (`(`, `)`, `|`) percent-encoded.
 */
export function safeLink(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.toString().replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\|/g, '%7C');
  } catch {
    return null;
  }
}
