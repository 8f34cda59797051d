import type { Config } from '#server/config.js';
import type { Sql } from '#server/db/sql.js';
import type { Mailer } from '#server/mail/mailer.js';
import type { DigestRunResult } from '#shared/schemas/digest.js';
import { trendingPapers } from '#server/features/votes/trending.repository.js';
import { pollsAwaitingAnswer } from '#server/features/polls/polls.repository.js';
import { watchPapersSince } from '#server/features/feeds/feeds.repository.js';
import { notesWrittenSince } from '#server/features/notes/notes.repository.js';
import {
  changesSince,
  roundsClosingSoon,
  claimDelivery,
  digestCandidates,
  markFailed,
  markSent,
  markSkipped,
  newNominations,
  papersOnMyBoards,
  recordReminders,
  reminderCandidates,
  takeJobLock,
  upcomingSessions,
  type DigestCandidate,
  type ReminderCandidate,
} from './digest.repository.js';
import { renderDigest, renderReminder, type RenderedMail } from './digest.content.js';
import { addDays, latestSlot, localParts, zonedInstant } from '#server/local-time.js';
import { mailSecret, unsubscribeHeaders, unsubscribeUrl } from './unsubscribe.js';

const DAY_MS = 24 * 3600_000;
/** Any constant works; it only has to be the same on every node (the migrations use 724_001). */
const MAIL_JOB_LOCK_KEY = 724_007;
/** A mail the transport refused is tried again, at most this many times in all, ... */
const MAX_ATTEMPTS = 3;
/** ... and not sooner than this after the previous attempt. */
const RETRY_AFTER_MS = 10 * 60_000;
const TRENDING_IN_DIGEST = 5;
const NOMINATIONS_IN_DIGEST = 10;
/** Papers from the boards' watches a digest lists (the rest are counted). */
const FEED_PAPERS_IN_DIGEST = 10;
/** Cards whose notes others wrote in that a digest lists. */
const NOTES_IN_DIGEST = 10;
const SESSION_WINDOW_MS = 7 * DAY_MS;

/** The logger the job needs (Fastify's and pino's fit). */
export interface JobLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** What the mail job works with. */
export interface MailJobDeps {
  sql: Sql;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'dataDir' | 'sessionSecret' | 'digest'>;
  log: JobLog;
}

/** Options of one run. */
export interface MailJobOptions {
  /**
   * The cluster-wide advisory lock around claiming: `try` (default; the scheduler skips a tick when
   * another process is claiming), `wait` (a manual run waits its turn), or `none` (tests use it to show
   * that the ledger's unique key alone prevents duplicates when claims really race).
   */
  lock?: 'try' | 'wait' | 'none';
}

interface DigestClaim {
  id: string;
  candidate: DigestCandidate;
}

interface ReminderClaim {
  id: string;
  sessions: ReminderCandidate[];
}

/** When a session's reminder is due: the presenter's hour, `reminderDays` local days before the session. */
function reminderDueAt(s: ReminderCandidate, reminderDays: number): Date {
  const sessionDay = localParts(s.sessionAt, s.timeZone).day;
  return zonedInstant(addDays(sessionDay, -reminderDays), s.hour, s.timeZone);
}

/**
 * Claims, in one transaction under the job's advisory lock, every mail due at `now`: the digests whose
 * latest daily slot has no ledger row yet (so after downtime only the latest missed slot is owed, once),
 * and presenter reminders whose time has come. The claims are committed before anything is sent.
 * Null when another process holds the lock (it is doing the same work).
 */
async function claimDueMail(
  deps: MailJobDeps,
  now: Date,
  lock: 'try' | 'wait' | 'none',
): Promise<{ digests: DigestClaim[]; reminders: ReminderClaim[] } | null> {
  const retryBefore = new Date(now.getTime() - RETRY_AFTER_MS);
  return deps.sql.begin(async (tx) => {
    if (lock !== 'none' && !(await takeJobLock(tx, MAIL_JOB_LOCK_KEY, lock === 'wait'))) return null;

    const digests: DigestClaim[] = [];
    for (const candidate of await digestCandidates(tx)) {
      let slot: { day: string; at: Date };
      try {
        slot = latestSlot(now, candidate.hour, candidate.timeZone);
      } catch (err) {
        // A zone this runtime no longer knows must not stop everyone else's digest.
        deps.log.error({ err, userId: candidate.userId, timeZone: candidate.timeZone }, 'unknown time zone');
        continue;
      }
      // A slot before the settings changed is not owed; a day at or before the latest digest's is done
      // (this also keeps a move to a zone behind ours from sending the same day twice).
      if (slot.at < candidate.changedAt) continue;
      if (candidate.lastDay && slot.day <= candidate.lastDay) continue;
      const id = await claimDelivery(tx, {
        userId: candidate.userId,
        kind: 'digest',
        localDay: slot.day,
        now,
        retryBefore,
        maxAttempts: MAX_ATTEMPTS,
      });
      if (id) digests.push({ id, candidate });
    }

    const reminderDays = deps.config.digest.reminderDays;
    const horizon = new Date(now.getTime() + (reminderDays + 2) * DAY_MS);
    const due = (await reminderCandidates(tx, now, horizon)).filter((s) => {
      try {
        return reminderDueAt(s, reminderDays) <= now;
      } catch {
        return false;
      }
    });
    const byPresenter = new Map<string, ReminderCandidate[]>();
    for (const s of due) byPresenter.set(s.presenterId, [...(byPresenter.get(s.presenterId) ?? []), s]);
    const reminders: ReminderClaim[] = [];
    for (const [presenterId, sessions] of byPresenter) {
      const id = await claimDelivery(tx, {
        userId: presenterId,
        kind: 'reminder',
        localDay: localParts(now, sessions[0].timeZone).day,
        now,
        retryBefore,
        maxAttempts: MAX_ATTEMPTS,
      });
      if (!id) continue;
      await recordReminders(tx, id, sessions);
      reminders.push({ id, sessions });
    }
    return { digests, reminders };
  });
}

/** The digest of one claimed slot, or null when nothing is new since the previous one. */
async function composeDigest(
  deps: MailJobDeps,
  c: DigestCandidate,
  now: Date,
  listUrl: string,
): Promise<RenderedMail | null> {
  const { sql, config } = deps;
  const since = c.lastCoveredUntil ?? new Date(now.getTime() - DAY_MS);
  const nominations = await newNominations(sql, c.userId, since, now, NOMINATIONS_IN_DIGEST);
  const changes = await changesSince(sql, c.userId, since, now);
  const rounds = await roundsClosingSoon(sql, c.userId, now, new Date(now.getTime() + DAY_MS));
  const polls = await pollsAwaitingAnswer(sql, c.userId, now);
  // A decision waiting for the reader is worth a mail on a day with nothing else new: a round closing
  // within a day, or a poll that is new since the last digest or closes within a day (an unanswered poll
  // is listed in every digest sent, but does not by itself send one every day).
  const feedPapers = await watchPapersSince(sql, c.userId, since, now, FEED_PAPERS_IN_DIGEST);
  const notes = await notesWrittenSince(sql, c.userId, since, now, NOTES_IN_DIGEST);
  const news = nominations.total + changes.votes + changes.assignments + feedPapers.total + notes.length;
  const pollNews = polls.some(
    (p) => p.createdAt > since || (p.closesAt !== null && p.closesAt.getTime() <= now.getTime() + DAY_MS),
  );
  if (news === 0 && rounds.length === 0 && !pollNews) return null;

  const trending = await trendingPapers(sql, {
    userId: c.userId,
    q: null,
    tag: null,
    limit: TRENDING_IN_DIGEST,
    after: null,
    asOf: now,
    votedOnly: true,
  });
  const boards = await papersOnMyBoards(
    sql,
    c.userId,
    trending.hits.map((p) => p.id),
  );
  const sessions = await upcomingSessions(sql, c.userId, now, new Date(now.getTime() + SESSION_WINDOW_MS));
  return renderDigest({
    publicUrl: config.publicUrl,
    recipientName: c.name,
    timeZone: c.timeZone,
    trending: trending.hits.map((p) => {
      const board = boards.get(p.id);
      return {
        title: p.title,
        authors: p.authors,
        votes: board?.votes ?? 0,
        boardId: board?.boardId ?? null,
        boardName: board?.boardName ?? null,
        cardId: board?.cardId ?? null,
      };
    }),
    nominations: nominations.rows,
    nominationsTotal: nominations.total,
    sessions,
    rounds,
    polls,
    feedPapers: feedPapers.rows,
    feedPapersTotal: feedPapers.total,
    notes,
    unsubscribeUrl: listUrl,
  });
}

/** Hands a claimed mail to the transport and records the outcome; true when it was sent. */
async function deliver(
  deps: MailJobDeps,
  claimId: string,
  to: { userId: string; email: string },
  kind: 'digest' | 'reminder',
  mail: RenderedMail,
  listUrl: string,
): Promise<boolean> {
  try {
    const sent = await deps.mailer.send({ ...mail, to: to.email, kind, headers: unsubscribeHeaders(listUrl) });
    await markSent(deps.sql, claimId, sent.messageId);
    return true;
  } catch (err) {
    deps.log.error({ err, kind, userId: to.userId, deliveryId: claimId }, 'mail could not be sent');
    await markFailed(deps.sql, claimId, err instanceof Error ? err.message : String(err)).catch(() => {});
    return false;
  }
}

/**
 * One run of the mail job at `now`: claims what is due (see `claimDueMail`), then composes and sends
 * each mail, marking it sent. A digest with nothing new is marked skipped instead. Returns the counts,
 * or null when another process held the lock.
 */
export async function runMailJob(
  deps: MailJobDeps,
  now: Date,
  options: MailJobOptions = {},
): Promise<DigestRunResult | null> {
  const claims = await claimDueMail(deps, now, options.lock ?? 'try');
  if (!claims) return null;
  const result: DigestRunResult = { digests: 0, reminders: 0, skipped: 0, failed: 0 };
  const { config } = deps;

  for (const { id, candidate } of claims.digests) {
    const listUrl = unsubscribeUrl(config.publicUrl, mailSecret(config), candidate.userId, 'digest');
    let mail: RenderedMail | null;
    try {
      mail = await composeDigest(deps, candidate, now, listUrl);
    } catch (err) {
      deps.log.error({ err, userId: candidate.userId, deliveryId: id }, 'digest could not be composed');
      await markFailed(deps.sql, id, 'could not compose the digest').catch(() => {});
      result.failed++;
      continue;
    }
    if (!mail) {
      await markSkipped(deps.sql, id);
      result.skipped++;
      continue;
    }
    if (await deliver(deps, id, candidate, 'digest', mail, listUrl)) result.digests++;
    else result.failed++;
  }

  for (const { id, sessions } of claims.reminders) {
    const presenter = sessions[0];
    const listUrl = unsubscribeUrl(config.publicUrl, mailSecret(config), presenter.presenterId, 'reminders');
    const mail = renderReminder({
      publicUrl: config.publicUrl,
      recipientName: presenter.name,
      timeZone: presenter.timeZone,
      sessions: sessions.map((s) => ({
        boardId: s.boardId,
        boardName: s.boardName,
        cardId: s.cardId,
        paperTitle: s.paperTitle,
        presenterName: s.name,
        sessionAt: s.sessionAt,
      })),
      unsubscribeUrl: listUrl,
    });
    if (await deliver(deps, id, { userId: presenter.presenterId, email: presenter.email }, 'reminder', mail, listUrl))
      result.reminders++;
    else result.failed++;
  }

  if (result.digests || result.reminders || result.failed) deps.log.info({ ...result }, 'mail job ran');
  return result;
}
