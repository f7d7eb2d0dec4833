package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.DjangoPasswords;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeProcess;
import io.datapurge.testing.PurgeProcess.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reset to a known state: purge and seed in one transaction, with the real jar on the real server. */
class SeedIT {
  static final String[] USER_TABLES = PurgeCommandIT.USER_TABLES;
  static final String PG_BIN = System.getenv().getOrDefault("PG_BIN", "/usr/lib/postgresql/15/bin");

  @TempDir Path dir;
  final List<String> databases = new ArrayList<>();
  String db;

  @BeforeEach
  void djangoDatabaseWith200Users() {
    db = database("seed_target");
    PostgresServer.run(db, "select seed_django(200)");
  }

  @AfterEach
  void drop() {
    databases.forEach(PostgresServer::dropDatabase);
  }

  String database(String prefix) {
    String name = PostgresServer.createDatabase(prefix, "schemas/django.sql");
    databases.add(name);
    return name;
  }

  Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  Run purge(String... more) {
    return PurgeProcess.run(PostgresServer.libpqEnv(db), PurgeCommandIT.args(USER_TABLES, more));
  }

  @Test
  void resetSeedsOneSuperuserAndTwoTestUsersWithIdsFromOneAndDjangoAcceptsTheAdminPassword() throws Exception {
    String adminHash = DjangoPasswords.hash("admin-pass-1", "seedsalt0123456789abcd");
    Path seed = file("admin.sql", """
        -- one tenant, its admin and two test users; Django's keys are deferred, so order does not matter
        insert into custom_auth_tenant (name, created_at, owner_id) values ('Acme; Inc', now(), 1);
        insert into auth_user (password, is_superuser, is_staff, username, email, tenant_id) values
          ('%s', true, true, 'admin', 'admin@example.test', 1),
          ('!unusable', false, false, 'alice', 'alice@example.test', 1),
          ('!unusable', false, false, 'bob', 'bob@example.test', 1);
        insert into accounts_profile (bio, user_id) select 'seeded ' || username, id from auth_user;
        """.formatted(adminHash));

    Run run = purge("--confirm", db, "--reset-sequences", "--seed-file", seed.toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    PurgeResult result = run.result();
    assertThat(result.committed()).isTrue();
    Map<String, long[]> counts = new LinkedHashMap<>();
    result.tables().forEach(t -> counts.put(t.table(), new long[] {t.before(), t.seeded(), t.after()}));
    assertThat(counts.get("public.auth_user")).containsExactly(200, 3, 3);
    assertThat(counts.get("public.custom_auth_tenant")).containsExactly(20, 1, 1);
    assertThat(counts.get("public.accounts_profile")).containsExactly(200, 3, 3);
    assertThat(counts.get("public.django_admin_log")).containsExactly(600, 0, 0);
    assertThat(result.totals().seeded()).isEqualTo(7);
    assertThat(result.totals().after()).isEqualTo(7);
    assertThat(result.seed()).containsExactly(new PurgeResult.SeedFile(seed.toString(), 3));
    assertThat(run.stdout()).contains("SEEDED").contains("seed " + seed + ": 3 statements");

    assertThat(rows(db, "select id, username, is_superuser from auth_user order by id"))
        .containsExactly("1 admin true", "2 alice false", "3 bob false");
    assertThat(rows(db, "select id, owner_id from custom_auth_tenant")).containsExactly("1 1");
    assertThat(rows(db, "select id, user_id from accounts_profile order by id")).containsExactly("1 1", "2 2", "3 3");
    String stored = rows(db, "select password from auth_user where username = 'admin'").get(0);
    assertThat(DjangoPasswords.djangoChecks("admin-pass-1", stored))
        .as("Django's check_password, hasher and must_update for the seeded admin").isEqualTo("True pbkdf2_sha256 False");
    assertThat(DjangoPasswords.djangoChecks("wrong", stored)).startsWith("False");
    assertThat(PostgresServer.queryLong(db, "select nextval(pg_get_serial_sequence('auth_user', 'id'))"))
        .as("the next user Django creates").isEqualTo(4);
  }

  @Test
  void aSeedFromPgDumpDataOnlyOfAGoldenDatabaseLeavesExactlyTheGoldenState() throws Exception {
    String golden = database("seed_golden");
    PostgresServer.run(golden, "select seed_django(3)");
    List<String> dumpArgs = new ArrayList<>(List.of(PG_BIN + "/pg_dump", "--data-only"));
    for (String t : PurgeCommandIT.PURGED) dumpArgs.addAll(List.of("--table", t));
    dumpArgs.add(golden);
    Path dump = dir.resolve("golden.sql");
    ProcessBuilder pb = new ProcessBuilder(dumpArgs).redirectOutput(dump.toFile()).redirectErrorStream(false);
    pb.environment().putAll(PostgresServer.libpqEnv(golden));
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    String text = Files.readString(dump);
    assertThat(text).contains("COPY public.auth_user (").contains("FROM stdin;").contains("\\.\n")
        .contains("set_config('search_path', '', false)").contains("SELECT pg_catalog.setval(")
        .contains("SET statement_timeout = 0;").containsPattern("(?m)^\\\\restrict \\S+$")
        .containsPattern("(?m)^\\\\unrestrict \\S+$");
    int statements = SeedScript.parse("golden.sql", text).size();

    Run run = purge("--confirm", db, "--seed-file", dump.toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    PurgeResult result = run.result();
    assertThat(result.tables()).filteredOn(t -> t.table().equals("public.auth_user")).singleElement()
        .satisfies(t -> assertThat(List.of(t.before(), t.seeded(), t.after())).containsExactly(200L, 3L, 3L));
    assertThat(result.totals().seeded()).isEqualTo(3 + 1 + 6 + 3 + 6 + 3 + 9);
    assertThat(result.seed()).singleElement().extracting(PurgeResult.SeedFile::statements).isEqualTo(statements);
    assertThat(DatabaseChecksum.of(db)).as("every table and sequence as in the golden database")
        .isEqualTo(DatabaseChecksum.of(golden));
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user where username = 'user1'")).isOne();
  }

  @Test
  void withTruncateTheSeedRunsAfterTheTruncateInTheSameTransaction() throws Exception {
    Path seed = file("users.sql", "insert into auth_user (password, username) values ('!', 'a'), ('!', 'b');");

    Run run = purge("--confirm", db, "--strategy", "truncate", "--reset-sequences", "--seed-file", seed.toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.result().totals().seeded()).isEqualTo(2);
    assertThat(run.result().totals().after()).isEqualTo(2);
    assertThat(rows(db, "select id, username from auth_user order by id")).containsExactly("1 a", "2 b");
  }

  @Test
  void aSeedFailingAtStatement3RollsEverythingBackAndNamesFileStatementAndError() throws Exception {
    Path seed = file("broken.sql", """
        insert into custom_auth_tenant (name, created_at) values ('Acme', now());
        insert into auth_user (password, username) values ('!', 'admin');
        insert into auth_user (password, username) values ('!', 'admin');
        insert into auth_user (password, username) values ('!', 'never');
        """);
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = purge("--confirm", db, "--seed-file", seed.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    PurgeResult result = run.result();
    assertThat(result.committed()).isFalse();
    assertThat(result.error().reason()).isEqualTo("SeedFailed");
    assertThat(result.error().message()).contains(seed.toString()).contains("statement 3 (line 3)")
        .contains("duplicate key value violates unique constraint").contains("rolled back");
    assertThat(run.stderr()).contains("SeedFailed");
    assertThat(DatabaseChecksum.of(db)).as("every table and sequence unchanged").isEqualTo(before);
  }

  @Test
  void aPurgeRoleThatOwnsNoSequenceStillSeedsAndAFailedSeedStillRollsBackEveryRow() throws Exception {
    String role = "seed_limited_" + db.substring(db.lastIndexOf('_') + 1);
    PostgresServer.run(db, "create role " + role + " login password 'limited-pw';"
        + " grant select, insert, update, delete on all tables in schema public to " + role + ";"
        + " grant usage, select on all sequences in schema public to " + role + ";");
    try {
      Map<String, String> env = PostgresServer.libpqEnv(db);
      env.put("PGUSER", role);
      env.put("PGPASSWORD", "limited-pw");
      Path good = file("ok.sql", "insert into auth_user (password, username) values ('!', 'admin');");
      Path broken = file("broken.sql", "insert into auth_user (password, username) values ('!', 'x');\n"
          + "insert into auth_user (password, username) values ('!', 'x');");
      Map<String, String> before = DatabaseChecksum.of(db);

      Run failed = PurgeProcess.run(env, PurgeCommandIT.args(USER_TABLES, "--confirm", db, "--seed-file", broken.toString()));
      assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(1);
      assertThat(failed.result().error().message()).contains("statement 2 (line 2)");
      Map<String, String> after = DatabaseChecksum.of(db);
      after.keySet().removeIf(k -> k.endsWith("_seq"));
      before.keySet().removeIf(k -> k.endsWith("_seq"));
      assertThat(after).as("every row as it was (a sequence the role cannot restart may have advanced)")
          .isEqualTo(before);

      Run run = PurgeProcess.run(env, PurgeCommandIT.args(USER_TABLES, "--confirm", db, "--seed-file", good.toString()));
      assertThat(run.exitCode()).as(run.stderr()).isZero();
      assertThat(run.result().totals().seeded()).isEqualTo(1);
      assertThat(rows(db, "select username from auth_user")).containsExactly("admin");
    } finally {
      PostgresServer.run(db, "drop owned by " + role + "; drop role " + role);
    }
  }

  @Test
  void aDryRunParsesTheSeedAndReportsItsStatementsWithoutRunningThem() throws Exception {
    Path first = file("one.sql", "insert into auth_group (name) values ('dry; run');\nselect 1;");
    Path second = file("two.sql", "\\restrict x\nCOPY public.auth_group (name) FROM stdin;\nnever\n\\.\n\\unrestrict x\n");
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = purge("--dry-run", "--seed-file", first.toString(), "--seed-file", second.toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.result().seed()).containsExactly(new PurgeResult.SeedFile(first.toString(), 2),
        new PurgeResult.SeedFile(second.toString(), 1));
    assertThat(run.result().tables()).allSatisfy(t -> assertThat(t.seeded()).isNull());
    assertThat(run.stdout()).contains("seed " + first + ": 2 statements (parsed, not run)");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void aMalformedOrMissingSeedFileIsAUsageErrorAndNothingIsDeleted() throws Exception {
    Path bad = file("bad.sql", "insert into auth_group (name) values ('x');\nCOMMIT;\n");
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = purge("--confirm", db, "--seed-file", bad.toString());
    Run missing = purge("--confirm", db, "--seed-file", dir.resolve("nope.sql").toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.result().error().message()).contains("bad.sql, line 2").contains("COMMIT");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.result().error().message()).contains("nope.sql");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  static List<String> rows(String database, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = PostgresServer.connect(database); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= n; i++) cols.add(rs.getString(i).equals("t") ? "true" : rs.getString(i).equals("f") ? "false" : rs.getString(i));
        out.add(String.join(" ", cols));
      }
    }
    return out;
  }
}
