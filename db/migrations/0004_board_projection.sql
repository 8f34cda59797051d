-- The server's projection of each board document (ARCHITECTURE §2): REST, exports, search filters and
-- mails read these rows instead of loading Yjs documents. Rewritten after each persisted change.

create table board_columns (
  board_id uuid not null references boards (id) on delete cascade,
  column_id text not null,
  title text not null,
  position integer not null,
  primary key (board_id, column_id)
);

create table board_cards (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null,
  -- the document's paperId as written (any string: documents come from clients)
  raw_paper_id text not null,
  -- the same id when it names a paper of the library; null flags a card whose paper does not exist
  paper_id uuid references papers (id) on delete set null,
  column_id text not null,
  position integer not null,
  added_by text not null,
  added_at timestamptz not null,
  comment_count integer not null default 0,
  primary key (board_id, card_id)
);
create index board_cards_paper_idx on board_cards (paper_id);
