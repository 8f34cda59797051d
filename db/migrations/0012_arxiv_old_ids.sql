-- Old-style arXiv ids (before April 2007) are `archive/YYMMNNN`. Some were stored with the paper's
-- subject class (`math.ca/0611800`), which arXiv's preferred form leaves out (`math/0611800`) and which
-- the importers now drop: the same paper given both ways would otherwise be two papers. Rows whose
-- preferred id is already taken, or would be taken by two rows at once, keep theirs (merging two papers'
-- votes and cards is not a migration's call). A URL made from the old id follows it.
with candidates as (
  select id, regexp_replace(arxiv_id, '^([a-z-]+)\.[a-z]{2}/', '\1/') as preferred
  from papers
  where arxiv_id ~ '^[a-z-]+\.[a-z]{2}/[0-9]{7}$'
),
unique_targets as (
  select preferred from candidates group by preferred having count(*) = 1
)
update papers p
set arxiv_id = c.preferred,
    url = case when p.url = 'https://arxiv.org/abs/' || p.arxiv_id then 'https://arxiv.org/abs/' || c.preferred else p.url end
from candidates c
join unique_targets u using (preferred)
where p.id = c.id
  and not exists (select 1 from papers twin where twin.arxiv_id = c.preferred);
