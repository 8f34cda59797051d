-- Notes the owner marked public (issue #20): shown under past sessions on the board's public page.
-- A row means "published"; no row, the default, means the note stays among members. The mark is about
-- the card, not the text: what members write later is shown too, which the owner's toggle says. Kept
-- while the card is off the board (like its note), gone with the board; the publisher is kept for the
-- record only, so their account leaving does not unpublish the note.
create table public_notes (
  board_id uuid not null references boards (id) on delete cascade,
  card_id text not null check (card_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  published_by uuid references users (id) on delete set null,
  published_at timestamptz not null default now(),
  primary key (board_id, card_id)
);
