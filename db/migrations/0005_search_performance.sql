-- Search and import performance (see docs/benchmarks.md).
--
-- Keep the `search` tsvector (~1.5 KB per paper) in the heap row instead of TOAST: ranking and
-- rechecking a candidate then reads its row only, not a TOAST index and chunks. The abstract, which
-- only the papers of a page need, is compressed or moved to TOAST in its place. Only rows written
-- from now on are stored this way; `vacuum full papers` rewrites older ones (not done here: it locks
-- the table for the length of the rewrite, an operator's decision on a large library).
alter table papers alter column search set storage main;
