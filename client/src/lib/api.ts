import type { NewWebhook, Webhook, WebhookChange, WebhookList } from '#shared/schemas/webhooks.js';
import type { Static } from '@sinclair/typebox';
import { boardScreenReads } from '#shared/protocol/board-screen.js';
import type {
  ForgotPasswordRequest,
  InstanceInfo,
  LoginRequest,
  MeResponse,
  SessionResponse,
  ResetPasswordRequest,
  SignupRequest,
  UpdateMeRequest,
  User,
} from '#shared/schemas/auth.js';
import type {
  AcceptedInvite,
  BoardDetail,
  BoardSummary,
  CreateBoardRequest,
  CreateInviteRequest,
  CreatedInvite,
  Invite,
  InvitePreview,
  Member,
  Role,
  UpdateBoardRequest,
} from '#shared/schemas/boards.js';
import type { ErrorBody } from '#shared/schemas/common.js';
import type { ActivityPage } from '#shared/schemas/activity.js';
import type { FeedDayList, NewWatch, Watch, WatchList } from '#shared/schemas/feeds.js';
import type { DigestSettings, DigestSettingsRequest } from '#shared/schemas/digest.js';
import type { AddedCard, BoardCards, PaperBoards } from '#shared/schemas/cards.js';
import type { CardVoters, UpdateVotingRequest, VoteResult, VotingSettings } from '#shared/schemas/votes.js';
import type {
  ImportFormat,
  ImportProgress,
  ImportResult,
  Paper,
  PaperPage,
  PaperSearchQuery,
} from '#shared/schemas/papers.js';
import type { Ballot, BallotRequest, OpenRoundRequest, Round, RoundList } from '#shared/schemas/rounds.js';
import type {
  AnswerRequest,
  CreatePollRequest,
  MyAnswers,
  PickRequest,
  Poll,
  PollList,
} from '#shared/schemas/polls.js';
import type { Assignment, AssignmentRequest, CalendarFeed, Schedule, Suggestion } from '#shared/schemas/schedule.js';
import type { BoardFeedback, CardFeedback, FeedbackRequest } from '#shared/schemas/feedback.js';
import type { NoteSettings, NoteSettingsRequest } from '#shared/schemas/notes.js';
import type { BoardSuggestionList, RecommendationList } from '#shared/schemas/recommend.js';

/** A failed API call: the HTTP status (0 when the network failed), the server's code and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A sentence to show people for any error: the server's message (which is lower-case and may start
 * with the offending field, as in "text: ...") as a capitalised sentence, or a generic one.
 */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something unexpected went wrong.';
  const text = err.message.replace(/^[a-z]+(\/[a-zA-Z]+)?: /, '');
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** True for the error `fetch` throws when its `AbortSignal` fires; such answers are simply not wanted. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/** Turns a non-2xx response into an `ApiError`, keeping the server's message when it sent one. */
async function errorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isErrorBody(body)) return new ApiError(response.status, body.error, body.message);
  return new ApiError(response.status, 'http', `the server answered ${response.status} ${response.statusText}`);
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network', 'could not reach the server; check your connection');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await request(path, { signal });
  return (await response.json()) as T;
}

/** One page of `GET /api/papers`. Empty parameters are left out of the URL. */
export function searchPapers(query: PaperSearchQuery, signal?: AbortSignal): Promise<PaperPage> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return getJson<PaperPage>(`/api/papers${search ? `?${search}` : ''}`, signal);
}

/** The latest days on which the instance feeds listed papers (the library's "By day" tabs). */
export function getFeedDays(signal?: AbortSignal): Promise<FeedDayList> {
  return getJson<FeedDayList>('/api/papers/feed-days', signal);
}

/** One line of the NDJSON stream of `POST /api/papers/import`. */
type ImportStreamLine = { progress: ImportProgress } | { result: ImportResult } | ErrorBody;

/**
 * Imports papers from `text`, streaming progress to `onProgress`; resolves with the result once the
 * server has stored everything. A refusal (4xx, or an error line in the stream) rejects with `ApiError`.
 */
export async function importPapers(
  text: string,
  format: ImportFormat,
  onProgress: (progress: ImportProgress) => void,
  signal?: AbortSignal,
): Promise<ImportResult> {
  const response = await request('/api/papers/import', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ text, format }),
    signal,
  });
  if (!response.body) throw new ApiError(response.status, 'http', 'the server sent an empty answer');

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const handle = (raw: string): ImportResult | null => {
    if (!raw.trim()) return null;
    let line: ImportStreamLine;
    try {
      line = JSON.parse(raw) as ImportStreamLine;
    } catch {
      throw new ApiError(response.status, 'protocol', 'the server sent an answer this page cannot read');
    }
    if ('progress' in line) {
      onProgress(line.progress);
      return null;
    }
    if ('result' in line) return line.result;
    throw new ApiError(response.status, line.error, line.message);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const raw of lines) {
        const result = handle(raw);
        if (result) return result;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const result = handle(buffered);
  if (result) return result;
  throw new ApiError(response.status, 'incomplete', 'the import stopped before the server sent a result');
}

async function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  return (await response.json()) as T;
}

/** A request whose answer has no body worth reading (204, or a body the caller does not need). */
async function send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  // Without a body there must be no JSON content type either: Fastify refuses an empty JSON body.
  if (body === undefined) return request(path, { method });
  return request(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The signed-in user, or null when nobody is (401). */
export async function getMe(): Promise<User | null> {
  return (await getJson<SessionResponse>('/api/auth/session')).user;
}

/** Signs in; the server sets the session cookie. A wrong email or password rejects with status 401. */
export async function login(body: LoginRequest): Promise<User> {
  return (await sendJson<MeResponse>('POST', '/api/auth/login', body)).user;
}

/** Creates an account and signs it in; 409 when the email is taken. */
export async function signup(body: SignupRequest): Promise<User> {
  return (await sendJson<MeResponse>('POST', '/api/auth/signup', body)).user;
}

/** Ends the session and clears its cookie. */
export async function logout(): Promise<void> {
  await send('POST', '/api/auth/logout');
}

/** Changes the signed-in user's name and/or password (a new password needs the current one). */
export async function updateMe(body: UpdateMeRequest): Promise<User> {
  return (await sendJson<MeResponse>('PATCH', '/api/me', body)).user;
}

/** What the login page may show about this instance (the demo account in demo mode). */
export function getInstance(signal?: AbortSignal): Promise<InstanceInfo> {
  return getJson<InstanceInfo>('/api/instance', signal);
}

/** The boards the signed-in user belongs to, most recently changed first. */
export function listBoards(signal?: AbortSignal): Promise<BoardSummary[]> {
  return getJson<BoardSummary[]>('/api/boards', signal);
}

export function createBoard(body: CreateBoardRequest): Promise<BoardSummary> {
  return sendJson<BoardSummary>('POST', '/api/boards', body);
}

/** A board with the caller's role and its members; 404 for boards the caller is not a member of. */
export function getBoard(boardId: string, signal?: AbortSignal): Promise<BoardDetail> {
  return getJson<BoardDetail>(boardScreenReads(boardId).details, signal);
}

/** Changes a board's name, description or meeting (editors and owners); answers with the board. */
export function updateBoard(boardId: string, body: UpdateBoardRequest): Promise<BoardSummary> {
  return sendJson<BoardSummary>('PATCH', `/api/boards/${encodeURIComponent(boardId)}`, body);
}

/** Deletes a board with everything on it (owners only). */
export async function deleteBoard(boardId: string): Promise<void> {
  await send('DELETE', `/api/boards/${encodeURIComponent(boardId)}`);
}

/** Gives a member another role (owners only); answers with the updated members. */
export function changeMemberRole(boardId: string, userId: string, role: Role): Promise<Member[]> {
  return sendJson<Member[]>(
    'PATCH',
    `/api/boards/${encodeURIComponent(boardId)}/members/${encodeURIComponent(userId)}`,
    {
      role,
    },
  );
}

/** Removes a member (owners), or the caller themselves (leaving the board). */
export async function removeMember(boardId: string, userId: string): Promise<void> {
  await send('DELETE', `/api/boards/${encodeURIComponent(boardId)}/members/${encodeURIComponent(userId)}`);
}

/** Creates an invitation; its token is in this answer only. */
export function createInvite(boardId: string, body: CreateInviteRequest): Promise<CreatedInvite> {
  return sendJson<CreatedInvite>('POST', `/api/boards/${encodeURIComponent(boardId)}/invites`, body);
}

/** The board's invitations, newest first, revoked and expired ones included (owners only). */
export function listInvites(boardId: string, signal?: AbortSignal): Promise<Invite[]> {
  return getJson<Invite[]>(`/api/boards/${encodeURIComponent(boardId)}/invites`, signal);
}

export async function revokeInvite(boardId: string, inviteId: string): Promise<void> {
  await send('DELETE', `/api/boards/${encodeURIComponent(boardId)}/invites/${encodeURIComponent(inviteId)}`);
}

/** Which board and role an invitation link offers (signed in only). */
export function previewInvite(token: string, signal?: AbortSignal): Promise<InvitePreview> {
  return getJson<InvitePreview>(`/api/invites/${encodeURIComponent(token)}`, signal);
}

/** Joins the board of an invitation; 410 when it expired, was revoked or is used up. */
export function acceptInvite(token: string): Promise<Static<typeof AcceptedInvite>> {
  return sendJson<Static<typeof AcceptedInvite>>('POST', `/api/invites/${encodeURIComponent(token)}/accept`);
}

/** The board's sessions: upcoming soonest first, past latest first (members only). */
export function getSchedule(boardId: string, signal?: AbortSignal): Promise<Schedule> {
  return getJson<Schedule>(`/api/boards/${encodeURIComponent(boardId)}/schedule`, signal);
}

/** The board's calendar feed URL and token; the token is created on the first call (members only). */
export function getCalendarFeed(boardId: string, signal?: AbortSignal): Promise<CalendarFeed> {
  return getJson<CalendarFeed>(`/api/boards/${encodeURIComponent(boardId)}/calendar`, signal);
}

/** Replaces the calendar feed's token (owners only); subscriptions to the old URL stop updating. */
export function rotateCalendarFeed(boardId: string): Promise<CalendarFeed> {
  return sendJson<CalendarFeed>('POST', `/api/boards/${encodeURIComponent(boardId)}/calendar/rotate`);
}

// --- The board screen: cards, votes, presenters, activity -------------------------------------------

const boardPath = (boardId: string) => `/api/boards/${encodeURIComponent(boardId)}`;
const cardPath = (boardId: string, cardId: string) => `${boardPath(boardId)}/cards/${encodeURIComponent(cardId)}`;

/**
 * The board's projected cards with papers, tallies, my votes and presenters; without abstracts unless
 * asked (they are sent as empty strings).
 */
export function getBoardCards(
  boardId: string,
  options: { abstracts?: boolean } = {},
  signal?: AbortSignal,
): Promise<BoardCards> {
  return getJson<BoardCards>(
    options.abstracts ? `${boardPath(boardId)}/cards` : boardScreenReads(boardId).cards,
    signal,
  );
}

/** Nominates a library paper: a card in `columnId` (the first column when omitted). */
export function addPaperToBoard(boardId: string, paperId: string, columnId?: string): Promise<AddedCard> {
  return sendJson<AddedCard>('POST', `${boardPath(boardId)}/cards`, { paperId, ...(columnId ? { columnId } : {}) });
}

/** The ids of my boards that already show the paper. */
export function getPaperBoards(paperId: string, signal?: AbortSignal): Promise<PaperBoards> {
  return getJson<PaperBoards>(`/api/papers/${encodeURIComponent(paperId)}/boards`, signal);
}

/** One paper of the library. */
export function getPaper(paperId: string, signal?: AbortSignal): Promise<Paper> {
  return getJson<Paper>(`/api/papers/${encodeURIComponent(paperId)}`, signal);
}

/** The board's voting rules, tallies and my remaining dots. */
export function getVoting(boardId: string, signal?: AbortSignal): Promise<VotingSettings> {
  return getJson<VotingSettings>(boardScreenReads(boardId).voting, signal);
}

/** Changes how a board votes (owners only); switching the mode clears the board's votes. */
export function updateVoting(boardId: string, body: UpdateVotingRequest): Promise<VotingSettings> {
  return sendJson<VotingSettings>('PATCH', `/api/boards/${encodeURIComponent(boardId)}/voting`, body);
}

/** Votes for a card (in dots mode, gives it `dots` of my dots). */
export function vote(boardId: string, cardId: string, dots?: number): Promise<VoteResult> {
  return sendJson<VoteResult>('PUT', `${cardPath(boardId, cardId)}/vote`, dots === undefined ? {} : { dots });
}

/** Takes my vote (or dots) back from a card. */
export function unvote(boardId: string, cardId: string): Promise<VoteResult> {
  return sendJson<VoteResult>('DELETE', `${cardPath(boardId, cardId)}/vote`);
}

/** Who voted for a card, by name. */
export function getCardVoters(boardId: string, cardId: string, signal?: AbortSignal): Promise<CardVoters> {
  return getJson<CardVoters>(`${cardPath(boardId, cardId)}/votes`, signal);
}

/** Sets a card's presenter and session time. */
export function assignPresenter(boardId: string, cardId: string, body: AssignmentRequest): Promise<Assignment> {
  return sendJson<Assignment>('PUT', `${cardPath(boardId, cardId)}/assignment`, body);
}

/** Clears a card's presenter and session. */
export async function unassignPresenter(boardId: string, cardId: string): Promise<void> {
  await send('DELETE', `${cardPath(boardId, cardId)}/assignment`);
}

/** Whose turn it is to present the card. */
export function suggestPresenter(boardId: string, cardId: string, signal?: AbortSignal): Promise<Suggestion> {
  return getJson<Suggestion>(`${boardPath(boardId)}/schedule/suggest?cardId=${encodeURIComponent(cardId)}`, signal);
}

/** My feedback on a card's session, the group's summary and the takeaways. */
export function getCardFeedback(boardId: string, cardId: string, signal?: AbortSignal): Promise<CardFeedback> {
  return getJson<CardFeedback>(`${cardPath(boardId, cardId)}/feedback`, signal);
}

/** Changes my feedback on a card's session (attendance, rating, takeaway, or interest before it). */
export function saveFeedback(boardId: string, cardId: string, body: FeedbackRequest): Promise<CardFeedback> {
  return sendJson<CardFeedback>('PUT', `${cardPath(boardId, cardId)}/feedback`, body);
}

/** Whether the card's note is shown on the board's public page. */
export function getNoteSettings(boardId: string, cardId: string, signal?: AbortSignal): Promise<NoteSettings> {
  return getJson<NoteSettings>(`${cardPath(boardId, cardId)}/note`, signal);
}

/** Publishes the card's note on the board's public page, or takes it off (owners). */
export function saveNoteSettings(boardId: string, cardId: string, body: NoteSettingsRequest): Promise<NoteSettings> {
  return sendJson<NoteSettings>('PUT', `${cardPath(boardId, cardId)}/note`, body);
}

/** The feedback summaries of the board's cards that have any. */
export function getBoardFeedback(boardId: string, signal?: AbortSignal): Promise<BoardFeedback> {
  return getJson<BoardFeedback>(`${boardPath(boardId)}/feedback`, signal);
}

/** A page of the board's activity, newest first. */
export function getActivity(boardId: string, before?: string, signal?: AbortSignal): Promise<ActivityPage> {
  return getJson<ActivityPage>(`${boardPath(boardId)}/activity${before ? `?before=${before}` : ''}`, signal);
}

/** Asks for a password reset link by mail; answered the same whether or not the address has an account. */
export async function forgotPassword(body: ForgotPasswordRequest): Promise<void> {
  await send('POST', '/api/auth/forgot', body);
}

/** Sets a new password with the token of a reset link; every session of the account is signed out. */
export async function resetPassword(body: ResetPasswordRequest): Promise<void> {
  await send('POST', '/api/auth/reset', body);
}

/** The signed-in user's daily digest settings (`saved` is false while they are the defaults). */
export function getDigestSettings(signal?: AbortSignal): Promise<DigestSettings> {
  return getJson<DigestSettings>('/api/me/digest', signal);
}

/** Saves the daily digest settings; 400 names the field (e.g. an unknown time zone). */
export function saveDigestSettings(body: DigestSettingsRequest): Promise<DigestSettings> {
  return sendJson<DigestSettings>('PUT', '/api/me/digest', body);
}

// --- Ballot rounds ---------------------------------------------------------------------------------

const roundPath = (boardId: string, roundId: string) => `${boardPath(boardId)}/rounds/${encodeURIComponent(roundId)}`;

/** The board's ballot rounds, newest first, each with my ballot (members). */
export async function listRounds(boardId: string, signal?: AbortSignal): Promise<Round[]> {
  return (await getJson<RoundList>(`${boardPath(boardId)}/rounds`, signal)).items;
}

/** One round, with my ballot and, once closed, its result. */
export function getRound(boardId: string, roundId: string, signal?: AbortSignal): Promise<Round> {
  return getJson<Round>(roundPath(boardId, roundId), signal);
}

/** Opens a round (owners); a refusal (400) names the field in its message, as `body/closesAt …`. */
export function openRound(boardId: string, body: OpenRoundRequest): Promise<Round> {
  return sendJson<Round>('POST', `${boardPath(boardId)}/rounds`, body);
}

/** Casts or replaces my ballot (editors and owners), answering with it as stored; 409 once the round is closed. */
export function saveBallot(boardId: string, roundId: string, body: BallotRequest): Promise<Ballot> {
  return sendJson<Ballot>('PUT', `${roundPath(boardId, roundId)}/ballot`, body);
}

/** Closes a round now (owners): the closed round with its result. */
export function closeRound(boardId: string, roundId: string): Promise<Round> {
  return sendJson<Round>('POST', `${roundPath(boardId, roundId)}/close`);
}

// --- Availability polls ----------------------------------------------------------------------------

const pollPath = (boardId: string, pollId: string) => `${boardPath(boardId)}/polls/${encodeURIComponent(pollId)}`;

/** The board's polls (only open or closed ones if asked), newest first, with every member's answers and mine. */
export async function listPolls(boardId: string, signal?: AbortSignal, status?: 'open' | 'closed'): Promise<Poll[]> {
  const query = status ? `?status=${status}` : '';
  return (await getJson<PollList>(`${boardPath(boardId)}/polls${query}`, signal)).items;
}

/** One poll, with its answers, counts and best slot. */
export function getPoll(boardId: string, pollId: string, signal?: AbortSignal): Promise<Poll> {
  return getJson<Poll>(pollPath(boardId, pollId), signal);
}

/** Proposes times (owners); a refusal (400) names the field, as `body/slots/1 must be in the future`. */
export function createPoll(boardId: string, body: CreatePollRequest): Promise<Poll> {
  return sendJson<Poll>('POST', `${boardPath(boardId)}/polls`, body);
}

/** Replaces my answers (editors and owners); 409 once the poll is closed or past its deadline. */
export function answerPoll(boardId: string, pollId: string, body: AnswerRequest): Promise<MyAnswers> {
  return sendJson<MyAnswers>('PUT', `${pollPath(boardId, pollId)}/answer`, body);
}

/** Picks a slot (owners): schedules the session and closes the poll; 409 when someone picked first. */
export function pickPollSlot(boardId: string, pollId: string, body: PickRequest): Promise<Poll> {
  return sendJson<Poll>('POST', `${pollPath(boardId, pollId)}/pick`, body);
}

/** Deletes a poll (owners); a session it scheduled stays. */
export async function deletePoll(boardId: string, pollId: string): Promise<void> {
  await send('DELETE', pollPath(boardId, pollId));
}

/** The board's watches (feeds that bring it papers) and their recent runs, newest first. */
export function listWatches(boardId: string, signal?: AbortSignal): Promise<WatchList> {
  return getJson<WatchList>(`${boardPath(boardId)}/watches`, signal);
}

/** Adds a watch (owners); 409 when the board has as many as it may. */
export function addWatch(boardId: string, body: NewWatch): Promise<Watch> {
  return sendJson<Watch>('POST', `${boardPath(boardId)}/watches`, body);
}

/** Deletes a watch (owners); the papers it brought stay in the library. */
export async function deleteWatch(boardId: string, watchId: string): Promise<void> {
  await send('DELETE', `${boardPath(boardId)}/watches/${encodeURIComponent(watchId)}`);
}

// --- More like this: recommendations and the Suggested lane (issue #19) -----------------------------

const limitQuery = (limit?: number) => (limit ? `?limit=${limit}` : '');

/** Library papers like the board's, not on it, best first, each with the shared words (members). */
export function getRecommendations(boardId: string, limit?: number, signal?: AbortSignal): Promise<RecommendationList> {
  return getJson<RecommendationList>(`${boardPath(boardId)}/recommendations${limitQuery(limit)}`, signal);
}

/** Library papers like one paper, best first. */
export function getSimilarPapers(paperId: string, limit?: number, signal?: AbortSignal): Promise<RecommendationList> {
  return getJson<RecommendationList>(`/api/papers/${encodeURIComponent(paperId)}/similar${limitQuery(limit)}`, signal);
}

/** The board's Suggested lane: new papers like the board's, not dismissed, not on it. */
export function getSuggestions(boardId: string, signal?: AbortSignal): Promise<BoardSuggestionList> {
  return getJson<BoardSuggestionList>(`${boardPath(boardId)}/suggestions`, signal);
}

/** Dismisses a suggestion for everyone (editors and owners). */
export async function dismissSuggestion(boardId: string, paperId: string): Promise<void> {
  await send('DELETE', `${boardPath(boardId)}/suggestions/${encodeURIComponent(paperId)}`);
}

/** Takes a dismissal back (the toast's Undo). */
export async function restoreSuggestion(boardId: string, paperId: string): Promise<void> {
  await send('POST', `${boardPath(boardId)}/suggestions/${encodeURIComponent(paperId)}/restore`);
}

/** A board's chat webhooks (owners), URLs masked. */
export function listWebhooks(boardId: string, signal?: AbortSignal): Promise<WebhookList> {
  return getJson<WebhookList>(`${boardPath(boardId)}/webhooks`, signal);
}

/** Adds a chat webhook (owners); a 400 names its field. */
export function addWebhook(boardId: string, body: NewWebhook): Promise<Webhook> {
  return sendJson<Webhook>('POST', `${boardPath(boardId)}/webhooks`, body);
}

/** Re-enables (or pauses) a webhook, or changes its events. */
export function changeWebhook(boardId: string, webhookId: string, body: WebhookChange): Promise<Webhook> {
  return sendJson<Webhook>('PATCH', `${boardPath(boardId)}/webhooks/${encodeURIComponent(webhookId)}`, body);
}

/** Deletes a webhook for good (its URL is not kept anywhere else). */
export async function deleteWebhook(boardId: string, webhookId: string): Promise<void> {
  await send('DELETE', `${boardPath(boardId)}/webhooks/${encodeURIComponent(webhookId)}`);
}
