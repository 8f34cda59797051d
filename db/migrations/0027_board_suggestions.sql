-- "More like this" (issue #19). Each node keeps its own in-memory tf-idf index of the library and catches
-- up with papers added since its last look by `seq`: this index makes that look cheap (no new paper: one
-- index probe).
create index papers_seq_idx on papers (seq);

-- The Suggested lane: new library papers that scored high against a board's papers. A row is shown until
-- a member dismisses it (dismissed_at, kept so that later feed runs do not suggest it again) or nominates
-- the paper (nominated_at; the lane also hides any paper that is on the board).
create table board_suggestions (
  board_id uuid not null references boards (id) on delete cascade,
  paper_id uuid not null references papers (id) on delete cascade,
  score real not null,
  -- the shared words that explain the score, at most a few short ones
  reasons text[] not null default '{}' check (cardinality(reasons) <= 5),
  created_at timestamptz not null default now(),
  dismissed_at timestamptz,
  dismissed_by uuid references users (id) on delete set null,
  nominated_at timestamptz,
  primary key (board_id, paper_id)
);
create index board_suggestions_open_idx on board_suggestions (board_id, created_at desc)
  where dismissed_at is null and nominated_at is null;
