package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.api.Strategy;
import io.datapurge.purge.ForeignKeyGraph.Ddl;
import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which keys a purge drops and re-adds (checked once) and which stay (checked per deleted row), and why. */
class KeyChecksTest {
  static final Table USER = t(1, "auth_user");
  static final Table PROFILE = t(2, "accounts_profile");
  static final Table LOG = t(3, "django_admin_log");
  static final Table NOTE = t(4, "note");
  static final Table TENANT = t(5, "tenant");
  static final Ddl SAFE = new Ddl("FOREIGN KEY (user_id) REFERENCES auth_user(id) DEFERRABLE INITIALLY DEFERRED",
      null, true, true, true, false);

  static Table t(long oid, String name) {
    return new Table(oid, new TableName("public", name));
  }

  static ForeignKey fk(Table child, Table parent, char action, Ddl ddl) {
    return new ForeignKey(child.name().name() + "_fk", child, parent, action, List.of("user_id"), List.of("id"), ddl);
  }

  static PurgeStatements statements(Strategy strategy, ForeignKeyChecks mode, ForeignKey... keys) {
    PurgePlan plan = PurgePlan.build(ForeignKeyGraph.of(List.of(keys)), List.of(USER), List.of(), true);
    return PurgeStatements.of(plan, strategy, PurgeSelection.all(plan), mode);
  }

  static String why(ForeignKey key) {
    List<KeyChecks.Kept> kept = statements(Strategy.Delete, ForeignKeyChecks.Batch, key).keyChecks().perRow();
    assertThat(kept).hasSize(1);
    return kept.get(0).why();
  }

  @Test
  void aKeyBetweenTwoDeletedTablesIsDroppedBeforeTheDeletesAndReaddedAfterThemWithItsDefinition() {
    PurgeStatements sql = statements(Strategy.Delete, ForeignKeyChecks.Batch, fk(PROFILE, USER, 'a', SAFE));

    assertThat(sql.remove()).containsExactly(
        "alter table \"public\".\"accounts_profile\" drop constraint \"accounts_profile_fk\"",
        "delete from \"public\".\"accounts_profile\"",
        "delete from \"public\".\"auth_user\"");
    assertThat(sql.keyChecks().readd()).containsExactly(
        "alter table \"public\".\"accounts_profile\" add constraint \"accounts_profile_fk\" FOREIGN KEY (user_id)"
            + " REFERENCES auth_user(id) DEFERRABLE INITIALLY DEFERRED");
    assertThat(sql.keyChecks().summary()).isEqualTo(new PurgeResult.KeyChecks("batch", 1, 0, null));
  }

  @Test
  void aCommentOnTheKeyIsReappliedAfterTheKeyIsBack() {
    Ddl commented = new Ddl(SAFE.definition(), "comment on constraint accounts_profile_fk on public.accounts_profile"
        + " is 'one profile per user'", true, true, true, false);

    List<String> readd = statements(Strategy.Delete, ForeignKeyChecks.Batch, fk(PROFILE, USER, 'a', commented))
        .keyChecks().readd();

    assertThat(readd).hasSize(2);
    assertThat(readd.get(0)).contains(" add constraint ");
    assertThat(readd.get(1)).isEqualTo(commented.comment());
  }

  @Test
  void perRowKeepsEveryKeyInPlace() {
    PurgeStatements sql = statements(Strategy.Delete, ForeignKeyChecks.PerRow, fk(PROFILE, USER, 'a', SAFE));

    assertThat(sql.remove()).containsExactly("delete from \"public\".\"accounts_profile\"",
        "delete from \"public\".\"auth_user\"");
    assertThat(sql.keyChecks().summary()).isEqualTo(new PurgeResult.KeyChecks("per-row", 0, 1, null));
  }

  @Test
  void aKeyStaysWhenDroppingItCouldChangeTheOutcomeOrThePurgeMayNotRecreateIt() {
    assertThat(why(fk(PROFILE, USER, 'a', new Ddl(SAFE.definition() + " NOT VALID", null, false, true, true, false))))
        .isEqualTo("NOT VALID: a re-added copy would check no row");
    assertThat(why(fk(PROFILE, USER, 'a', new Ddl(SAFE.definition(), null, true, false, true, false))))
        .isEqualTo("not owner of public.accounts_profile");
    assertThat(why(fk(PROFILE, USER, 'a', new Ddl(SAFE.definition(), null, true, true, false, false))))
        .isEqualTo("no REFERENCES privilege on public.auth_user");
    assertThat(why(fk(PROFILE, USER, 'a', new Ddl(SAFE.definition(), null, true, true, true, true))))
        .isEqualTo("partitioned table");
    assertThat(why(fk(PROFILE, USER, 'a', null))).isEqualTo("its definition was not read from the catalog");
  }

  @Test
  void aSetNullKeyBetweenPurgedTablesStaysBecauseItsActionUpdatesRows() {
    // note is purged through its NO ACTION key to the tenant, and also SET NULL-references the user
    ForeignKey setNull = new ForeignKey("note_user_fk", NOTE, USER, 'n', List.of("user_id"), List.of("id"), SAFE);
    ForeignKey toTenant = new ForeignKey("note_tenant_fk", NOTE, TENANT, 'a', List.of("tenant_id"), List.of("id"), SAFE);
    PurgePlan plan = PurgePlan.build(ForeignKeyGraph.of(List.of(setNull, toTenant)), List.of(USER, TENANT), List.of(),
        true);

    KeyChecks keys = PurgeStatements.of(plan, Strategy.Delete, PurgeSelection.all(plan), ForeignKeyChecks.Batch)
        .keyChecks();

    assertThat(keys.batched()).containsExactly(toTenant);
    assertThat(keys.perRow()).containsExactly(new KeyChecks.Kept(setNull, "ON DELETE SET NULL changes the referencing rows"));
  }

  @Test
  void truncatedTablesCheckNoKeyPerRowSoNoKeyOfThemIsDropped() {
    PurgeStatements sql = statements(Strategy.Truncate, ForeignKeyChecks.Batch, fk(PROFILE, USER, 'a', SAFE));

    assertThat(sql.remove()).containsExactly(
        "truncate table \"public\".\"auth_user\", \"public\".\"accounts_profile\" restrict");
    assertThat(sql.keyChecks().summary()).isEqualTo(new PurgeResult.KeyChecks("batch", 0, 0, null));
  }

  @Test
  void withTruncateOnlyTheKeysOfTheDeletedTablesAreDropped() {
    // the log SET NULL-references the user from outside the plan, so the user is deleted, not truncated;
    // the profile is truncated but the user's delete still checks its key to the profile, so that one goes
    ForeignKey outside = new ForeignKey("log_fk", LOG, USER, 'n', List.of("user_id"), List.of("id"), SAFE);
    PurgeStatements sql = statements(Strategy.Truncate, ForeignKeyChecks.Batch, fk(PROFILE, USER, 'a', SAFE), outside);

    assertThat(sql.remove()).containsExactly(
        "alter table \"public\".\"accounts_profile\" drop constraint \"accounts_profile_fk\"",
        "truncate table \"public\".\"accounts_profile\" restrict",
        "delete from \"public\".\"auth_user\"");
    assertThat(sql.keyChecks().batched()).extracting(ForeignKey::name).containsExactly("accounts_profile_fk");
  }

  @Test
  void aSelfReferenceIsDroppedToo() {
    ForeignKey manager = new ForeignKey("manager_fk", USER, USER, 'a', List.of("manager_id"), List.of("id"), SAFE);

    assertThat(statements(Strategy.Delete, ForeignKeyChecks.Batch, manager).keyChecks().batched())
        .containsExactly(manager);
  }

  @Test
  void theResultNamesAtMostThreeKeysThatStayedAndCountsTheRest() {
    Ddl notOwned = new Ddl(SAFE.definition(), null, true, false, true, false);
    List<ForeignKey> keys = List.of(5, 6, 7, 8, 9).stream()
        .map(i -> fk(t(i, "child" + i), USER, 'a', notOwned)).toList();
    PurgePlan plan = PurgePlan.build(ForeignKeyGraph.of(keys), List.of(USER), List.of(), true);

    PurgeResult.KeyChecks summary = KeyChecks.of(plan, java.util.Set.copyOf(plan.purged().stream()
        .map(PurgePlan.Entry::table).toList()), ForeignKeyChecks.Batch).summary();

    assertThat(summary.perRow()).isEqualTo(5);
    assertThat(summary.why()).containsExactly("public.child5.child5_fk: not owner of public.child5",
        "public.child6.child6_fk: not owner of public.child6", "public.child7.child7_fk: not owner of public.child7",
        "and 2 more");
  }

  @Test
  void thePrintedScriptSaysWhyTheKeysAreDroppedAndReadded() {
    String script = statements(Strategy.Delete, ForeignKeyChecks.Batch, fk(PROFILE, USER, 'a', SAFE))
        .script(Duration.ofSeconds(10), Duration.ofMinutes(10));

    assertThat(script).containsSubsequence("-- keys between purged tables: dropped", "drop constraint",
        "delete from", "set constraints all immediate", "-- the same keys re-added", "add constraint", "commit;");
  }
}
