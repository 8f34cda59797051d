-- Search corrects typos (issue #17) against the words the library's titles use: a query whose words
-- find nothing has each unknown word replaced by the most similar title word (pg_trgm on this small
-- table), then runs again. Trigram similarity of the whole query against every folded title (tried first)
-- reads the posting lists of the query's common trigrams across the whole library: ~50–200 ms at
-- 100,000 papers.
create table title_words (
  word text primary key
);
create index title_words_trgm_idx on title_words using gin (word gin_trgm_ops);

-- The words of a title as the dictionary keeps them: lower case, split at anything but letters and
-- digits, 3 to 40 characters (shorter ones are not corrected; longer ones are not words).
create function title_words_of(title text) returns setof text
  language sql immutable parallel safe strict as $$
    select distinct word from regexp_split_to_table(lower(title), '[^[:alnum:]]+') as word
    where length(word) between 3 and 40
  $$;

-- Kept up to date by statement triggers, so that every way a paper is written adds its words. In word
-- order: two imports adding the same new words then wait for each other instead of deadlocking. Words
-- stay when their last paper goes (a correction to them finds nothing, as the query would have).
create function add_title_words() returns trigger
  language plpgsql as $$
begin
  insert into title_words (word)
  select distinct w.word from written, lateral title_words_of(written.title) as w(word)
  order by 1
  on conflict do nothing;
  return null;
end;
$$;

create trigger papers_title_words_insert after insert on papers
  referencing new table as written for each statement execute function add_title_words();
create trigger papers_title_words_update after update on papers
  referencing new table as written for each statement execute function add_title_words();

insert into title_words (word)
select distinct w.word from papers, lateral title_words_of(papers.title) as w(word)
order by 1
on conflict do nothing;
