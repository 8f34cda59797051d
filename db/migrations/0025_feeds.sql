-- Daily paper feeds (issue #19): Hugging Face daily papers, arXiv listings and RSS/Atom feeds, run once a
-- day per feed. Instance feeds come from the FEEDS setting; board owners add watches.

-- The outside signal on papers: `upvotes` is the latest count a feed reported (Hugging Face upvotes; null
-- when no feed reports one), `feed_day` the first day a feed listed the paper (null: no feed did).
alter table papers add column upvotes integer check (upvotes >= 0);
alter table papers add column feed_day date;
-- the library's "By day" view reads feed_papers by day; this one serves "latest days with feed papers"
create index papers_feed_day_idx on papers (feed_day) where feed_day is not null;
-- sort=trending scores the papers with votes on your boards or outside upvotes; this finds the latter
create index papers_upvoted_idx on papers (id) where upvotes > 0;

-- A board's watch: a source and what to keep of it. `query` filters what the source brings (every word in
-- the title or abstract; for arXiv it is also part of the search), `categories` are arXiv categories, `url`
-- is an RSS/Atom feed. The server checks which fields each source needs.
create table board_watches (
  id uuid primary key default gen_random_uuid(),
  board_id uuid not null references boards (id) on delete cascade,
  source text not null check (source in ('hf-daily', 'arxiv', 'rss')),
  query text check (length(query) between 1 and 200),
  categories text[] not null default '{}',
  url text check (length(url) <= 2000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index board_watches_board_idx on board_watches (board_id, created_at);

-- The ledger of feed runs: one row per feed and day. The row is the claim that makes a run happen once
-- across nodes (inserted and committed before anything is fetched, as mail_deliveries is for mail): a
-- node whose insert conflicts does not run. 'failed' rows are claimed again a bounded number of times;
-- a 'running' row whose node died is claimed again once it is old (see feeds.repository.ts).
-- `feed_key` names the feed: an instance feed by its FEEDS entry (`hf-daily`, `arxiv:cs.LG+cs.CL`,
-- `rss:<url>`), a watch as `watch:<id>` (watch_id and board_id set; the row goes with the watch).
create table feed_runs (
  id bigint generated always as identity primary key,
  feed_key text not null check (length(feed_key) <= 2100),
  source text not null check (source in ('hf-daily', 'arxiv', 'rss')),
  watch_id uuid references board_watches (id) on delete cascade,
  board_id uuid references boards (id) on delete cascade,
  day date not null,
  status text not null default 'running' check (status in ('running', 'done', 'unchanged', 'failed')),
  attempts integer not null default 1 check (attempts >= 1),
  fetched integer not null default 0,
  filtered integer not null default 0,
  created integer not null default 0,
  duplicates integer not null default 0,
  errors integer not null default 0,
  error text,
  claimed_at timestamptz not null,
  finished_at timestamptz,
  unique (feed_key, day)
);
create index feed_runs_recent_idx on feed_runs (claimed_at desc);
create index feed_runs_board_idx on feed_runs (board_id, claimed_at desc) where board_id is not null;

-- HTTP validators per feed and URL, sent back as If-None-Match / If-Modified-Since. Per feed, not per URL
-- alone: a watch and an instance feed reading the same URL each need the papers (a 304 means "as you
-- last saw it"). Saved only when a run succeeds, so a failed run fetches in full next time.
create table feed_validators (
  feed_key text not null,
  url text not null,
  etag text,
  last_modified text,
  updated_at timestamptz not null default now(),
  primary key (feed_key, url)
);

-- What each feed brought each day, with the outside upvotes where the source has them (Hugging Face):
-- the library's "By day" view, a board's "new feed papers" (feed_key `watch:<id>`), and the history
-- behind papers.upvotes (the count of the latest day).
create table feed_papers (
  feed_key text not null,
  day date not null,
  paper_id uuid not null references papers (id) on delete cascade,
  upvotes integer check (upvotes >= 0),
  primary key (feed_key, day, paper_id)
);
create index feed_papers_day_idx on feed_papers (day, paper_id);
create index feed_papers_paper_idx on feed_papers (paper_id, day);
