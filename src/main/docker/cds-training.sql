-- The AppCDS training database of the image build (src/main/docker/cds-training.sh): users with
-- dependents shaped like Django's (deferrable NO ACTION keys, a user <-> tenant cycle, a SET NULL
-- link), so the training purge plans, locks, counts, deletes, verifies and commits as a real one does.
create table custom_auth_tenant (id bigserial primary key, name text not null, owner_id int null);
create table auth_user (id serial primary key, username text not null unique, tenant_id bigint null);
create table accounts_profile (id bigserial primary key, user_id int not null unique);
create table django_admin_log (id serial primary key, user_id int not null, object_repr text not null);
create table audit_note (id serial primary key, user_id int null, note text not null);
alter table custom_auth_tenant add foreign key (owner_id) references auth_user (id) deferrable initially deferred;
alter table auth_user add foreign key (tenant_id) references custom_auth_tenant (id) deferrable initially deferred;
alter table accounts_profile add foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table django_admin_log add foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table audit_note add foreign key (user_id) references auth_user (id) on delete set null;
insert into custom_auth_tenant (name) select 't' || i from generate_series(1, 20) i;
insert into auth_user (username, tenant_id) select 'u' || i, 1 + i % 20 from generate_series(1, 200) i;
update custom_auth_tenant set owner_id = id;
insert into accounts_profile (user_id) select id from auth_user;
insert into django_admin_log (user_id, object_repr) select id, 'x' from auth_user;
insert into audit_note (user_id, note) select id, 'kept' from auth_user where id % 10 = 0;
