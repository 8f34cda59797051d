-- Ballot rounds (issue #18): an owner opens a round over some cards of a board, members cast one ballot
-- each until it closes (at closes_at, or earlier by the owner), and the server counts them once. While
-- a round is open only counts of ballots are shown; the ballots themselves stay in this table.

create table rounds (
  id uuid primary key default gen_random_uuid(),
  board_id uuid not null references boards (id) on delete cascade,
  -- ranked: instant-runoff over rankings; approval: one vote per approved card; dots: a budget to spread
  method text not null check (method in ('ranked', 'approval', 'dots')),
  -- card ids of the board document in board order at opening (no foreign key: the document is the
  -- truth and the projection is rewritten after every change). At most 50, so that a count stays small.
  candidates text[] not null check (cardinality(candidates) between 2 and 50),
  -- the candidates still on the board when the round closed, which were counted; null while open
  counted text[],
  closes_at timestamptz not null,
  -- how many cards the round elects, never more than there are candidates
  winners integer not null default 1 check (winners between 1 and cardinality(candidates)),
  -- a column id of the board document the winners are moved to when the round closes, or null
  move_winners_to text check (length(move_winners_to) between 1 and 200),
  -- whether the ballots, by member, are shown with the result once closed (never while open)
  open_ballot boolean not null default false,
  -- the dots each member may spread; set for dots rounds and only for them
  dots_per_member integer check (dots_per_member between 1 and 100),
  status text not null default 'open' check (status in ('open', 'closed')),
  -- the count (tally.ts's RoundResult); present exactly when the round is closed
  result jsonb,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  closed_at timestamptz,
  constraint rounds_dots_budget check ((method = 'dots') = (dots_per_member is not null)),
  -- a closed round has its count and closing time, an open one neither
  constraint rounds_closed_complete check (
    (status = 'closed') = (result is not null and closed_at is not null and counted is not null)
  )
);
create index rounds_board_idx on rounds (board_id, created_at desc);
-- what the scheduler looks for: open rounds by deadline
create index rounds_due_idx on rounds (closes_at) where status = 'open';

-- One ballot per member per round, replaced while the round is open. Its form follows the round's
-- method ({ranking: [cardId]}, {approve: [cardId]} or {dots: {cardId: n}}), checked by the server.
create table ballots (
  round_id uuid not null references rounds (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  ballot jsonb not null check (jsonb_typeof(ballot) = 'object'),
  updated_at timestamptz not null default now(),
  primary key (round_id, user_id)
);

-- Rounds opened and closed appear in the board's activity log.
alter table activity drop constraint activity_kind_check;
alter table activity add constraint activity_kind_check check (
  kind in (
    'vote:cast', 'vote:removed', 'member:joined', 'voting:changed', 'assignment:set', 'assignment:removed',
    'card:added', 'card:moved', 'card:removed', 'comment:added', 'round:opened', 'round:closed'
  )
);
