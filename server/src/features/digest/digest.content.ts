import { escapeHtml as esc, htmlLayout, oneLine } from '#server/mail/html.js';
import { formatInZone } from '#server/local-time.js';

/** A rendered mail body. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A trending paper as the digest lists it. */
interface DigestTrendingItem {
  title: string;
  authors: string[];
  votes: number;
  /** The reader's board the paper was most recently put on, and its card there (null on none of them). */
  boardId: string | null;
  boardName: string | null;
  cardId: string | null;
}

/** A paper newly put on one of the reader's boards. */
interface DigestNomination {
  title: string;
  authors: string[];
  boardId: string;
  boardName: string;
  cardId: string;
  addedByName: string | null;
}

/** A session on one of the reader's boards. */
interface DigestSession {
  boardId: string;
  boardName: string;
  cardId: string;
  paperTitle: string | null;
  presenterName: string;
  sessionAt: Date;
}

/** An open ballot round of one of the reader's boards that closes within a day. */
interface DigestRound {
  boardId: string;
  boardName: string;
  closesAt: Date;
  candidates: number;
  voted: boolean;
}

/** An open availability poll on one of the reader's boards that they have not answered. */
interface DigestPoll {
  boardId: string;
  boardName: string;
  paperTitle: string | null;
  slots: number;
  closesAt: Date | null;
}

/** A paper the feeds watched by one of the reader's boards brought. */
interface DigestFeedPaper {
  paperId: string;
  title: string;
  authors: string[];
  upvotes: number | null;
  boardName: string;
}

/** A card's note that others wrote in since the previous digest. */
interface DigestNote {
  boardId: string;
  boardName: string;
  cardId: string;
  paperTitle: string | null;
  authorNames: string[];
}

/** Everything a digest shows. Text fields are as users typed them: rendering escapes them. */
interface DigestInput {
  publicUrl: string;
  recipientName: string;
  timeZone: string;
  trending: DigestTrendingItem[];
  nominations: DigestNomination[];
  /** All nominations in the period (the list may be cut). */
  nominationsTotal: number;
  sessions: DigestSession[];
  /** Ballot rounds closing within a day. */
  rounds: DigestRound[];
  /** Availability polls waiting for the reader's answer. */
  polls: DigestPoll[];
  /** Papers the boards' watches brought since the previous digest (the list may be cut). */
  feedPapers: DigestFeedPaper[];
  feedPapersTotal: number;
  /** Notes written since the previous digest (by others than the reader). */
  notes: DigestNote[];
  unsubscribeUrl: string;
}

const boardUrl = (publicUrl: string, boardId: string) => `${publicUrl}/boards/${encodeURIComponent(boardId)}`;
const cardUrl = (publicUrl: string, boardId: string, cardId: string) =>
  `${boardUrl(publicUrl, boardId)}/cards/${encodeURIComponent(cardId)}`;
const scheduleUrl = (publicUrl: string, boardId: string) => `${boardUrl(publicUrl, boardId)}/schedule`;
const roundsUrl = (publicUrl: string, boardId: string) => `${boardUrl(publicUrl, boardId)}/rounds`;

function authorLine(authors: string[]): string {
  if (authors.length === 0) return '';
  const first = oneLine(authors[0]);
  return authors.length > 1 ? `${first} et al.` : first;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const h2 = (text: string) => `<h2 style="font-size:16px;margin:24px 0 8px">${esc(text)}</h2>`;
const link = (href: string, text: string) => `<a href="${esc(href)}" style="color:#0b57d0">${esc(text)}</a>`;
const muted = (html: string) => `<span style="color:#656d76">${html}</span>`;

/** Subject, plain text and HTML of a daily digest. */
export function renderDigest(d: DigestInput): RenderedMail {
  const parts: string[] = [];
  if (d.rounds.length) parts.push(`${plural(d.rounds.length, 'ballot round')} closing soon`);
  if (d.polls.length) parts.push(`${plural(d.polls.length, 'poll')} to answer`);
  if (d.nominationsTotal) parts.push(plural(d.nominationsTotal, 'new paper'));
  if (d.feedPapersTotal) parts.push(`${plural(d.feedPapersTotal, 'paper')} from your feeds`);
  if (d.notes.length) parts.push(`${plural(d.notes.length, 'note')} written`);
  if (d.sessions.length) parts.push(plural(d.sessions.length, 'session') + ' this week');
  if (!parts.length && d.trending.length) parts.push('what is trending');
  const subject = `Your Paperboard digest: ${parts.join(', ') || 'what is new'}`;

  const text: string[] = [`Hello ${oneLine(d.recipientName)},`, '', 'Here is what is happening on your boards.', ''];
  const html: string[] = [
    `<h1 style="font-size:20px;margin:0 0 8px">Your Paperboard digest</h1>`,
    `<p style="margin:0">Hello ${esc(oneLine(d.recipientName))}, here is what is happening on your boards.</p>`,
  ];

  if (d.rounds.length || d.polls.length) {
    text.push(`DECISIONS WAITING FOR YOU (times in ${d.timeZone})`);
    html.push(h2('Decisions waiting for you'), '<ul style="padding-left:20px;margin:0">');
    for (const r of d.rounds) {
      const when = formatInZone(r.closesAt, d.timeZone);
      const what = `Ballot round on ${oneLine(r.boardName)} (${plural(r.candidates, 'paper')})`;
      const state = r.voted ? 'you have voted; you may still change your ballot' : 'you have not voted yet';
      const where = roundsUrl(d.publicUrl, r.boardId);
      text.push(`- ${what}: closes ${when}`, `  ${state}`, `  ${where}`);
      html.push(
        `<li style="margin:0 0 8px">${link(where, what)}: closes <strong>${esc(when)}</strong><br>` +
          `${muted(esc(state))}</li>`,
      );
    }
    for (const p of d.polls) {
      const about = p.paperTitle ? ` for “${oneLine(p.paperTitle)}”` : '';
      const what = `When can you meet? ${oneLine(p.boardName)}${about} (${plural(p.slots, 'time')})`;
      const state = p.closesAt
        ? `you have not answered; answers close ${formatInZone(p.closesAt, d.timeZone)}`
        : 'you have not answered yet';
      const where = scheduleUrl(d.publicUrl, p.boardId);
      text.push(`- ${what}`, `  ${state}`, `  ${where}`);
      html.push(`<li style="margin:0 0 8px">${link(where, what)}<br>${muted(esc(state))}</li>`);
    }
    text.push('');
    html.push('</ul>');
  }

  if (d.trending.length) {
    text.push('TRENDING ON YOUR BOARDS');
    html.push(h2('Trending on your boards'), '<ol style="padding-left:20px;margin:0">');
    for (const t of d.trending) {
      const title = oneLine(t.title);
      const where = t.boardId && t.cardId ? cardUrl(d.publicUrl, t.boardId, t.cardId) : `${d.publicUrl}/?sort=trending`;
      const meta = [authorLine(t.authors), plural(t.votes, 'vote')].filter(Boolean).join(' · ');
      text.push(`- ${title}`, `  ${meta}`, `  ${where}`);
      html.push(`<li style="margin:0 0 8px">${link(where, title)}<br>${muted(esc(meta))}</li>`);
    }
    text.push('');
    html.push('</ol>');
  }

  if (d.nominations.length) {
    text.push('NEWLY NOMINATED');
    html.push(h2('Newly nominated'), '<ul style="padding-left:20px;margin:0">');
    for (const n of d.nominations) {
      const title = oneLine(n.title);
      const where = cardUrl(d.publicUrl, n.boardId, n.cardId);
      const meta = [
        authorLine(n.authors),
        `on ${oneLine(n.boardName)}`,
        n.addedByName ? `by ${oneLine(n.addedByName)}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      text.push(`- ${title}`, `  ${meta}`, `  ${where}`);
      html.push(`<li style="margin:0 0 8px">${link(where, title)}<br>${muted(esc(meta))}</li>`);
    }
    const more = d.nominationsTotal - d.nominations.length;
    if (more > 0) {
      text.push(`  … and ${plural(more, 'more paper')}`);
      html.push(`<li style="list-style:none">${muted(esc(`… and ${plural(more, 'more paper')}`))}</li>`);
    }
    text.push('');
    html.push('</ul>');
  }

  if (d.feedPapers.length) {
    text.push('NEW PAPERS FOR YOUR BOARDS');
    html.push(h2('New papers for your boards'), '<ul style="padding-left:20px;margin:0">');
    for (const f of d.feedPapers) {
      const title = oneLine(f.title);
      const where = `${d.publicUrl}/papers/${encodeURIComponent(f.paperId)}`;
      const meta = [
        authorLine(f.authors),
        f.upvotes ? plural(f.upvotes, 'upvote') : '',
        `watched by ${oneLine(f.boardName)}`,
      ]
        .filter(Boolean)
        .join(' · ');
      text.push(`- ${title}`, `  ${meta}`, `  ${where}`);
      html.push(`<li style="margin:0 0 8px">${link(where, title)}<br>${muted(esc(meta))}</li>`);
    }
    const more = d.feedPapersTotal - d.feedPapers.length;
    if (more > 0) {
      text.push(`  … and ${plural(more, 'more paper')}`);
      html.push(`<li style="list-style:none">${muted(esc(`… and ${plural(more, 'more paper')}`))}</li>`);
    }
    text.push('');
    html.push('</ul>');
  }

  if (d.notes.length) {
    text.push('NOTES WRITTEN SINCE THE LAST DIGEST');
    html.push(h2('Notes written since the last digest'), '<ul style="padding-left:20px;margin:0">');
    for (const n of d.notes) {
      const title = n.paperTitle ? oneLine(n.paperTitle) : 'a paper no longer in the library';
      const meta = `by ${n.authorNames.map(oneLine).join(', ')} · on ${oneLine(n.boardName)}`;
      const where = cardUrl(d.publicUrl, n.boardId, n.cardId);
      text.push(`- ${title} (${meta})`, `  ${where}`);
      html.push(`<li style="margin:0 0 8px">${link(where, title)}<br>${muted(esc(meta))}</li>`);
    }
    text.push('');
    html.push('</ul>');
  }

  if (d.sessions.length) {
    text.push(`SESSIONS IN THE NEXT 7 DAYS (times in ${d.timeZone})`);
    html.push(h2('Sessions in the next 7 days'), '<ul style="padding-left:20px;margin:0">');
    for (const s of d.sessions) {
      const when = formatInZone(s.sessionAt, d.timeZone);
      const title = s.paperTitle ? oneLine(s.paperTitle) : 'a paper no longer in the library';
      const who = `${oneLine(s.presenterName)} presents · ${oneLine(s.boardName)}`;
      const where = scheduleUrl(d.publicUrl, s.boardId);
      text.push(`- ${when}: ${title}`, `  ${who}`, `  ${where}`);
      html.push(
        `<li style="margin:0 0 8px"><strong>${esc(when)}</strong>: ${link(where, title)}<br>${muted(esc(who))}</li>`,
      );
    }
    text.push('');
    html.push('</ul>');
    html.push(`<p style="margin:8px 0 0;font-size:12px">${muted(`Times in ${esc(d.timeZone)}.`)}</p>`);
  }

  const settings = `${d.publicUrl}/settings`;
  text.push(
    '--',
    `Change when the digest arrives: ${settings}`,
    `Stop these mails (one click, no sign-in): ${d.unsubscribeUrl}`,
  );
  const footer =
    `You get this daily digest because you turned it on in Paperboard. ` +
    `${link(settings, 'Change the hour or time zone')} · ${link(d.unsubscribeUrl, 'Unsubscribe')}`;
  return { subject, text: text.join('\n'), html: htmlLayout(subject, html.join('\n'), footer) };
}

/** Everything a presenter reminder shows. */
interface ReminderInput {
  publicUrl: string;
  recipientName: string;
  timeZone: string;
  sessions: DigestSession[];
  unsubscribeUrl: string;
}

/** Subject, plain text and HTML of a presenter reminder. */
export function renderReminder(r: ReminderInput): RenderedMail {
  const first = r.sessions[0];
  const when = formatInZone(first.sessionAt, r.timeZone);
  const subject =
    r.sessions.length === 1
      ? `Reminder: you present on ${when}`
      : `Reminder: you present in ${r.sessions.length} sessions soon`;
  const text: string[] = [`Hello ${oneLine(r.recipientName)},`, '', 'You are presenting:', ''];
  const html: string[] = [
    `<h1 style="font-size:20px;margin:0 0 8px">You are presenting soon</h1>`,
    `<p style="margin:0 0 8px">Hello ${esc(oneLine(r.recipientName))}, a reminder of the sessions you present:</p>`,
    '<ul style="padding-left:20px;margin:0">',
  ];
  for (const s of r.sessions) {
    const at = formatInZone(s.sessionAt, r.timeZone);
    const title = s.paperTitle ? oneLine(s.paperTitle) : 'a paper no longer in the library';
    const where = cardUrl(r.publicUrl, s.boardId, s.cardId);
    text.push(`- ${at}: ${title}`, `  on ${oneLine(s.boardName)}`, `  ${where}`);
    html.push(
      `<li style="margin:0 0 8px"><strong>${esc(at)}</strong>: ${link(where, title)}<br>` +
        `${muted(esc(`on ${oneLine(s.boardName)}`))}</li>`,
    );
  }
  html.push('</ul>', `<p style="margin:8px 0 0;font-size:12px">${muted(`Times in ${esc(r.timeZone)}.`)}</p>`);
  text.push('', `Times in ${r.timeZone}.`, '--', `Stop presenter reminders (one click): ${r.unsubscribeUrl}`);
  const footer = `You get this because you present on a Paperboard board. ${link(r.unsubscribeUrl, 'Stop presenter reminders')}`;
  return { subject, text: text.join('\n'), html: htmlLayout(subject, html.join('\n'), footer) };
}
