-- Presenters and sessions: who presents a card's paper, and when (ARCHITECTURE §6).

-- One presenter per card. card_id names a card of the board document; as for votes there is no foreign
-- key to board_cards, which is rewritten after every change. The server checks, under a share lock on
-- the presenter's board_members row, that the presenter is a member.
create table assignments (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null check (length(card_id) between 1 and 200),
  presenter_id uuid not null references users (id) on delete cascade,
  session_at timestamptz not null,
  assigned_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (board_id, card_id)
);
create index assignments_presenter_idx on assignments (board_id, presenter_id, session_at);
create index assignments_session_idx on assignments (board_id, session_at);

-- A member who leaves a board no longer presents on it.
create function assignments_forget_member() returns trigger language plpgsql as $$
begin
  delete from assignments where board_id = old.board_id and presenter_id = old.user_id;
  return old;
end $$;
create trigger board_members_forget_assignments after delete on board_members
  for each row execute function assignments_forget_member();


-- The secret of a board's iCalendar feed. Calendar apps cannot send a session cookie, so the feed URL
-- carries this token; it is stored as is (not hashed) because members are shown the URL again. Owners
-- rotate it, which makes the old URL stop working.
create table board_calendars (
  board_id uuid primary key references boards (id) on delete cascade,
  token text not null unique check (length(token) between 32 and 128),
  created_at timestamptz not null default now()
);
