-- The daily digest, presenter reminders and password resets (issue #7).

-- One row per user who has saved digest settings; a user without a row gets no digest and the default
-- reminder settings. time_zone is an IANA name checked by the server (the database has no list that
-- PostgreSQL 15 and PGlite agree on).
create table digest_subscriptions (
  user_id uuid primary key references users (id) on delete cascade,
  enabled boolean not null default false,
  hour integer not null default 8 check (hour between 0 and 23),
  time_zone text not null default 'UTC' check (length(time_zone) between 1 and 64),
  -- presenter reminders, on unless the user unsubscribes from them
  reminders boolean not null default true,
  -- when the schedule last changed: a slot before it is not owed (turning the digest on at 14:00 with
  -- hour 8 waits for tomorrow instead of mailing at once)
  changed_at timestamptz not null default now()
);

-- The ledger of scheduled mails: one row per user, kind and local day of the slot it belongs to. The
-- row is inserted (claimed) and committed BEFORE the mail is handed to the transport, then marked
-- sent: whichever node or process claims the row sends the mail, and a crash between the two leaves
-- a 'claimed' row that is never sent again (at most once). 'failed' rows (the transport refused) are
-- retried a few times; 'skipped' rows are digests with nothing new.
create table mail_deliveries (
  id bigint generated always as identity primary key,
  user_id uuid not null references users (id) on delete cascade,
  kind text not null check (kind in ('digest', 'reminder')),
  local_day date not null,
  status text not null default 'claimed' check (status in ('claimed', 'sent', 'failed', 'skipped')),
  attempts integer not null default 1 check (attempts >= 1),
  -- the instant the content was computed for; the next digest shows what is newer than this
  covered_until timestamptz not null,
  claimed_at timestamptz not null default now(),
  sent_at timestamptz,
  message_id text,
  error text,
  unique (user_id, kind, local_day)
);
create index mail_deliveries_retry_idx on mail_deliveries (status) where status = 'failed';

-- Which sessions a presenter has been reminded of: a session (card and time) is reminded once. A
-- rescheduled session is a new session and gets its own reminder. No foreign key to assignments:
-- the reminder stays recorded if the assignment is removed and set again.
create table presenter_reminders (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null,
  presenter_id uuid not null references users (id) on delete cascade,
  session_at timestamptz not null,
  delivery_id bigint not null references mail_deliveries (id) on delete cascade,
  primary key (board_id, card_id, presenter_id, session_at)
);

-- Single-use password reset links. Only a SHA-256 of the token is stored, as for sessions.
create table password_resets (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_resets_user_idx on password_resets (user_id);
create index password_resets_expires_idx on password_resets (expires_at);
