package io.datapurge.purge;

import io.datapurge.api.Strategy;
import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The engine in-process on schemas with cycles, self references, odd names and database actions. */
class PurgeEngineIT {
  static final TableName ACCOUNT = TableName.parse("app.\"Account\"");
  final List<String> databases = new ArrayList<>();

  String database(String... scripts) {
    String db = PostgresServer.createDatabase("purge_engine", scripts);
    databases.add(db);
    return db;
  }

  @AfterEach
  void drop() {
    databases.forEach(PostgresServer::dropDatabase);
  }

  static PurgeExecutor.Outcome purge(String db, PurgeRequest request) throws Exception {
    try (Connection c = PostgresServer.connect(db)) {
      return new PurgeExecutor().run(c, request);
    }
  }

  static PurgeRequest confirmed(TableName... roots) {
    return PurgeRequest.of(List.of(roots)).withForce(true);
  }

  static PurgeResult.TableCount count(PurgeResult r, String table) {
    return r.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow();
  }

  @ParameterizedTest(name = "{0}: cycles, self references, CASCADE and odd names are purged; SET NULL rows only lose their link")
  @EnumSource(Strategy.class)
  void everyKindOfReferenceIsHandled(Strategy strategy) throws Exception {
    String db = database("schemas/edge.sql");
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeExecutor.Outcome outcome = purge(db, confirmed(ACCOUNT).withStrategy(strategy));

    assertThat(outcome.result().error()).isNull();
    PurgeResult r = outcome.result();
    assertThat(r.committed()).isTrue();
    assertThat(count(r, "app.Account")).extracting("role", "before", "after").containsExactly("root", 50L, 0L);
    assertThat(count(r, "app.session").role()).isEqualTo("dependent");
    assertThat(count(r, "public.node")).extracting("before", "after").containsExactly(100L, 0L);
    assertThat(count(r, "public.b_side").before()).isEqualTo(30);
    assertThat(count(r, "public.Weird \"Name\"; drop table lookup; --").before()).isEqualTo(10);
    assertThat(count(r, "public.audit_note")).extracting("role", "before", "after").containsExactly("unlinked", 60L, 0L);
    for (String t : List.of("app.\"Account\"", "app.session", "node", "a_side", "b_side",
        "\"Weird \"\"Name\"\"; drop table lookup; --\"")) {
      assertThat(PostgresServer.queryLong(db, "select count(*) from " + t)).as(t).isZero();
    }
    assertThat(PostgresServer.queryLong(db, "select count(*) from audit_note")).isEqualTo(90);
    assertThat(PostgresServer.queryLong(db, "select count(*) from audit_note where account_id is not null")).isZero();
    assertThat(DatabaseChecksum.of(db).get("public.lookup")).isEqualTo(before.get("public.lookup"));
  }

  @Test
  void deleteAndTruncateEndInTheSameState() throws Exception {
    String viaDelete = database("schemas/django.sql", "schemas/edge.sql");
    String viaTruncate = database("schemas/django.sql", "schemas/edge.sql");
    for (String db : List.of(viaDelete, viaTruncate)) PostgresServer.run(db, "select seed_django(300)");
    assertThat(DatabaseChecksum.of(viaDelete)).isEqualTo(DatabaseChecksum.of(viaTruncate));
    TableName[] roots = {TableName.parse("auth_user"), TableName.parse("custom_auth_tenant"), ACCOUNT};

    PurgeResult deleted = purge(viaDelete, confirmed(roots).withStrategy(Strategy.Delete)).result();
    PurgeResult truncated = purge(viaTruncate, confirmed(roots).withStrategy(Strategy.Truncate)).result();

    assertThat(deleted.error()).isNull();
    assertThat(truncated.error()).isNull();
    assertThat(truncated.tables()).extracting("table", "role", "before", "deleted", "after")
        .isEqualTo(deleted.tables().stream().map(c -> org.assertj.core.groups.Tuple.tuple(c.table(), c.role(),
            c.before(), c.deleted(), c.after())).toList());
    assertThat(deleted.tables()).filteredOn(c -> !c.role().equals("unlinked"))
        .extracting(PurgeResult.TableCount::method).containsOnly("delete");
    Map<String, String> afterDelete = DatabaseChecksum.of(viaDelete);
    assertThat(afterDelete.get("public.audit_note")).startsWith("90 rows");
    assertThat(afterDelete.get("public.auth_group")).startsWith("10 rows");
    assertThat(DatabaseChecksum.of(viaTruncate)).isEqualTo(afterDelete);
  }

  @Test
  void hostileNameIsResolvedExactlyWhenQuotedAndRefusedWhenNot() throws Exception {
    String db = database("schemas/edge.sql");
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult refused = purge(db, PurgeRequest.of(List.of()).withForce(true)).result();
    assertThat(refused.error()).isNotNull(); // no roots at all is not a purge
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);

    PurgeResult quoted = purge(db, confirmed(TableName.parse("\"Weird \"\"Name\"\"; drop table lookup; --\""))).result();
    assertThat(quoted.error()).isNull();
    assertThat(quoted.tables()).extracting(PurgeResult.TableCount::table)
        .containsExactly("public.Weird \"Name\"; drop table lookup; --");
    Map<String, String> after = DatabaseChecksum.of(db);
    assertThat(after.get("public.lookup")).isEqualTo(before.get("public.lookup"));
    assertThat(after.get("app.Account")).isEqualTo(before.get("app.Account"));
  }

  @Test
  void unquotedMixedCaseNameFoldsToLowerCaseLikeSqlAndIsNotFound() throws Exception {
    String db = database("schemas/edge.sql");

    PurgeResult r = purge(db, confirmed(TableName.parse("app.Account"))).result();

    assertThat(r.error().reason()).isEqualTo("PlanInvalid");
    assertThat(r.error().message()).contains("app.account does not exist");
  }

  @Test
  void keptTableThatThePlanNeedsIsNamedWithTheKeyThatPullsItIn() throws Exception {
    String db = database("schemas/edge.sql");
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult r = purge(db, confirmed(ACCOUNT).withKeep(List.of(TableName.parse("b_side")))).result();

    assertThat(r.error().reason()).isEqualTo("PlanInvalid");
    assertThat(r.error().message()).contains("public.b_side is in --keep").contains("b_side_a_id_fkey");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void keptSetNullReferencerKeepsItsRows() throws Exception {
    String db = database("schemas/edge.sql");

    PurgeResult r = purge(db, confirmed(ACCOUNT).withKeep(List.of(TableName.parse("audit_note")))).result();

    assertThat(r.error()).isNull();
    assertThat(PostgresServer.queryLong(db, "select count(*) from audit_note")).isEqualTo(90);
  }

  @Test
  void noDependentsRefusesADatabaseCascadeAndPurgesALeafAlone() throws Exception {
    String db = database("schemas/edge.sql", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(20)");
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult cascade = purge(db, confirmed(ACCOUNT).withIncludeDependents(false)).result();
    assertThat(cascade.error().reason()).isEqualTo("PlanInvalid");
    assertThat(cascade.error().message()).contains("app.session").contains("CASCADE");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);

    PurgeResult leaf = purge(db, confirmed(TableName.parse("django_admin_log")).withIncludeDependents(false)).result();
    assertThat(leaf.error()).isNull();
    assertThat(leaf.tables()).extracting(PurgeResult.TableCount::table).containsExactly("public.django_admin_log");
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isEqualTo(20);
  }

  @Test
  void resetSequencesRestartsTheIdsOfPurgedTablesOnly() throws Exception {
    String db = database("schemas/django.sql");
    PostgresServer.run(db, "select seed_django(50)");

    PurgeResult r = purge(db, confirmed(TableName.parse("auth_user"), TableName.parse("custom_auth_tenant"))
        .withResetSequences(true)).result();

    assertThat(r.error()).isNull();
    assertThat(PostgresServer.queryLong(db,
        "insert into auth_user (password, username) values ('x', 'fresh') returning id")).isEqualTo(1);
    assertThat(PostgresServer.queryLong(db, "insert into auth_group (name) values ('new') returning id")).isEqualTo(11);
  }

  @Test
  void dryRunTakesNoWriteLocks() throws Exception {
    String db = database("schemas/django.sql");
    PostgresServer.run(db, "select seed_django(20)");
    try (Connection writer = PostgresServer.connect(db); Statement st = writer.createStatement()) {
      writer.setAutoCommit(false);
      st.execute("lock table auth_user in row exclusive mode");

      PurgeResult r = purge(db, PurgeRequest.of(List.of(TableName.parse("auth_user"))).withDryRun(true)).result();

      assertThat(r.error()).isNull();
      assertThat(r.totals().before()).isEqualTo(20 + 2 + 40 + 20 + 40 + 20 + 60);
      writer.rollback();
    }
  }

  @Test
  void tableOmittedFromTheListIsStillCountedInTheTotalsWhenTheResultIsCapped() throws Exception {
    String db = database();
    StringBuilder sql = new StringBuilder("create table hub (id int primary key); insert into hub values (1);");
    for (int i = 0; i < 120; i++) {
      sql.append("create table spoke_with_a_rather_long_name_").append(i)
          .append(" (id int primary key, hub_id int references hub); insert into spoke_with_a_rather_long_name_")
          .append(i).append(" values (1, 1);");
    }
    PostgresServer.run(db, sql.toString());

    PurgeResult r = purge(db, confirmed(TableName.parse("hub"))).result();
    String json = ResultJson.write(r);

    assertThat(r.totals().before()).isEqualTo(121);
    assertThat(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(4096);
    PurgeResult parsed = ResultJson.read(json);
    assertThat(parsed.tablesOmitted()).isPositive();
    assertThat(parsed.tables().size() + parsed.tablesOmitted()).isEqualTo(121);
    assertThat(parsed.totals().before()).isEqualTo(121);
  }
}
