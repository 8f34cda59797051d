-- Changes to the board document are recorded in the activity log too: cards added, moved to another
-- column or removed, and comments (replies included). The sync server node that received the update
-- writes them, with the sending member as actor; card_id is the card's id in the board document.
alter table activity drop constraint activity_kind_check;
alter table activity add constraint activity_kind_check check (
  kind in (
    'vote:cast', 'vote:removed', 'member:joined', 'voting:changed', 'assignment:set', 'assignment:removed',
    'card:added', 'card:moved', 'card:removed', 'comment:added'
  )
);
