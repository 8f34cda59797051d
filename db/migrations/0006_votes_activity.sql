-- Votes on cards and the board activity log (ARCHITECTURE §2: authoritative in Postgres, broadcast on
-- socket.io).

-- How a board votes. 'upvote': one vote per member per card. 'dots': each member has dots_per_member
-- dots to spread, at most max_dots_per_card on one card.
alter table boards
  add column voting_mode text not null default 'upvote' check (voting_mode in ('upvote', 'dots')),
  add column dots_per_member integer not null default 5 check (dots_per_member between 1 and 100),
  add column max_dots_per_card integer not null default 3 check (max_dots_per_card between 1 and 100);

-- One row per member and card. card_id names a card of the board document; there is no foreign key
-- to board_cards because the projection is rewritten after every change. Budgets are checked by the
-- server under a lock on the member's board_members row.
create table votes (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null check (length(card_id) between 1 and 200),
  user_id uuid not null references users (id) on delete cascade,
  dots integer not null check (dots > 0),
  created_at timestamptz not null default now(),
  primary key (board_id, card_id, user_id)
);
create index votes_user_idx on votes (user_id, board_id);

-- Votes of a member who leaves a board go with them.
create function votes_forget_member() returns trigger language plpgsql as $$
begin
  delete from votes where board_id = old.board_id and user_id = old.user_id;
  return old;
end $$;
create trigger board_members_forget_votes after delete on board_members
  for each row execute function votes_forget_member();

-- What happened on a board, newest first by id. details holds small facts (ids, numbers).
create table activity (
  id bigint generated always as identity primary key,
  board_id uuid not null references boards (id) on delete cascade,
  actor_id uuid references users (id) on delete set null,
  kind text not null check (kind in ('vote:cast', 'vote:removed', 'member:joined', 'voting:changed')),
  card_id text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index activity_board_idx on activity (board_id, id desc);

-- Joins are recorded by the database itself, whichever route adds the member (invites, board creation).
create function activity_member_joined() returns trigger language plpgsql as $$
begin
  insert into activity (board_id, actor_id, kind, details)
  values (new.board_id, new.user_id, 'member:joined', jsonb_build_object('role', new.role));
  return new;
end $$;
create trigger board_members_joined_activity after insert on board_members
  for each row execute function activity_member_joined();
