package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.api.Strategy;
import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batch key check (--fk-checks batch, the default) on a real server: the keys between purged
 * tables are dropped and re-added inside the purge's transaction, so the end state, the keys and
 * their comments are exactly what a per-row purge leaves; and whatever goes wrong, nothing changes.
 */
class ForeignKeyChecksIT {
  static final TableName USER = TableName.parse("auth_user");
  static final TableName TENANT = TableName.parse("custom_auth_tenant");
  final List<String> databases = new ArrayList<>();

  String django(int users) {
    String db = PostgresServer.createDatabase("fk_checks", "schemas/django.sql", "schemas/edge.sql");
    databases.add(db);
    PostgresServer.run(db, "select seed_django(" + users + ");"
        + " comment on constraint accounts_profile_user_id_49a85d32_fk_auth_user_id on accounts_profile"
        + " is 'one profile per user; it''s Django''s'");
    return db;
  }

  @AfterEach
  void drop() {
    databases.forEach(PostgresServer::dropDatabase);
    PostgresServer.run("postgres", "drop role if exists fk_purger; drop role if exists fk_other");
  }

  static PurgeResult purge(String db, PurgeRequest request, String... setup) throws Exception {
    try (Connection c = PostgresServer.connect(db); Statement st = c.createStatement()) {
      for (String s : setup) st.execute(s);
      return new PurgeExecutor().run(c, request).result();
    }
  }

  static PurgeRequest everyUser(ForeignKeyChecks mode) {
    return PurgeRequest.of(List.of(USER, TENANT, TableName.parse("app.\"Account\""))).withForce(true)
        .withKeyChecks(mode);
  }

  /** Every foreign key of the database as the catalog shows it: table, name, definition, validated, comment. */
  static List<String> keys(String db) throws Exception {
    List<String> keys = new ArrayList<>();
    try (Connection c = PostgresServer.connect(db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
            + " || ' validated=' || convalidated || ' comment=' || coalesce(obj_description(oid, 'pg_constraint'), '-')"
            + " from pg_constraint where contype = 'f' order by 1")) {
      while (rs.next()) keys.add(rs.getString(1));
    }
    return keys;
  }

  @ParameterizedTest(name = "{0}: batch and per-row end in the same rows, with every key and comment as it was")
  @EnumSource(Strategy.class)
  void batchAndPerRowEndInTheSameStateWithEveryKeyAsItWas(Strategy strategy) throws Exception {
    String batch = django(200);
    String perRow = django(200);
    List<String> keysBefore = keys(batch);
    assertThat(keysBefore).anyMatch(k -> k.contains("comment=one profile per user; it's Django's"));

    PurgeResult b = purge(batch, everyUser(ForeignKeyChecks.Batch).withStrategy(strategy));
    PurgeResult p = purge(perRow, everyUser(ForeignKeyChecks.PerRow).withStrategy(strategy));

    assertThat(b.error()).isNull();
    assertThat(p.error()).isNull();
    assertThat(DatabaseChecksum.of(batch)).isEqualTo(DatabaseChecksum.of(perRow));
    assertThat(keys(batch)).isEqualTo(keysBefore);
    assertThat(keys(perRow)).isEqualTo(keysBefore);
    assertThat(b.tables()).isEqualTo(p.tables());
    assertThat(p.keyChecks().batch()).isZero();
    if (strategy == Strategy.Delete) {
      // every key among the 7 Django tables and edge.sql's purged tables, none left per row
      assertThat(b.keyChecks()).isEqualTo(new PurgeResult.KeyChecks("batch", p.keyChecks().perRow(), 0, null));
      assertThat(b.keyChecks().batch()).isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void aPredicatePurgeKeepsItsRowsAndTheReaddedKeysValidateThem() throws Exception {
    String db = django(300);
    PostgresServer.run(db, "update auth_user set is_staff = true where id in (1, 11)"); // owners of tenants 1, 2
    List<String> keysBefore = keys(db);
    long staff = PostgresServer.queryLong(db, "select count(*) from auth_user where is_staff");
    PurgeRequest keepStaff = PurgeRequest.of(List.of(USER)).withForce(true)
        .withWhere(Map.of(USER, "not is_staff"));

    PurgeResult r = purge(db, keepStaff);

    assertThat(r.error()).isNull();
    assertThat(r.keyChecks().batch()).isPositive();
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isEqualTo(staff).isEqualTo(2);
    assertThat(PostgresServer.queryLong(db, "select count(*) from accounts_profile")).isEqualTo(2);
    assertThat(keys(db)).isEqualTo(keysBefore).allMatch(k -> k.contains("validated=true"));
  }

  @ParameterizedTest(name = "{0}: a row left referencing a deleted row rolls everything back")
  @EnumSource(ForeignKeyChecks.class)
  void aRowLeftReferencingADeletedRowRollsEverythingBack(ForeignKeyChecks mode) throws Exception {
    String db = django(50);
    // a trigger that re-creates a profile for every deleted user: it references a row that is gone
    // (with its own id: a sequence is not rolled back, and the database must be exactly as it was)
    PostgresServer.run(db, "create function revive() returns trigger language plpgsql as $$ begin"
        + " insert into accounts_profile (id, user_id, bio) values (old.id + 100000, old.id, 'ghost');"
        + " return old; end $$; create trigger revive after delete on auth_user for each row execute function revive()");
    Map<String, String> before = DatabaseChecksum.of(db);
    List<String> keysBefore = keys(db);

    PurgeResult r = purge(db, everyUser(mode));

    assertThat(r.error()).isNotNull();
    assertThat(r.error().failureReason()).isEqualTo(FailureReason.PlanInvalid);
    assertThat(r.error().message()).contains("accounts_profile").contains("nothing was deleted");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    assertThat(keys(db)).isEqualTo(keysBefore);
  }

  @Test
  void aKeyFromATableThePurgeRoleDoesNotOwnStaysInPlaceAndTheResultSaysWhy() throws Exception {
    String db = django(100);
    PostgresServer.run(db, "create role fk_purger; create role fk_other;"
        + " grant usage on schema public, app to fk_purger;"
        + " grant select, insert, update, delete, truncate, references on all tables in schema public, app to fk_purger;"
        + " do $$ declare t record; begin for t in select schemaname, tablename from pg_tables"
        + " where schemaname in ('public', 'app') loop"
        + " execute format('alter table %I.%I owner to fk_purger', t.schemaname, t.tablename); end loop; end $$;"
        + " alter table django_admin_log owner to fk_other;"
        + " grant select, delete on django_admin_log to fk_purger");
    List<String> keysBefore = keys(db);

    PurgeResult r = purge(db, everyUser(ForeignKeyChecks.Batch), "set role fk_purger");

    assertThat(r.error()).isNull();
    assertThat(r.keyChecks().perRow()).isEqualTo(1);
    assertThat(r.keyChecks().why()).containsExactly("public.django_admin_log.django_admin_log_user_id_c564eba6_fk_auth_user_id:"
        + " not owner of public.django_admin_log");
    assertThat(PostgresServer.queryLong(db, "select count(*) from django_admin_log")).isZero();
    assertThat(keys(db)).isEqualTo(keysBefore);
  }

  @Test
  void anEventTriggerRefusingDdlFailsTheBatchPurgeNamingPerRowWhichSucceeds() throws Exception {
    String db = django(50);
    PostgresServer.run(db, "create function no_ddl() returns event_trigger language plpgsql as $$ begin"
        + " raise exception 'DDL is frozen in this database'; end $$;"
        + " create event trigger no_ddl on ddl_command_start execute function no_ddl()");
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult refused = purge(db, everyUser(ForeignKeyChecks.Batch));

    assertThat(refused.error()).isNotNull();
    assertThat(refused.error().message()).contains("DDL is frozen in this database")
        .contains("nothing was deleted").contains("--fk-checks per-row");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);

    PurgeResult perRow = purge(db, everyUser(ForeignKeyChecks.PerRow));

    assertThat(perRow.error()).isNull();
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isZero();
  }

  @Test
  void aDryRunSaysWhichKeysWouldBeCheckedOnceAndChangesNoKey() throws Exception {
    String db = django(20);
    List<String> keysBefore = keys(db);

    PurgeResult r = purge(db, everyUser(ForeignKeyChecks.Batch).withDryRun(true));

    assertThat(r.error()).isNull();
    assertThat(r.keyChecks().batch()).isGreaterThanOrEqualTo(8);
    assertThat(PurgeReport.render(null, r)).contains("foreign keys between purged tables: " + r.keyChecks().batch()
        + " would be checked once");
    assertThat(keys(db)).isEqualTo(keysBefore);
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isEqualTo(20);
  }
}
