-- People, sessions, boards, memberships and invitations.

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  -- lower(email): emails are unique and matched case-insensitively
  email_key text not null unique,
  name text not null check (length(name) between 1 and 100),
  -- "scrypt$logN$r$p$salt$hash", salt and hash base64url
  password_hash text not null,
  created_at timestamptz not null default now()
);

-- Only a SHA-256 of the session token is stored: a database leak does not hand out sessions.
create table sessions (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  renewed_at timestamptz not null default now()
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

create table boards (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  description text not null default '' check (length(description) <= 2000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table board_members (
  board_id uuid not null references boards (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'editor', 'viewer')),
  joined_at timestamptz not null default now(),
  primary key (board_id, user_id)
);
create index board_members_user_idx on board_members (user_id);

create table board_invites (
  id uuid primary key default gen_random_uuid(),
  board_id uuid not null references boards (id) on delete cascade,
  token_hash bytea not null unique,
  role text not null check (role in ('editor', 'viewer')),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- null: unlimited
  max_uses integer check (max_uses > 0),
  uses integer not null default 0 check (uses >= 0),
  revoked_at timestamptz
);
create index board_invites_board_idx on board_invites (board_id);

-- The board's Yjs document as an append-only log of updates (merged by compaction).
create table board_updates (
  id bigint generated always as identity primary key,
  board_id uuid not null references boards (id) on delete cascade,
  update bytea not null,
  created_at timestamptz not null default now()
);
create index board_updates_board_idx on board_updates (board_id, id);

-- Fixed-window counters for rate limits shared by every node (login and signup attempts).
create table rate_limit_hits (
  key text not null,
  window_start timestamptz not null,
  hits integer not null,
  primary key (key, window_start)
);

-- Small instance-wide facts, e.g. the demo account's credentials in demo mode.
create table instance_settings (
  key text primary key,
  value jsonb not null
);

alter table papers add column added_by uuid references users (id) on delete set null;
