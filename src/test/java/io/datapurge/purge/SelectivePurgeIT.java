package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Strategy;
import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Selective purges ({@code --where}) on real PostgreSQL and the Django-shaped schema: 100 users in 10
 * tenants, each tenant owned by its first user (1, 11, 21, …); users 1 and 11 are staff, 21 a superuser.
 */
class SelectivePurgeIT {
  static final TableName USER = TableName.parse("auth_user");
  static final TableName ONBOARDING = TableName.parse("custom_auth_onboardingprogress");
  static final String KEEP_STAFF = "NOT (is_staff OR is_superuser)";
  final List<String> databases = new ArrayList<>();

  String django() {
    String db = PostgresServer.createDatabase("purge_select", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(100)");
    PostgresServer.run(db, "update auth_user set is_staff = true where id in (1, 11);"
        + " update auth_user set is_superuser = true where id = 21");
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

  static PurgeRequest where(List<TableName> roots, TableName table, String predicate) {
    Map<TableName, String> w = new LinkedHashMap<>();
    w.put(table, predicate);
    return PurgeRequest.of(roots).withForce(true).withWhere(w);
  }

  static PurgeResult.TableCount count(PurgeResult r, String table) {
    return r.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow();
  }

  static long rows(String db, String sql) {
    return PostgresServer.queryLong(db, sql);
  }

  @Test
  void keepingStaffKeepsTheirProfileGroupsTenantAndAdminLogAndPurgesEveryoneElse() throws Exception {
    String db = django();

    PurgeResult r = purge(db, where(List.of(USER, ONBOARDING), USER, KEEP_STAFF)).result();

    assertThat(r.error()).isNull();
    assertThat(r.committed()).isTrue();
    assertThat(rows(db, "select count(*) from auth_user")).isEqualTo(3);
    assertThat(rows(db, "select count(*) from auth_user where is_staff or is_superuser")).isEqualTo(3);
    assertThat(rows(db, "select count(*) from accounts_profile where user_id in (1, 11, 21)")).isEqualTo(3);
    assertThat(rows(db, "select count(*) from accounts_profile")).isEqualTo(3);
    assertThat(rows(db, "select count(*) from auth_user_groups")).isEqualTo(6);
    assertThat(rows(db, "select count(*) from auth_user_user_permissions")).isEqualTo(3);
    assertThat(rows(db, "select count(*) from django_admin_log")).isEqualTo(9);
    assertThat(rows(db, "select count(*) from custom_auth_tenant")).as("the tenants the staff own").isEqualTo(3);
    assertThat(rows(db, "select count(*) from custom_auth_onboardingprogress")).as("a root without predicate").isZero();
    assertThat(count(r, "public.auth_user")).extracting("role", "before", "deleted", "after", "method")
        .containsExactly("root", 100L, 97L, 3L, "delete");
    assertThat(count(r, "public.custom_auth_tenant")).extracting("role", "before", "deleted", "after")
        .containsExactly("dependent", 10L, 7L, 3L);
    assertThat(count(r, "public.django_admin_log")).extracting("before", "deleted", "after")
        .containsExactly(300L, 291L, 9L);
    assertThat(count(r, "public.custom_auth_onboardingprogress")).extracting("before", "deleted", "after")
        .containsExactly(200L, 200L, 0L);
    for (PurgeResult.TableCount c : r.tables()) {
      assertThat(c.before() - c.deleted()).as(c.table()).isEqualTo(c.after());
    }
    assertThat(r.totals().deleted()).isEqualTo(r.totals().before() - r.totals().after());
    // untouched parents
    assertThat(rows(db, "select count(*) from auth_group")).isEqualTo(10);
  }

  @Test
  void erasingOneUserRemovesExactlyTheirRows() throws Exception {
    String db = django();
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult r = purge(db, where(List.of(USER), USER, "id = 57")).result();

    assertThat(r.error()).isNull();
    assertThat(count(r, "public.auth_user")).extracting("before", "deleted", "after").containsExactly(100L, 1L, 99L);
    assertThat(count(r, "public.auth_user_groups").deleted()).isEqualTo(2);
    assertThat(count(r, "public.auth_user_user_permissions").deleted()).isEqualTo(1);
    assertThat(count(r, "public.django_admin_log").deleted()).isEqualTo(3);
    assertThat(count(r, "public.accounts_profile").deleted()).isEqualTo(1);
    assertThat(count(r, "public.custom_auth_onboardingprogress").deleted()).isEqualTo(2);
    assertThat(count(r, "public.custom_auth_tenant").deleted()).as("user 57 owns no tenant").isZero();
    assertThat(r.totals().deleted()).isEqualTo(10);
    for (String t : List.of("auth_user where id", "auth_user_groups where user_id", "django_admin_log where user_id",
        "accounts_profile where user_id", "custom_auth_onboardingprogress where user_id")) {
      assertThat(rows(db, "select count(*) from " + t + " = 57")).as(t).isZero();
    }
    Map<String, String> after = DatabaseChecksum.of(db);
    assertThat(after.get("public.custom_auth_tenant")).isEqualTo(before.get("public.custom_auth_tenant"));
    assertThat(after.get("public.auth_group")).isEqualTo(before.get("public.auth_group"));
    assertThat(rows(db, "select count(*) from django_admin_log")).isEqualTo(297);
  }

  @Test
  void keptRowReferencingAPurgedRowIsRefusedWithNothingDeleted() throws Exception {
    String db = django();
    Map<String, String> before = DatabaseChecksum.of(db);

    // user 51 owns tenant 6, whose other nine users the predicate keeps
    PurgeResult r = purge(db, where(List.of(USER), USER, "id = 51")).result();

    assertThat(r.error()).isNotNull();
    assertThat(r.error().reason()).isEqualTo("PlanInvalid");
    assertThat(r.error().message()).contains("9 rows of public.auth_user", "public.custom_auth_tenant",
        "auth_user_tenant_id_fk_custom_auth_tenant_id", "--where \"auth_user=(id = 51) or \"tenant_id\" in (select");
    assertThat(r.committed()).isFalse();
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);

    String suggested = r.error().message().replaceFirst("(?s).*--where \"auth_user=(.*?)\", or keep.*", "$1")
        .replace("\\\"", "\"");
    PurgeResult fixed = purge(db, where(List.of(USER), USER, suggested)).result();
    assertThat(fixed.error()).as(suggested).isNull();
    assertThat(count(fixed, "public.auth_user").deleted()).isEqualTo(10);
    assertThat(count(fixed, "public.custom_auth_tenant").deleted()).isEqualTo(1);
  }

  @ParameterizedTest(name = "refused before anything is deleted: {0}")
  @ValueSource(strings = {
      "id = 1; delete from auth_group",
      "id = 1); delete from auth_group; select (true",
      "true --",
      "id = 1 /* the rest",
      "is_staff) or (true",
      "id = 1) as datapurge_predicate from auth_user union select (true",
      "true) or not (true",
      "id = 'x",
      "id = = 1",
      "id + 1",
      "username",
      "",
      "   ",
      "no_such_column = 1",
      "count(*) > 0",
      "username::jsonb ? 'k'",
      "select true"})
  void predicateThatIsNotOneBooleanExpressionIsRefused(String predicate) throws Exception {
    String db = django();
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult r = purge(db, where(List.of(USER), USER, predicate)).result();

    assertThat(r.error()).as(predicate).isNotNull();
    assertThat(r.error().reason()).isEqualTo("Usage");
    assertThat(r.error().message()).contains("--where predicate of public.auth_user", "is refused", "Nothing was deleted");
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void refusalsSayWhatIsWrong() throws Exception {
    String db = django();
    assertThat(refusal(db, "id = 1; delete from auth_group")).contains("second statement");
    assertThat(refusal(db, "true --")).contains("comment");
    assertThat(refusal(db, "is_staff) or (true")).contains("parenthesis closes early");
    assertThat(refusal(db, "id + 1")).contains("does not yield a boolean but int4");
    assertThat(refusal(db, "id = 'x")).contains("PostgreSQL cannot use it").containsIgnoringCase("unterminated");
    assertThat(refusal(db, "")).contains("it is empty");
  }

  String refusal(String db, String predicate) throws Exception {
    return purge(db, where(List.of(USER), USER, predicate)).result().error().message();
  }

  @Test
  void semicolonsQuotesAndCommentsInsideOneExpressionAreAccepted() throws Exception {
    String db = django();
    PostgresServer.run(db, "update auth_user set username = 'a;b' where id = 99");

    PurgeResult r = purge(db, where(List.of(USER), USER,
        "username = 'a;b' -- a comment inside\n or username = $q$x)--$q$ /* and (this */")).result();

    assertThat(r.error()).isNull();
    assertThat(count(r, "public.auth_user").deleted()).isEqualTo(1);
    assertThat(rows(db, "select count(*) from auth_user where id = 99")).isZero();
  }

  @Test
  void dryRunCountsWhatEachTableWouldLoseAndDeletesNothing() throws Exception {
    String db = django();
    Map<String, String> before = DatabaseChecksum.of(db);

    PurgeResult r = purge(db, where(List.of(USER, ONBOARDING), USER, KEEP_STAFF).withDryRun(true)).result();

    assertThat(r.error()).isNull();
    assertThat(r.dryRun()).isTrue();
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
    assertThat(count(r, "public.auth_user")).extracting("before", "deleted", "after").containsExactly(100L, 97L, 100L);
    assertThat(count(r, "public.custom_auth_tenant").deleted()).isEqualTo(7);
    assertThat(count(r, "public.auth_user_groups").deleted()).isEqualTo(194);
    assertThat(count(r, "public.django_admin_log").deleted()).isEqualTo(291);
    assertThat(count(r, "public.custom_auth_onboardingprogress").deleted()).isEqualTo(200);
    assertThat(r.totals().deleted()).isEqualTo(97 + 7 + 194 + 97 + 291 + 97 + 200);
  }

  @Test
  void truncateWithAPredicateEndsLikeDeleteAndTruncatesOnlyTablesEmptiedWhole() throws Exception {
    String viaDelete = django();
    String viaTruncate = django();
    assertThat(DatabaseChecksum.of(viaDelete)).isEqualTo(DatabaseChecksum.of(viaTruncate));

    PurgeResult d = purge(viaDelete, where(List.of(USER, ONBOARDING), USER, KEEP_STAFF)).result();
    PurgeResult t = purge(viaTruncate, where(List.of(USER, ONBOARDING), USER, KEEP_STAFF)
        .withStrategy(Strategy.Truncate)).result();

    assertThat(d.error()).isNull();
    assertThat(t.error()).isNull();
    assertThat(DatabaseChecksum.of(viaTruncate)).isEqualTo(DatabaseChecksum.of(viaDelete));
    assertThat(t.tables()).extracting("table", "before", "deleted", "after")
        .isEqualTo(d.tables().stream().map(c -> org.assertj.core.groups.Tuple.tuple(c.table(), c.before(), c.deleted(),
            c.after())).toList());
    assertThat(count(t, "public.custom_auth_onboardingprogress").method()).isEqualTo("truncate");
    assertThat(t.tables()).filteredOn(c -> !c.table().equals("public.custom_auth_onboardingprogress"))
        .extracting(PurgeResult.TableCount::method).containsOnly("delete");
  }

  @Test
  void aTriggerThatPutsRowsBackFailsTheVerificationAndRollsBack() throws Exception {
    String db = django();
    PostgresServer.run(db, "create function put_back() returns trigger language plpgsql as $$ begin"
        + " insert into django_admin_log (object_repr, action_flag, change_message, user_id)"
        + " values ('again', 1, '', 1); return old; end $$;"
        + " create trigger put_back after delete on accounts_profile for each row execute function put_back()");
    Map<String, String> before = tablesOnly(DatabaseChecksum.of(db));

    PurgeResult r = purge(db, where(List.of(USER), USER, "id = 57")).result();

    assertThat(r.error()).isNotNull();
    assertThat(r.error().reason()).isEqualTo("VerificationFailed");
    assertThat(r.error().message()).contains("public.django_admin_log (298 rows after, expected 297");
    assertThat(tablesOnly(DatabaseChecksum.of(db))).as("sequences are not transactional").isEqualTo(before);
  }

  @Test
  void aSeedAfterAPredicateAddsToTheKeptRowsAndResetSequencesRestartsPastTheLargestKeptId() throws Exception {
    String db = django();
    SeedScript seed = SeedScript.parse("new-user.sql", "insert into auth_user (password, is_superuser, is_staff,"
        + " username, email, tenant_id) values ('!unusable', false, false, 'carol', 'carol@example.test', 1);");

    PurgeResult r = purge(db, where(List.of(USER), USER, "id = 57").withResetSequences(true)
        .withSeed(List.of(seed))).result();

    assertThat(r.error()).isNull();
    PurgeResult.TableCount users = count(r, "public.auth_user");
    assertThat(List.of(users.before(), users.deleted(), users.seeded(), users.after())).containsExactly(100L, 1L, 1L, 100L);
    assertThat(rows(db, "select id from auth_user where username = 'carol'"))
        .as("past the largest kept id (100), not at 1 where kept users are").isEqualTo(101);
    assertThat(rows(db, "select count(*) from auth_user where id = 57")).isZero();
  }

  static Map<String, String> tablesOnly(Map<String, String> checksum) {
    Map<String, String> t = new LinkedHashMap<>(checksum);
    t.keySet().removeIf(k -> k.endsWith("_seq"));
    return t;
  }

  @Test
  void theCommandShowsThePredicatePerRootAndPrintsTheSelectiveSql() {
    String db = django();

    io.datapurge.testing.PurgeProcess.Run run = io.datapurge.testing.PurgeProcess.run(PostgresServer.libpqEnv(db),
        "purge", "--table", "auth_user", "--where", "auth_user=id = 57", "--dry-run", "--print-sql");

    assertThat(run.exitCode()).as(run.allOutput()).isZero();
    assertThat(run.stdout()).containsPattern("TABLE +ROLE +BEFORE +DELETED +AFTER +METHOD +WHY")
        .containsPattern("public\\.auth_user +root +100 +1 +100 +delete +named with --table, where id = 57")
        .containsPattern("public\\.django_admin_log +dependent +300 +3 +300 +delete")
        .contains("delete from \"public\".\"django_admin_log\" where \"user_id\" in (select \"id\" from"
            + " \"public\".\"auth_user\" where (id = 57));")
        .doesNotContain("delete from \"public\".\"django_admin_log\";");
    assertThat(run.result().totals().deleted()).isEqualTo(10);
    assertThat(rows(db, "select count(*) from auth_user")).isEqualTo(100);
  }

  @Test
  void compositeKeysAreFollowed() throws Exception {
    String db = PostgresServer.createDatabase("purge_select");
    databases.add(db);
    PostgresServer.run(db, """
        create table org (id int primary key, name text);
        create table member (org_id int references org, n int, primary key (org_id, n));
        create table badge (id serial primary key, org_id int, n int,
          foreign key (org_id, n) references member (org_id, n));
        insert into org select g, 'org ' || g from generate_series(1, 3) g;
        insert into member select o, n from generate_series(1, 3) o, generate_series(1, 4) n;
        insert into badge (org_id, n) select org_id, n from member, generate_series(1, 2);
        insert into badge (org_id, n) values (null, 1);
        """);

    PurgeResult r = purge(db, where(List.of(TableName.parse("org")), TableName.parse("org"), "id = 2")).result();

    assertThat(r.error()).isNull();
    assertThat(count(r, "public.member").deleted()).isEqualTo(4);
    assertThat(count(r, "public.badge")).extracting("before", "deleted", "after").containsExactly(25L, 8L, 17L);
    assertThat(rows(db, "select count(*) from badge where org_id = 2")).isZero();
    assertThat(rows(db, "select count(*) from badge where org_id is null")).as("a null key references nothing").isOne();
  }
}
