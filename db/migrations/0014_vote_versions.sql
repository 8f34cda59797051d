-- Tallies travel to a member's screen on two channels (the answer to their own vote, and the board's
-- socket.io events for everyone's), which can overtake each other. Every tally a vote change produces
-- carries a number from this sequence, taken while the card is locked, so for one card a larger number
-- is always a later tally and a screen keeps the latest one whatever order they arrive in.
create sequence vote_versions;
