-- Search finds papers by their authors (issue #17): the author names join the `search` tsvector with
-- weight C, after the title (A) and the abstract (B), so that a paper whose author is named like a query
-- word never outranks one whose title or abstract has the word. Appended last, the title and abstract
-- keep their word positions: ranks of queries that match no author are unchanged.
--
-- A generated column's expression cannot be altered before PostgreSQL 17, so the column is made again
-- (one rewrite of the table). array_to_string is only stable (it formats any element type), and a
-- generated column needs an immutable expression: on text[] it is immutable, hence the wrapper. Its
-- SQL-standard body is bound to the function at creation, whatever the search_path later.
create function paper_authors_text(authors text[]) returns text
  language sql immutable parallel safe strict
  return array_to_string(authors, ' ');

alter table papers drop column search;
-- In one statement, so that the rewrite already keeps the tsvector in the row (see 0005).
alter table papers
  add column search tsvector generated always as (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', abstract), 'B')
    || setweight(to_tsvector('english', paper_authors_text(authors)), 'C')
  ) stored,
  alter column search set storage main;
create index papers_search_idx on papers using gin (search);
