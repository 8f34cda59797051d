-- Title substring search reads `title_key` (the title folded to lower-case letters and digits) instead
-- of `title ilike`: a case-insensitive match costs ~4 µs per row in PostgreSQL, which made the walk
-- down the recency index for a frequent word cost tens of milliseconds; a case-sensitive match on the
-- folded key costs a tenth of that (see docs/benchmarks.md). The trigram index follows the column.
drop index if exists papers_title_trgm_idx;
create index papers_title_key_trgm_idx on papers using gin (title_key gin_trgm_ops);
