-- How much of published_at is known: a BibTeX entry with only a year, or a Crossref date of only a year
-- and month, is stored as the first day of that period and shown as "2019" or "Mar 2019", not as a
-- made-up 1 January. Rows stored before this migration cannot be told apart and stay 'day'.
alter table papers
  add column published_precision text not null default 'day'
    check (published_precision in ('year', 'month', 'day'));
