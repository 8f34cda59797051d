-- When a closed round's winners were moved in the board document (issue #18). Closing stores the count
-- and moving the winners is a second step (an edit of the board document): a process that dies between
-- the two leaves winners_moved_at null, and the rounds scheduler of any node moves them later.
alter table rounds add column winners_moved_at timestamptz;
-- Rounds closed before this column existed had their winners moved (or nothing to move).
update rounds set winners_moved_at = closed_at where status = 'closed';
-- what the scheduler looks for: closed rounds whose winners still have to move
create index rounds_unmoved_idx on rounds (closed_at) where status = 'closed' and winners_moved_at is null;
