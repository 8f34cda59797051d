-- A board's regular meeting, from which "Suggest" and "I'll present" propose session dates. Either all
-- of these columns are set or none is (no regular meeting).
alter table boards
  -- ISO weekday of the meeting: 1 Monday … 7 Sunday.
  add column meeting_weekday smallint check (meeting_weekday between 1 and 7),
  -- Local time of day, in minutes after midnight (18:30 is 1110).
  add column meeting_minute smallint check (meeting_minute between 0 and 1439),
  -- IANA zone the weekday and time are read in (checked by the server against its time zone data).
  add column meeting_time_zone text check (length(meeting_time_zone) between 1 and 64),
  -- 'biweekly' meets every 14 days from meeting_starts_on; 'monthly' on the same n-th weekday of every
  -- month as meeting_starts_on (the last one when that is the fifth).
  add column meeting_frequency text check (meeting_frequency in ('weekly', 'biweekly', 'monthly')),
  -- The first meeting's local date, on meeting_weekday: the anchor of the two-weekly and monthly rhythms.
  add column meeting_starts_on date,
  add constraint boards_meeting_all_or_none check (
    num_nulls(meeting_weekday, meeting_minute, meeting_time_zone, meeting_frequency, meeting_starts_on) in (0, 5)
  ),
  add constraint boards_meeting_starts_on_weekday check (
    meeting_starts_on is null or extract(isodow from meeting_starts_on) = meeting_weekday
  );
