-- Edge cases around one root, app."Account" (second schema, mixed-case quoted name):
--   app.session          ON DELETE CASCADE (declared in the database)
--   audit_note           ON DELETE SET NULL  -> keeps its rows, loses the link (role unlinked)
--   node                 ON DELETE RESTRICT, and a self reference (parent_id), not deferrable
--   a_side <-> b_side    a cycle of non-deferrable NO ACTION keys
--   "Weird ""Name""; drop table lookup; --"   a hostile table name
--   lookup               unrelated, must survive
create schema app;
create table app."Account" (id int primary key, "Name" text not null);
create table app.session (id serial primary key, account_id int not null references app."Account" on delete cascade);
create table audit_note (id serial primary key, note text not null,
  account_id int null references app."Account" on delete set null);
create table node (id int primary key, parent_id int null references node,
  account_id int not null references app."Account" on delete restrict);
create table a_side (id int primary key, account_id int not null references app."Account", b_id int null);
create table b_side (id int primary key, a_id int not null references a_side);
alter table a_side add constraint a_side_b_id_fkey foreign key (b_id) references b_side;
create table "Weird ""Name""; drop table lookup; --" (id int primary key,
  account_id int not null references app."Account");
create table lookup (id int primary key, label text);

insert into app."Account" select g, 'Account ' || g from generate_series(1, 50) g;
insert into app.session (account_id) select g % 50 + 1 from generate_series(1, 120) g;
insert into audit_note (note, account_id) select 'note ' || g, case when g % 3 = 0 then null else g % 50 + 1 end
  from generate_series(1, 90) g;
insert into node select g, case when g % 5 = 1 then null else g - 1 end, (g - 1) / 5 + 1 from generate_series(1, 100) g;
insert into a_side select g, g, null from generate_series(1, 30) g;
insert into b_side select g, g from generate_series(1, 30) g;
update a_side set b_id = id;
insert into "Weird ""Name""; drop table lookup; --" select g, g from generate_series(1, 10) g;
insert into lookup select g, 'keep me ' || g from generate_series(1, 5) g;
