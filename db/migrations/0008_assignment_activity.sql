-- Presenter assignments are recorded in the activity log too.
alter table activity drop constraint activity_kind_check;
alter table activity add constraint activity_kind_check check (
  kind in ('vote:cast', 'vote:removed', 'member:joined', 'voting:changed', 'assignment:set', 'assignment:removed')
);
