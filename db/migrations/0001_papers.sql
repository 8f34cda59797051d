-- The shared paper library. Identifiers are stored normalised so that unique indexes deduplicate:
-- arxiv_id without version ("2401.01234"), doi lower-cased, title_key = title folded to letters and digits.
create extension if not exists pg_trgm;

create table papers (
  id uuid primary key default gen_random_uuid(),
  -- insertion order: breaks ties in sorting so that a feed imported at once keeps its order
  seq bigint generated always as identity,
  title text not null check (length(title) between 1 and 1000),
  abstract text not null default '' check (length(abstract) <= 20000),
  authors text[] not null default '{}',
  arxiv_id text check (arxiv_id <> ''),
  doi text check (doi <> '' and doi = lower(doi)),
  url text,
  code_urls text[] not null default '{}',
  tags text[] not null default '{}',
  published_at timestamptz,
  created_at timestamptz not null default now(),
  title_key text not null check (title_key <> ''),
  -- title weighs A (1.0) and abstract B (0.4) in ts_rank: a title match ranks above an abstract match
  search tsvector generated always as (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', abstract), 'B')
  ) stored
);

create unique index papers_arxiv_id_key on papers (arxiv_id) where arxiv_id is not null;
create unique index papers_doi_key on papers (doi) where doi is not null;
create unique index papers_title_key_key on papers (title_key);
create index papers_search_idx on papers using gin (search);
create index papers_tags_idx on papers using gin (tags);
create index papers_title_trgm_idx on papers using gin (title gin_trgm_ops);
-- "recent" sort: publication date when known, else when it was added
create index papers_recent_idx on papers ((coalesce(published_at, created_at)) desc, seq);

-- One row per import run, for the record and for operators.
create table paper_imports (
  id uuid primary key default gen_random_uuid(),
  format text not null,
  created_count integer not null,
  duplicate_count integer not null,
  error_count integer not null,
  created_at timestamptz not null default now()
);
