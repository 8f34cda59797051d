-- Session feedback (attendance, ratings, takeaways, interest; table in 0020) of a member who leaves a
-- board goes with them, as their votes do (0006): a former member's rating no longer counts in the
-- card's average, and their takeaway is no longer shown.
create function session_feedback_forget_member() returns trigger language plpgsql as $$
begin
  delete from session_feedback where board_id = old.board_id and user_id = old.user_id;
  return old;
end $$;
create trigger board_members_forget_feedback after delete on board_members
  for each row execute function session_feedback_forget_member();

-- A card's feedback summary travels on two channels (the answer to a member's own change and the
-- board's `feedback:changed` events), which can overtake each other. Every summary carries a number
-- from this sequence, taken while the card's feedback is locked, so a screen keeps the latest one
-- (as vote_versions does for tallies, 0014).
create sequence feedback_versions;
