-- A Django 3.2-shaped schema: keys as Django creates them (ON DELETE NO ACTION, DEFERRABLE INITIALLY
-- DEFERRED, an index on every key column), a user <-> tenant cycle, and parents that are not purged.
create table django_content_type (id serial primary key, app_label varchar(100) not null, model varchar(100) not null);
create table auth_permission (
  id serial primary key, name varchar(255) not null, codename varchar(100) not null,
  content_type_id int not null);
create table auth_group (id serial primary key, name varchar(150) not null unique);
create table custom_auth_tenant (
  id bigserial primary key, name varchar(100) not null, created_at timestamptz not null default now(),
  owner_id int null);
create table auth_user (
  id serial primary key, password varchar(128) not null, last_login timestamptz null,
  is_superuser boolean not null default false, username varchar(150) not null unique,
  first_name varchar(150) not null default '', last_name varchar(150) not null default '',
  email varchar(254) not null default '', is_staff boolean not null default false,
  is_active boolean not null default true, date_joined timestamptz not null default now(),
  tenant_id bigint null);
create table auth_user_groups (
  id bigserial primary key, user_id int not null, group_id int not null, unique (user_id, group_id));
create table auth_user_user_permissions (
  id bigserial primary key, user_id int not null, permission_id int not null, unique (user_id, permission_id));
create table django_admin_log (
  id serial primary key, action_time timestamptz not null default now(), object_id text null,
  object_repr varchar(200) not null, action_flag smallint not null check (action_flag >= 0),
  change_message text not null, content_type_id int null, user_id int not null);
create table accounts_profile (id bigserial primary key, bio text not null default '', user_id int not null unique);
create table custom_auth_onboardingprogress (
  id bigserial primary key, step varchar(50) not null, completed boolean not null default false,
  user_id int not null, tenant_id bigint null);

alter table auth_permission add constraint auth_permission_content_type_id_2f476e4b_fk_django_co
  foreign key (content_type_id) references django_content_type (id) deferrable initially deferred;
alter table custom_auth_tenant add constraint custom_auth_tenant_owner_id_fk_auth_user_id
  foreign key (owner_id) references auth_user (id) deferrable initially deferred;
alter table auth_user add constraint auth_user_tenant_id_fk_custom_auth_tenant_id
  foreign key (tenant_id) references custom_auth_tenant (id) deferrable initially deferred;
alter table auth_user_groups add constraint auth_user_groups_user_id_6a12ed8b_fk_auth_user_id
  foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table auth_user_groups add constraint auth_user_groups_group_id_97559544_fk_auth_group_id
  foreign key (group_id) references auth_group (id) deferrable initially deferred;
alter table auth_user_user_permissions add constraint auth_user_user_permissions_user_id_a95ead1b_fk_auth_user_id
  foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table auth_user_user_permissions add constraint auth_user_user_permi_permission_id_1fbb5f2c_fk_auth_perm
  foreign key (permission_id) references auth_permission (id) deferrable initially deferred;
alter table django_admin_log add constraint django_admin_log_content_type_id_c4bce8eb_fk_django_co
  foreign key (content_type_id) references django_content_type (id) deferrable initially deferred;
alter table django_admin_log add constraint django_admin_log_user_id_c564eba6_fk_auth_user_id
  foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table accounts_profile add constraint accounts_profile_user_id_49a85d32_fk_auth_user_id
  foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table custom_auth_onboardingprogress add constraint custom_auth_onboardingp_user_id_fk_auth_user_id
  foreign key (user_id) references auth_user (id) deferrable initially deferred;
alter table custom_auth_onboardingprogress add constraint custom_auth_onboardingp_tenant_id_fk_custom_auth_tenant_id
  foreign key (tenant_id) references custom_auth_tenant (id) deferrable initially deferred;

create index on custom_auth_tenant (owner_id);
create index on auth_user (tenant_id);
create index on auth_user (username varchar_pattern_ops);
create index on auth_user_groups (user_id);
create index on auth_user_groups (group_id);
create index on auth_user_user_permissions (user_id);
create index on auth_user_user_permissions (permission_id);
create index on django_admin_log (content_type_id);
create index on django_admin_log (user_id);
create index on custom_auth_onboardingprogress (user_id);
create index on custom_auth_onboardingprogress (tenant_id);

-- Test and benchmark data: one tenant per 10 users (owned by its first user), two groups, one
-- permission, three admin-log entries, a profile and two onboarding steps per user.
create function seed_django(users int) returns void language plpgsql as $$
begin
  insert into django_content_type (app_label, model) values ('auth', 'user'), ('auth', 'group');
  insert into auth_permission (name, codename, content_type_id)
    select 'Can do ' || g, 'do_' || g, 1 from generate_series(1, 20) g;
  insert into auth_group (name) select 'group ' || g from generate_series(1, 10) g;
  insert into custom_auth_tenant (id, name, created_at) select t, 'tenant ' || t, timestamptz '2024-01-01 00:00Z' from generate_series(1, (users + 9) / 10) t;
  insert into auth_user (id, password, username, email, tenant_id, date_joined)
    select u, 'pbkdf2_sha256$260000$salt$hash' || u, 'user' || u, 'user' || u || '@example.test', (u - 1) / 10 + 1,
      timestamptz '2024-01-01 00:00Z' + u * interval '1 minute'
    from generate_series(1, users) u;
  update custom_auth_tenant set owner_id = (id - 1) * 10 + 1;
  insert into auth_user_groups (user_id, group_id)
    select u, g from generate_series(1, users) u, lateral (values (u % 10 + 1), ((u + 1) % 10 + 1)) v(g);
  insert into auth_user_user_permissions (user_id, permission_id) select u, u % 20 + 1 from generate_series(1, users) u;
  insert into django_admin_log (object_id, object_repr, action_flag, change_message, content_type_id, user_id, action_time)
    select u::text, 'user' || u, a, '[]', 1, u, timestamptz '2024-01-02 00:00Z' + u * interval '1 second' from generate_series(1, users) u, generate_series(1, 3) a;
  insert into accounts_profile (bio, user_id) select 'bio of user ' || u, u from generate_series(1, users) u;
  insert into custom_auth_onboardingprogress (step, completed, user_id, tenant_id)
    select s, u % 2 = 0, u, (u - 1) / 10 + 1 from generate_series(1, users) u, unnest(array['profile', 'billing']) s;
  perform setval(pg_get_serial_sequence('auth_user', 'id'), users);
  perform setval(pg_get_serial_sequence('custom_auth_tenant', 'id'), (users + 9) / 10);
end $$;
