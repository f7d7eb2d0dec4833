package io.datapurge.auth0;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeResult;
import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.FakeAuth0;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeProcess;
import io.datapurge.testing.PurgeProcess.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The purge command with {@code --auth0-domain}, as the Job runs it: the real jar, the real
 * PostgreSQL (hack/pg.sh) with the Django schema, and a fake Auth0 tenant holding more users than
 * one search can return.
 */
class Auth0PurgeCommandIT {
  static final String DOMAIN = "staging-tenant.eu.auth0.com";
  static final String CLIENT_ID = "purge-m2m-client";
  static final String SECRET = "Zq8-very-secret-client-secret-41";
  static final String CONNECTION = "Username-Password-Authentication";
  static final List<String> PURGED = List.of("public.auth_user", "public.custom_auth_tenant",
      "public.custom_auth_onboardingprogress", "public.accounts_profile", "public.auth_user_groups",
      "public.auth_user_user_permissions", "public.django_admin_log");

  String db;
  FakeAuth0 auth0;

  @BeforeEach
  void djangoDatabaseAndAnAuth0TenantWithMoreThanOneSearchOfUsers() {
    db = PostgresServer.createDatabase("purge_auth0", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(200)");
    auth0 = new FakeAuth0(DOMAIN, CLIENT_ID, SECRET);
    auth0.addUsers(1150, CONNECTION, Instant.parse("2025-01-01T00:00:00Z"), Duration.ofMinutes(7));
    auth0.addUsers(40, "google-oauth2", Instant.parse("2025-02-01T00:00:00Z"), Duration.ofHours(1));
  }

  @AfterEach
  void drop() {
    auth0.close();
    PostgresServer.dropDatabase(db);
  }

  Map<String, String> env(String secret) {
    Map<String, String> env = new HashMap<>(PostgresServer.libpqEnv(db));
    env.put("AUTH0_CLIENT_ID", CLIENT_ID);
    env.put("AUTH0_CLIENT_SECRET", secret);
    return env;
  }

  String[] args(String... more) {
    List<String> all = new ArrayList<>(List.of("purge", "--table", "auth_user", "--table", "custom_auth_tenant",
        "--table", "custom_auth_onboardingprogress", "--auth0-domain", DOMAIN,
        "--auth0-base-url", auth0.baseUrl().toString()));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  long rows(String table) {
    return PostgresServer.queryLong(db, "select count(*) from " + table);
  }

  @Test
  void confirmedPurgeEmptiesTheDatabaseAndDeletesTheTenantsUsers() {
    Run run = PurgeProcess.run(env(SECRET), args("--confirm", db, "--run-id", "reset-1"));

    assertThat(run.exitCode()).as(run.allOutput()).isZero();
    PurgeResult r = run.result();
    assertThat(r.committed()).isTrue();
    assertThat(r.error()).isNull();
    assertThat(r.totals().after()).isZero();
    for (String table : PURGED) assertThat(rows(table)).as(table).isZero();
    assertThat(r.auth0()).isEqualTo(new PurgeResult.Auth0(DOMAIN, null, 1190L, 1190L, 0L, 0L, null));
    assertThat(auth0.userCount()).isZero();
    assertThat(auth0.pagingRefusals()).as("never paged past 1000 results").isZero();
    assertThat(run.stdout()).contains("auth0 " + DOMAIN + ": users before 1190, deleted 1190, after 0");
    assertThat(run.allOutput()).doesNotContain(SECRET);
    // 1190 users: 12 pages of search, or a users-export job of 6 requests; the log says which and why
    assertThat(run.stderr()).contains("auth0: users listed by users-export job: 6 requests instead of 12 searches");
    assertThat(auth0.exportJobs()).isEqualTo(1);
    assertThat(auth0.mostDeletesOfOneUser()).as("every user deleted exactly once").isEqualTo(1);
  }

  @Test
  void connectionFilterDeletesOnlyThatConnectionsUsers() {
    Run run = PurgeProcess.run(env(SECRET), args("--confirm", db, "--auth0-connection", CONNECTION));

    assertThat(run.exitCode()).as(run.allOutput()).isZero();
    assertThat(run.result().auth0()).isEqualTo(new PurgeResult.Auth0(DOMAIN, CONNECTION, 1150L, 1150L, 0L, 0L, null));
    assertThat(auth0.userCount(CONNECTION)).isZero();
    assertThat(auth0.userCount("google-oauth2")).isEqualTo(40);
    assertThat(auth0.requests()).contains("GET /api/v2/connections?name=" + CONNECTION + "&fields=id,name&include_fields=true");
    assertThat(auth0.exportJobs()).isEqualTo(1);
  }

  @Test
  void dryRunCountsBothSidesAndDeletesNothing() {
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(env(SECRET), args("--dry-run"));

    assertThat(run.exitCode()).as(run.allOutput()).isZero();
    assertThat(run.result().auth0()).isEqualTo(new PurgeResult.Auth0(DOMAIN, null, 1190L, 0L, 0L, 1190L, null));
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    assertThat(auth0.userCount()).isEqualTo(1190);
    assertThat(auth0.requests()).noneMatch(r -> r.startsWith("DELETE"));
  }

  @Test
  void auth0DeletesThatKeepFailingLeaveTheCommittedDatabaseAndARerunFinishes() {
    auth0.failDeletesWith(500);

    Run failed = PurgeProcess.run(env(SECRET), args("--confirm", db, "--run-id", "reset-1"));

    assertThat(failed.exitCode()).as(failed.allOutput()).isEqualTo(FailureReason.Auth0Incomplete.exitCode()).isEqualTo(7);
    PurgeResult r = failed.result();
    assertThat(r.committed()).as("the database side committed").isTrue();
    assertThat(r.totals().after()).isZero();
    for (String table : PURGED) assertThat(rows(table)).as(table).isZero();
    assertThat(r.error().reason()).isEqualTo("Auth0Incomplete");
    assertThat(r.error().message()).contains("was purged and committed", "1190 users remain", "Run the purge again");
    assertThat(r.auth0().before()).isEqualTo(1190);
    assertThat(r.auth0().deleted()).isZero();
    assertThat(r.auth0().after()).isEqualTo(1190);
    assertThat(r.auth0().error()).contains("answered 500");
    assertThat(failed.stderr()).contains("Auth0Incomplete");
    assertThat(failed.allOutput()).doesNotContain(SECRET);

    auth0.failDeletesWith(0);
    Run rerun = PurgeProcess.run(env(SECRET), args("--confirm", db, "--run-id", "reset-2"));

    assertThat(rerun.exitCode()).as(rerun.allOutput()).isZero();
    assertThat(rerun.result().totals().before()).as("nothing left in the database").isZero();
    assertThat(rerun.result().auth0().deleted()).isEqualTo(1190);
    assertThat(rerun.result().auth0().after()).isZero();
    assertThat(auth0.userCount()).isZero();
  }

  /** Users 1..40 of the database mapped to 40 Auth0 users by auth0_user_id; users 1 and 11 are staff. */
  List<String> mapFortyUsers() {
    List<FakeAuth0.User> mapped = auth0.addUsers(40, CONNECTION, Instant.parse("2025-06-01T00:00:00Z"), Duration.ofMinutes(1));
    StringBuilder sql = new StringBuilder("alter table auth_user add column auth0_user_id text;"
        + " update auth_user set is_staff = true where id in (1, 11);");
    for (int i = 0; i < mapped.size(); i++) {
      sql.append(" update auth_user set auth0_user_id = '").append(mapped.get(i).id()).append("' where id = ")
          .append(i + 1).append(';');
    }
    PostgresServer.run(db, sql.toString());
    return mapped.stream().map(FakeAuth0.User::id).toList();
  }

  @Test
  void withAPredicateOnlyTheAuth0UsersOfThePurgedRowsGoAndARerunFinishesThemFromTheLedger() {
    List<String> ids = mapFortyUsers();
    auth0.failDeletesWith(500);
    String[] selective = {"--table", "auth_user", "--where", "auth_user=NOT (is_staff OR is_superuser)",
        "--auth0-domain", DOMAIN, "--auth0-base-url", auth0.baseUrl().toString(),
        "--auth0-user-id-column", "auth0_user_id", "--confirm", db, "--run-ledger", "datapurge_runs"};

    Run failed = PurgeProcess.run(env(SECRET), concat(new String[] {"purge", "--run-id", "keep-staff-1"}, selective));

    assertThat(failed.exitCode()).as(failed.allOutput()).isEqualTo(7);
    assertThat(failed.result().committed()).isTrue();
    assertThat(rows("auth_user")).isEqualTo(2);
    assertThat(failed.result().auth0()).extracting("before", "deleted").containsExactly(38L, 0L);
    assertThat(auth0.userCount()).isEqualTo(1190 + 40);

    auth0.failDeletesWith(0);
    auth0.rateLimit(10, 40).latency(Duration.ofMillis(20)); // the rerun's deletes: concurrent, within the bucket
    Run rerun = PurgeProcess.run(env(SECRET), concat(new String[] {"purge", "--run-id", "keep-staff-2"}, selective));

    assertThat(rerun.exitCode()).as(rerun.allOutput()).isZero();
    assertThat(rerun.result().totals().deleted()).as("no database rows left to purge").isZero();
    assertThat(rerun.result().auth0()).extracting("before", "deleted", "after").containsExactly(38L, 38L, 0L);
    assertThat(auth0.exists(ids.get(0))).as("staff user 1").isTrue();
    assertThat(auth0.exists(ids.get(10))).as("staff user 11").isTrue();
    assertThat(ids.stream().filter(auth0::exists)).hasSize(2);
    assertThat(ids.stream().filter(id -> !auth0.exists(id))).allSatisfy(id -> assertThat(auth0.deleteRequests(id))
        .as("deleted exactly once").isEqualTo(1));
    assertThat(auth0.rateLimited()).as("requests over the limit").isZero();
    assertThat(auth0.mostConcurrent()).as("deletes in flight at once").isGreaterThan(1);
    assertThat(auth0.userCount()).as("users no row maps to stay").isEqualTo(1190 + 2);
    assertThat(PostgresServer.queryLong(db, "select count(*) from datapurge_runs where jsonb_exists(result, 'auth0Users')"))
        .as("the ledger forgets users once Auth0 deleted them").isZero();
  }

  @Test
  void withAPredicateAndTheEmailColumnTheAuth0UsersWithThoseAddressesGo() {
    List<FakeAuth0.User> mapped = auth0.addUsers(40, CONNECTION, Instant.parse("2025-06-01T00:00:00Z"), Duration.ofMinutes(1));
    StringBuilder sql = new StringBuilder("update auth_user set is_staff = true where id in (1, 11);");
    for (int i = 0; i < mapped.size(); i++) {
      sql.append(" update auth_user set email = '").append(mapped.get(i).email()).append("' where id = ")
          .append(i + 1).append(';');
    }
    PostgresServer.run(db, sql.toString());

    Run run = PurgeProcess.run(env(SECRET), "purge", "--table", "auth_user", "--where",
        "auth_user=NOT (is_staff OR is_superuser)", "--auth0-domain", DOMAIN, "--auth0-base-url",
        auth0.baseUrl().toString(), "--auth0-email-column", "email", "--confirm", db);

    assertThat(run.exitCode()).as(run.allOutput()).isZero();
    // every purged row's address is looked up: 38 are Auth0 users, the other 160 rows' addresses are not
    assertThat(run.result().auth0()).extracting("before", "deleted", "alreadyDeleted", "after")
        .containsExactly(198L, 38L, 160L, 0L);
    assertThat(auth0.exists(mapped.get(0).id())).as("staff user 1").isTrue();
    assertThat(auth0.exists(mapped.get(10).id())).as("staff user 11").isTrue();
    assertThat(mapped.stream().filter(u -> auth0.exists(u.id()))).hasSize(2);
    assertThat(auth0.userCount()).as("users no row maps to stay").isEqualTo(1190 + 2);
  }

  @Test
  void aPredicateWithAuth0ButNoMappingColumnIsRefused() {
    Map<String, String> before = DatabaseChecksum.of(db);

    Run run = PurgeProcess.run(env(SECRET), "purge", "--table", "auth_user", "--where", "auth_user=id = 1",
        "--auth0-domain", DOMAIN, "--auth0-base-url", auth0.baseUrl().toString(), "--confirm", db);

    assertThat(run.exitCode()).as(run.allOutput()).isEqualTo(2);
    assertThat(run.result().error().message()).contains("--auth0-user-id-column", "--auth0-email-column");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    assertThat(auth0.userCount()).isEqualTo(1190);
  }

  static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void wrongAuth0CredentialsStopThePurgeBeforeTheDatabaseIsTouched() {
    auth0.echoCredentialsInErrors();
    Map<String, String> before = DatabaseChecksum.of(db);
    String wrong = "wrong-" + SECRET;

    Run run = PurgeProcess.run(env(wrong), args("--confirm", db));

    assertThat(run.exitCode()).as(run.allOutput()).isEqualTo(FailureReason.Auth0Failed.exitCode());
    assertThat(run.result().error().reason()).isEqualTo("Auth0Failed");
    assertThat(run.result().error().message()).contains("AUTH0_CLIENT_SECRET", "Nothing was deleted");
    assertThat(run.allOutput()).doesNotContain(wrong).doesNotContain(SECRET);
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    assertThat(auth0.userCount()).isEqualTo(1190);
  }

  @Test
  void credentialsOnlyFromTheEnvironmentAndAProtectedTenantIsRefused() {
    Map<String, String> before = DatabaseChecksum.of(db);
    Map<String, String> noCredentials = PostgresServer.libpqEnv(db);

    Run missing = PurgeProcess.run(noCredentials, args("--confirm", db));
    assertThat(missing.exitCode()).isEqualTo(FailureReason.Usage.exitCode());
    assertThat(missing.stderr()).contains("AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET");

    Run prod = PurgeProcess.run(env(SECRET), "purge", "--table", "auth_user", "--confirm", db,
        "--auth0-domain", "acme-prod.eu.auth0.com", "--auth0-base-url", auth0.baseUrl().toString());
    assertThat(prod.exitCode()).as(prod.allOutput()).isEqualTo(3);
    assertThat(prod.result().error().message()).contains("acme-prod.eu.auth0.com", "--protected-pattern");

    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    assertThat(auth0.userCount()).isEqualTo(1190);
  }
}
