-- Chat notifications (issue #20): a board's owners add incoming webhooks of Slack, Discord, Mattermost or
-- Microsoft Teams, each with the events it wants. Deliveries are queued here and sent by a periodic job on
-- any node (claimed with `for update skip locked`), so a request never waits on a chat service.

create table webhooks (
  id uuid primary key default gen_random_uuid(),
  board_id uuid not null references boards (id) on delete cascade,
  kind text not null check (kind in ('slack', 'discord', 'mattermost', 'teams')),
  -- a secret (whoever has it posts to the channel): stored as given, never answered in full nor logged
  url text not null check (length(url) between 10 and 2000),
  events text[] not null check (
    cardinality(events) between 1 and 6
    and events <@ array['nomination', 'round.opened', 'round.closing', 'round.closed', 'session.scheduled',
      'session.tomorrow']
  ),
  -- consecutive failed attempts; reset by a delivery that succeeds; the hook is disabled at the limit
  failures integer not null default 0 check (failures >= 0),
  last_error text check (length(last_error) <= 500),
  last_delivered_at timestamptz,
  disabled_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index webhooks_board_idx on webhooks (board_id);

-- The queue. `payload` is the event as facts (ids, times, the activity entry's details); the message in
-- the platform's format is built when it is sent, from the board as it is then.
create table webhook_deliveries (
  id bigint generated always as identity primary key,
  webhook_id uuid not null references webhooks (id) on delete cascade,
  event text not null,
  payload jsonb not null check (jsonb_typeof(payload) = 'object'),
  -- pending: waiting for its next attempt (also while one is under way: next_attempt_at is then a lease)
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text check (length(last_error) <= 500),
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
-- what the job looks for
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, id desc);

-- The time-based events (a round closing within a day, a session tomorrow) are noticed by the job on every
-- tick; a row here per hook and subject makes each one go out once, whichever node notices it first. A
-- moved session is a new subject (its time is part of it).
create table webhook_reminders (
  webhook_id uuid not null references webhooks (id) on delete cascade,
  subject text not null,
  created_at timestamptz not null default now(),
  primary key (webhook_id, subject)
);

-- Every channel that changes a board records activity (REST routes, the sync server's derived entries,
-- the round scheduler): queueing from here, in the same transaction, covers all of them at once and loses
-- nothing if the request fails after it. Boards without webhooks pay one index probe.
create function webhooks_enqueue_activity() returns trigger language plpgsql as $$
declare
  hook_event text := case new.kind
    when 'card:added' then 'nomination'
    when 'round:opened' then 'round.opened'
    when 'round:closed' then 'round.closed'
    when 'assignment:set' then 'session.scheduled'
  end;
begin
  if hook_event is null then return null; end if;
  insert into webhook_deliveries (webhook_id, event, payload)
  select w.id, hook_event, jsonb_build_object(
      'activityId', new.id::text, 'boardId', new.board_id, 'kind', new.kind, 'cardId', new.card_id,
      'actorId', new.actor_id, 'details', new.details, 'at', new.created_at)
  from webhooks w
  where w.board_id = new.board_id and w.disabled_at is null and hook_event = any (w.events);
  return null;
end $$;
create trigger activity_enqueue_webhooks after insert on activity
  for each row execute function webhooks_enqueue_activity();
