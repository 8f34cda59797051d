-- Public syllabus pages (issue #20): an owner may publish a read-only page of a board at /p/<slug>.
-- Off by default: a board without a row here, or with enabled = false, has no public page (404).
create table board_public_pages (
  board_id uuid primary key references boards (id) on delete cascade,
  enabled boolean not null default false,
  -- kept while the page is off, so that turning it on again brings the same link back; lowercase
  -- letters, digits and inner hyphens, 3 to 60 characters (reserved words are refused by the server)
  slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,58})[a-z0-9]$'),
  -- column ids of the board document whose cards the page shows; every other column stays private
  columns text[] not null default '{}' check (cardinality(columns) <= 100),
  -- whether search engines may index the page (off: noindex)
  indexable boolean not null default false,
  updated_at timestamptz not null default now()
);
