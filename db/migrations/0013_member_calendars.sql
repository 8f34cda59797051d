-- Calendar feeds per member instead of one per board: each member's feed URL carries a token of their
-- own, which ends with their membership (removed or leaving), and rotating mine leaves everyone else's
-- as it is. Stored as is (not hashed), because members are shown their URL again. The board-wide tokens
-- go: a URL that every member (and anyone they forwarded it to) shared is what this replaces.
create table member_calendars (
  board_id uuid not null,
  user_id uuid not null,
  token text not null unique check (length(token) between 32 and 128),
  created_at timestamptz not null default now(),
  primary key (board_id, user_id),
  foreign key (board_id, user_id) references board_members (board_id, user_id) on delete cascade
);

drop table board_calendars;
