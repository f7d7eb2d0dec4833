package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeProcess;
import io.datapurge.testing.PurgeProcess.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The purge command as a Job or a person runs it: the real jar against the real server. */
class PurgeCommandIT {
  static final String[] USER_TABLES = {"--table", "auth_user", "--table", "custom_auth_tenant",
      "--table", "custom_auth_onboardingprogress"};
  static final List<String> PURGED = List.of("public.auth_user", "public.custom_auth_tenant",
      "public.custom_auth_onboardingprogress", "public.accounts_profile", "public.auth_user_groups",
      "public.auth_user_user_permissions", "public.django_admin_log");

  String db;

  @BeforeEach
  void djangoDatabaseWith200Users() {
    db = PostgresServer.createDatabase("purge_cli", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(200)");
  }

  @AfterEach
  void drop() {
    PostgresServer.dropDatabase(db);
  }

  static String[] args(String[] base, String... more) {
    List<String> all = new ArrayList<>(List.of("purge"));
    all.addAll(List.of(base));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void confirmedPurgeEmptiesTheUserTablesAndEveryTableReferencingThem() {
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(PostgresServer.libpqEnv(db), args(USER_TABLES, "--confirm", db, "--run-id", "r-42"));

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    PurgeResult result = run.result();
    assertThat(result.committed()).isTrue();
    assertThat(result.dryRun()).isFalse();
    assertThat(result.database()).isEqualTo(db);
    assertThat(result.runId()).isEqualTo("r-42");
    assertThat(result.strategy()).isEqualTo("delete");
    assertThat(result.tables()).extracting(PurgeResult.TableCount::table).containsExactlyInAnyOrderElementsOf(PURGED);
    assertThat(result.tables()).filteredOn(t -> t.table().equals("public.django_admin_log"))
        .singleElement().satisfies(t -> {
          assertThat(t.role()).isEqualTo("dependent");
          assertThat(t.before()).isEqualTo(600);
          assertThat(t.after()).isZero();
        });
    assertThat(result.totals().before()).isEqualTo(200 + 20 + 400 + 200 + 400 + 200 + 600);
    assertThat(result.totals().after()).isZero();
    for (String table : PURGED) {
      assertThat(PostgresServer.queryLong(db, "select count(*) from " + table)).as(table).isZero();
    }
    Map<String, String> after = DatabaseChecksum.of(db);
    for (String parent : List.of("public.auth_group", "public.auth_permission", "public.django_content_type")) {
      assertThat(after.get(parent)).as(parent + " is not purged").isEqualTo(before.get(parent));
    }
    assertThat(run.stdout()).contains("public.auth_user").contains("root").contains("committed");
    assertThat(run.stderr()).isEmpty();
  }

  @Test
  void dryRunCountsEveryTableAndDeletesNothing() {
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(PostgresServer.libpqEnv(db), args(USER_TABLES, "--dry-run"));

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.result().dryRun()).isTrue();
    assertThat(run.result().committed()).isFalse();
    assertThat(run.result().totals().before()).isEqualTo(2020);
    assertThat(run.stdout()).contains("dry run");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @ParameterizedTest(name = "dry run with --print-sql --strategy {0} prints a script that purges as the command does")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"delete", "truncate"})
  void dryRunPrintsTheSqlOfThePurgeAndDeletesNothing(String strategy) {
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(PostgresServer.libpqEnv(db),
        args(USER_TABLES, "--dry-run", "--print-sql", "--strategy", strategy));

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    String out = run.stdout();
    assertThat(out).contains("dry run", "lock table \"public\".\"auth_user\"", " in access exclusive mode;",
        "set constraints all immediate;", "commit;");
    assertThat(out).contains(strategy.equals("truncate") ? "truncate table " : "delete from \"public\".\"django_admin_log\";");
    String script = out.substring(out.indexOf("begin isolation level"));

    PostgresServer.run(db, script); // what the purge would have run, run by hand

    for (String table : PURGED) {
      assertThat(PostgresServer.queryLong(db, "select count(*) from " + table)).as(table).isZero();
    }
    Map<String, String> after = DatabaseChecksum.of(db);
    for (String parent : List.of("public.auth_group", "public.auth_permission", "public.django_content_type")) {
      assertThat(after.get(parent)).as(parent + " is not purged").isEqualTo(before.get(parent));
    }
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("no confirmation and no terminal", List.of("--table", "auth_user"), "Refused", 3),
        Arguments.of("a confirmation naming another database", List.of("--table", "auth_user", "--confirm", "other"),
            "ConfirmationMismatch", 3),
        Arguments.of("a kept table the plan needs", List.of("--table", "auth_user", "--keep", "django_admin_log", "--force"),
            "PlanInvalid", 3),
        Arguments.of("an unknown table", List.of("--table", "no_such_table", "--force"), "PlanInvalid", 3),
        Arguments.of("an unknown kept table", List.of("--table", "auth_user", "--keep", "no_such", "--force"), "PlanInvalid", 3),
        Arguments.of("a hostile unquoted table name", List.of("--table", "auth_user; drop table auth_group", "--force"),
            "Usage", 2),
        Arguments.of("an unknown strategy", List.of("--table", "auth_user", "--strategy", "sideways", "--force"), "Usage", 2),
        Arguments.of("a password argument", List.of("--table", "auth_user", "--password", "hunter2", "--force"), "Usage", 2),
        Arguments.of("no --table at all", List.of("--force", "--run-id", "r-usage"), "Usage", 2),
        Arguments.of("--print-sql without --dry-run", List.of("--table", "auth_user", "--print-sql", "--force"), "Usage", 2),
        Arguments.of("--no-dependents while rows reference the users",
            List.of("--table", "auth_user", "--table", "custom_auth_tenant", "--no-dependents", "--force"), "PlanInvalid", 3),
        Arguments.of("--no-dependents with truncate while tables reference the users",
            List.of("--table", "auth_user", "--table", "custom_auth_tenant", "--no-dependents", "--strategy", "truncate",
                "--force"), "PlanInvalid", 3));
  }

  @ParameterizedTest(name = "refuses {0} and leaves the database unchanged")
  @MethodSource("refusals")
  void refusedPurgeLeavesTheDatabaseUnchanged(String why, List<String> flags, String reason, int exitCode) {
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(PostgresServer.libpqEnv(db), args(flags.toArray(String[]::new)));

    assertThat(run.exitCode()).as(run.allOutput()).isEqualTo(exitCode);
    assertThat(run.result().error().reason()).isEqualTo(reason);
    assertThat(run.result().committed()).isFalse();
    assertThat(run.stderr()).contains(reason);
    assertThat(run.allOutput()).doesNotContain("hunter2");
    if (flags.contains("--run-id")) assertThat(run.result().runId()).isEqualTo("r-usage");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  /** Runs the purge on a pseudo-terminal (util-linux script), typing {@code answer} at the prompt. */
  String onTerminal(String answer) throws Exception {
    assertThat(Path.of("/usr/bin/script")).as("script(1) gives the purge a terminal: install util-linux").isExecutable();
    String jar = System.getProperty("purge.jar", "target/user-data-purge.jar");
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qec",
        "java -jar '" + jar + "' purge --table auth_user --table custom_auth_tenant", "/dev/null");
    pb.environment().putAll(PostgresServer.libpqEnv(db));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    StringBuilder out = new StringBuilder();
    java.io.InputStream in = p.getInputStream();
    long deadline = System.currentTimeMillis() + 60_000;
    while (!out.toString().contains("Type 'yes'") && System.currentTimeMillis() < deadline) {
      int c = in.read();
      if (c < 0) break;
      out.append((char) c);
    }
    p.getOutputStream().write((answer + "\n").getBytes());
    p.getOutputStream().flush();
    out.append(new String(in.readAllBytes()));
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return out.toString();
  }

  @Test
  void onATerminalTheCountsAreShownAndOnlyYesPurges() throws Exception {
    Map<String, String> before = DatabaseChecksum.of(db);

    String declined = onTerminal("no");
    assertThat(declined).contains("public.django_admin_log").contains("600").contains("Not confirmed");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);

    String accepted = onTerminal("yes");
    assertThat(accepted).contains("committed");
    assertThat(PostgresServer.queryLong(db, "select count(*) from django_admin_log")).isZero();
  }

  @Test
  void protectedDatabaseIsRefusedEvenWhenConfirmedUnlessAllowed() {
    String prod = PostgresServer.createDatabase("shop_prod_copy", "schemas/django.sql");
    try {
      PostgresServer.run(prod, "select seed_django(10)");
      Map<String, String> before = DatabaseChecksum.of(prod);

      Run refused = PurgeProcess.run(PostgresServer.libpqEnv(prod), args(USER_TABLES, "--confirm", prod));
      assertThat(refused.exitCode()).isEqualTo(3);
      assertThat(refused.result().error().reason()).isEqualTo("ProtectedDatabase");
      assertThat(refused.result().error().message()).contains("--allow-protected");
      assertThat(DatabaseChecksum.of(prod)).isEqualTo(before);

      Run allowed = PurgeProcess.run(PostgresServer.libpqEnv(prod),
          args(USER_TABLES, "--confirm", prod, "--allow-protected"));
      assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
      assertThat(PostgresServer.queryLong(prod, "select count(*) from auth_user")).isZero();
    } finally {
      PostgresServer.dropDatabase(prod);
    }
  }

  @Test
  void rowsThatReappearBeforeCommitFailVerificationAndTheTransactionIsRolledBack() {
    PostgresServer.run(db, """
        create function tenant_again() returns trigger language plpgsql as $$
        begin insert into custom_auth_tenant (name) values ('reappeared'); return null; end $$;
        create trigger tenant_again after delete on auth_user for each statement execute function tenant_again();
        """);
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(PostgresServer.libpqEnv(db), args(USER_TABLES, "--confirm", db));

    assertThat(run.exitCode()).as(run.allOutput()).isEqualTo(6);
    assertThat(run.result().error().reason()).isEqualTo("VerificationFailed");
    assertThat(run.result().error().message()).contains("public.custom_auth_tenant (1 rows after, expected 0 = 20 before - 20 deleted)");
    assertThat(run.result().committed()).isFalse();
    Map<String, String> after = DatabaseChecksum.of(db);
    // the trigger's nextval is not transactional in PostgreSQL; every row is as it was
    after.keySet().removeIf(k -> k.endsWith("_seq"));
    before.keySet().removeIf(k -> k.endsWith("_seq"));
    assertThat(after).isEqualTo(before);
  }

  @Test
  void wrongPasswordIsReportedAsAuthFailedWithoutShowingThePassword() {
    Map<String, String> env = PostgresServer.libpqEnv(db);
    env.put("PGPASSWORD", "Wr0ng-Pa55word-xyzzy");

    Run run = PurgeProcess.run(env, args(USER_TABLES, "--force"));

    assertThat(run.exitCode()).isEqualTo(4);
    assertThat(run.result().error().reason()).isEqualTo("AuthFailed");
    assertThat(run.stderr()).contains("password authentication failed");
    assertThat(run.allOutput()).doesNotContain("Wr0ng-Pa55word-xyzzy");
  }

  @Test
  void passwordOfTheUserNeverAppearsInAnyOutput(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    String secret = "S3cr3t-'\"quoted\";--" + db;
    PostgresServer.run(db, "create role purger_" + db + " login superuser password '" + secret.replace("'", "''") + "'");
    Path passwordFile = tmp.resolve("password");
    Files.writeString(passwordFile, secret + "\n");
    Map<String, String> env = PostgresServer.libpqEnv(db);
    env.remove("PGPASSWORD");
    env.put("PGUSER", "purger_" + db);
    try {
      List<Run> runs = List.of(
          PurgeProcess.run(env, args(USER_TABLES, "--password-file", passwordFile.toString(), "--dry-run")),
          PurgeProcess.run(env, args(new String[] {"--table", "missing"}, "--password-file", passwordFile.toString(), "--force")),
          PurgeProcess.run(env, args(USER_TABLES, "--password-file", passwordFile.toString(), "--confirm", db)));

      assertThat(runs).extracting(Run::exitCode).containsExactly(0, 3, 0);
      for (Run run : runs) assertThat(run.allOutput()).doesNotContain(secret).doesNotContain("S3cr3t");
    } finally {
      PostgresServer.run("postgres", "drop role if exists purger_" + db);
    }
  }

  @Test
  void unreachableServerAndUnknownHostAreConnectionFailures() {
    Map<String, String> closedPort = PostgresServer.libpqEnv(db);
    closedPort.put("PGPORT", "1");
    Run refused = PurgeProcess.run(closedPort, args(USER_TABLES, "--force"));
    assertThat(refused.exitCode()).isEqualTo(4);
    assertThat(refused.result().error().reason()).isEqualTo("ConnectionFailed");
    assertThat(refused.result().error().message()).contains("refused");

    Map<String, String> unknownHost = PostgresServer.libpqEnv(db);
    unknownHost.put("PGHOST", "no-such-host.invalid");
    Run unknown = PurgeProcess.run(unknownHost, args(USER_TABLES, "--force"));
    assertThat(unknown.exitCode()).isEqualTo(4);
    assertThat(unknown.result().error().reason()).isEqualTo("ConnectionFailed");
    assertThat(unknown.result().error().message()).contains("no-such-host.invalid");
  }

  @Test
  void verifyFullConnectsWithTheCertificateAuthorityAndFailsWithoutIt() {
    Path ca = Path.of("target/pg/tls/ca.crt").toAbsolutePath();
    assertThat(ca).exists();
    for (String host : List.of("127.0.0.1", "localhost")) {
      Map<String, String> env = PostgresServer.libpqEnv(db);
      env.put("PGHOST", host);
      env.put("PGSSLMODE", "verify-full");
      env.put("PGSSLROOTCERT", ca.toString());
      Run run = PurgeProcess.run(env, args(USER_TABLES, "--dry-run"));
      assertThat(run.exitCode()).as(host + ": " + run.stderr()).isZero();
    }

    Map<String, String> noCa = PostgresServer.libpqEnv(db);
    noCa.put("PGSSLMODE", "verify-full");
    noCa.put("PGSSLROOTCERT", "/nonexistent/ca.crt");
    Run run = PurgeProcess.run(noCa, args(USER_TABLES, "--dry-run"));
    assertThat(run.exitCode()).isEqualTo(4);
    assertThat(run.result().error().reason()).isEqualTo("ConnectionFailed");

    Map<String, String> otherCa = PostgresServer.libpqEnv(db);
    otherCa.put("PGSSLMODE", "verify-full");
    otherCa.put("PGSSLROOTCERT", "/etc/ssl/certs/ca-certificates.crt");
    Run untrusted = PurgeProcess.run(otherCa, args(USER_TABLES, "--dry-run"));
    assertThat(untrusted.exitCode()).isEqualTo(4);
    assertThat(untrusted.result().error().reason()).isEqualTo("ConnectionFailed");
  }

  @Test
  void urlFlagWorksAndAUrlCarryingAPasswordIsRefused() {
    Map<String, String> env = Map.of("PGPASSWORD", PostgresServer.password());
    Run run = PurgeProcess.run(env, args(USER_TABLES, "--url", PostgresServer.jdbcUrl(db), "--user",
        PostgresServer.user(), "--confirm", db));
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isZero();

    Run refused = PurgeProcess.run(env, args(USER_TABLES, "--url", PostgresServer.jdbcUrl(db) + "?password=hunter2",
        "--force"));
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.allOutput()).doesNotContain("hunter2");
  }
}
