-- Availability polls, attendance and ratings (issue #18).
--
-- A poll offers 2–12 time slots for a card's session (or for a board session whose paper is not chosen
-- yet: card_id null); members answer yes / maybe ("if need be") / no per slot. The owner picks a slot,
-- which schedules the card (an assignment) and closes the poll.
create table polls (
  id uuid primary key default gen_random_uuid(),
  board_id uuid not null references boards (id) on delete cascade,
  -- a card id of the board document (no foreign key, as for votes and assignments), or null
  card_id text check (length(card_id) between 1 and 200),
  status text not null default 'open' check (status in ('open', 'closed')),
  -- optional deadline for answers; answers after it are refused, the owner may still pick
  closes_at timestamptz,
  -- the slot picked by the owner; set exactly when the poll is closed by a pick
  picked_slot_id uuid,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  closed_at timestamptz,
  constraint polls_closed_complete check ((status = 'closed') = (closed_at is not null))
);
create index polls_board_idx on polls (board_id, created_at desc);
create index polls_open_idx on polls (board_id) where status = 'open';

create table poll_slots (
  id uuid primary key default gen_random_uuid(),
  poll_id uuid not null references polls (id) on delete cascade,
  at timestamptz not null,
  unique (poll_id, at)
);

alter table polls add constraint polls_picked_slot_fk foreign key (picked_slot_id) references poll_slots (id);

-- One answer per member per slot, replaced while the poll is open.
create table poll_answers (
  slot_id uuid not null references poll_slots (id) on delete cascade,
  poll_id uuid not null references polls (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  answer text not null check (answer in ('yes', 'maybe', 'no')),
  updated_at timestamptz not null default now(),
  primary key (slot_id, user_id)
);
create index poll_answers_user_idx on poll_answers (poll_id, user_id);

-- What a member says about a card's session: whether they attended and their rating (1–5) with a
-- one-line takeaway after it, or their interest (1–5) before it. One row per member and card.
create table session_feedback (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null check (length(card_id) between 1 and 200),
  user_id uuid not null references users (id) on delete cascade,
  attended boolean,
  rating smallint check (rating between 1 and 5),
  takeaway text check (length(takeaway) <= 280),
  interest smallint check (interest between 1 and 5),
  updated_at timestamptz not null default now(),
  primary key (board_id, card_id, user_id),
  -- only attendees rate the paper or leave a takeaway
  constraint session_feedback_rating_attended check ((rating is null and takeaway is null) or attended)
);
create index session_feedback_user_idx on session_feedback (board_id, user_id, updated_at);

-- Polls and attendance appear in the board's activity log.
alter table activity drop constraint activity_kind_check;
alter table activity add constraint activity_kind_check check (
  kind in (
    'vote:cast', 'vote:removed', 'member:joined', 'voting:changed', 'assignment:set', 'assignment:removed',
    'card:added', 'card:moved', 'card:removed', 'comment:added', 'round:opened', 'round:closed',
    'poll:opened', 'poll:answered', 'poll:picked', 'session:attended', 'session:rated'
  )
);
