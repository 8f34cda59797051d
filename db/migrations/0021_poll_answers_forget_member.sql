-- Availability polls, continued (issue #18).
--
-- A member removed from a board takes their poll answers with them, as their votes go (0006): counts,
-- the best slot and the "who said no" list then only ever hold current members. Answering share-locks
-- the member's board_members row, so a removal waits for an answer being saved and then deletes it.
create function poll_answers_forget_member() returns trigger language plpgsql as $$
begin
  delete from poll_answers a using polls p
  where p.id = a.poll_id and p.board_id = old.board_id and a.user_id = old.user_id;
  return old;
end $$;
create trigger board_members_forget_poll_answers after delete on board_members
  for each row execute function poll_answers_forget_member();

-- What a pick decided, shown with the closed poll: the card scheduled (the poll's own, or the one named
-- at the pick for a poll without a card) and its presenter at that moment. The assignment itself lives
-- in `assignments` and may change later; these columns record the decision.
alter table polls add column picked_card_id text check (length(picked_card_id) between 1 and 200);
alter table polls add column picked_presenter_id uuid references users (id) on delete set null;

-- pollsAwaitingAnswer and unavailableAt look answers up by member and by slot time.
create index poll_answers_user_lookup_idx on poll_answers (user_id, poll_id);
create index poll_slots_at_idx on poll_slots (at);
