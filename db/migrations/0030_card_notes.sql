-- Card notes (ARCHITECTURE §11): each card may have a Yjs document of its own, stored in the same
-- append-only log as the board's document, through the same code path (group commit, compaction, bus).
-- `doc` names the document within its board: '' is the board document, 'notes/<cardId>' a card's note.
-- Existing rows are the board documents, hence the default (adding a column with a constant default
-- rewrites nothing).
alter table board_updates add column doc text not null default ''
  check (doc = '' or doc ~ '^notes/[A-Za-z0-9_-]{1,64}$');

-- Every read of the log is by (board, document) in id order; the old index led with the board alone.
create index board_updates_doc_idx on board_updates (board_id, doc, id);
drop index board_updates_board_idx;

-- Who wrote in which note, and when last: what the digest reports ("notes written since the last
-- digest"). The log cannot say it: its rows carry no author and compaction merges them. Kept when the
-- card leaves the board (its note is kept too, so that a restored card finds it); gone with the board
-- or the user.
create table card_note_edits (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null check (card_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  user_id uuid not null references users (id) on delete cascade,
  edited_at timestamptz not null default now(),
  primary key (board_id, card_id, user_id)
);
create index card_note_edits_board_idx on card_note_edits (board_id, edited_at);
