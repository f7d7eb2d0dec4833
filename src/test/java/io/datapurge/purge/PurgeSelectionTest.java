package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.api.Strategy;
import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rows a predicate selects in each table, and the SQL it renders to, from hand-made key graphs. */
class PurgeSelectionTest {
  static final Table USER = t(1, "auth_user");
  static final Table TENANT = t(2, "tenant");
  static final Table PROFILE = t(3, "profile");
  static final Table BADGE = t(4, "badge");
  static final Table LOG = t(5, "log");

  static Table t(long oid, String name) {
    return new Table(oid, new TableName("public", name));
  }

  static ForeignKey fk(Table child, Table parent, char action, List<String> cols, List<String> parentCols) {
    return new ForeignKey(child.name().name() + "_fk", child, parent, action, cols, parentCols);
  }

  /** tenant.owner_id → user, user.tenant_id → tenant (a cycle), profile → user, badge(a,b) → profile(x,y). */
  static final ForeignKeyGraph GRAPH = ForeignKeyGraph.of(List.of(
      fk(TENANT, USER, 'a', List.of("owner_id"), List.of("id")),
      fk(USER, TENANT, 'a', List.of("tenant_id"), List.of("id")),
      fk(PROFILE, USER, 'c', List.of("user_id"), List.of("id")),
      fk(BADGE, PROFILE, 'a', List.of("a", "b"), List.of("x", "y")),
      fk(LOG, USER, 'n', List.of("user_id"), List.of("id"))));

  static PurgePlan plan(Table... roots) {
    return PurgePlan.build(GRAPH, List.of(roots), List.of(), true);
  }

  @Test
  void withoutPredicatesEveryTableIsPurgedWholeAndTheSqlIsUnchanged() {
    PurgePlan plan = plan(USER);
    PurgeSelection s = PurgeSelection.of(GRAPH, plan, Map.of());

    assertThat(plan.purged()).allSatisfy(e -> assertThat(s.whole(e.table())).isTrue());
    assertThat(s.conflicts()).isEmpty();
    PurgeStatements sql = PurgeStatements.of(plan, Strategy.Delete, s);
    assertThat(sql).isEqualTo(PurgeStatements.of(plan, Strategy.Delete));
    assertThat(sql.verify()).isEqualTo(sql.count());
    assertThat(sql.selectedCount()).isNull();
    assertThat(sql.netDeleted()).isNull();
  }

  @Test
  void dependentsJoinOnTheirKeysTransitivelyIncludingCompositeKeys() {
    PurgeSelection s = PurgeSelection.of(GRAPH, plan(USER), Map.of(USER, "id = 7"));

    assertThat(s.condition(USER)).isEqualTo("(id = 7)");
    assertThat(s.condition(TENANT)).isEqualTo("\"owner_id\" in (select \"id\" from \"public\".\"auth_user\" where (id = 7))");
    assertThat(s.condition(BADGE)).isEqualTo("(\"a\", \"b\") in (select \"x\", \"y\" from \"public\".\"profile\" where"
        + " \"user_id\" in (select \"id\" from \"public\".\"auth_user\" where (id = 7)))");
  }

  @Test
  void aKeptRootRowReferencingAPurgedRowIsAConflictWithASuggestedPredicate() {
    PurgeSelection s = PurgeSelection.of(GRAPH, plan(USER), Map.of(USER, "id = 7"));

    assertThat(s.conflicts()).singleElement().satisfies(c -> {
      assertThat(c.root()).isEqualTo(USER);
      assertThat(c.key().parent()).isEqualTo(TENANT);
      assertThat(c.countSql()).isEqualTo("select count(*) from \"public\".\"auth_user\" where (id = 7) is not true and"
          + " \"tenant_id\" in (select \"id\" from \"public\".\"tenant\" where " + s.condition(TENANT) + ")");
      assertThat(c.suggestion()).startsWith("(id = 7) or \"tenant_id\" in (select");
    });
  }

  @Test
  void aDependentOfATablePurgedWholeIsPurgedWholeAndAKeptRowReferencingItConflicts() {
    PurgeSelection s = PurgeSelection.of(GRAPH, plan(USER, TENANT), Map.of(USER, "not is_staff"));

    assertThat(s.whole(TENANT)).isTrue();
    assertThat(s.whole(USER)).isFalse();
    assertThat(s.whole(PROFILE)).isFalse();
    assertThat(s.conflicts()).singleElement().extracting(c -> c.countSql())
        .isEqualTo("select count(*) from \"public\".\"auth_user\" where (not is_staff) is not true and \"tenant_id\" is not null");
  }

  @Test
  void truncateTakesOnlyTablesEmptiedWholeThatNoPartlyPurgedTableReferences() {
    Table other = t(9, "other");
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(
        fk(PROFILE, USER, 'a', List.of("user_id"), List.of("id")),
        fk(BADGE, other, 'a', List.of("other_id"), List.of("id"))));
    PurgePlan plan = PurgePlan.build(graph, List.of(USER, other), List.of(), true);
    PurgeSelection s = PurgeSelection.of(graph, plan, Map.of(USER, "id = 1"));

    PurgeStatements sql = PurgeStatements.of(plan, Strategy.Truncate, s);

    assertThat(sql.methods()).containsEntry(USER, "delete").containsEntry(PROFILE, "delete")
        .containsEntry(other, "truncate").containsEntry(BADGE, "truncate");
    assertThat(sql.remove()).contains("truncate table \"public\".\"other\", \"public\".\"badge\" restrict",
        "delete from \"public\".\"profile\" where \"user_id\" in (select \"id\" from \"public\".\"auth_user\" where (id = 1))");
    assertThat(sql.verify()).doesNotContain("auth_user").contains("\"public\".\"other\"");
    assertThat(sql.netDeleted()).contains("select 1::oid", "pg_stat_get_xact_tuples_deleted");
    assertThat(sql.selectedCount()).isEqualTo("select (select count(*) from \"public\".\"auth_user\" where (id = 1))");
  }

  @Test
  void aCycleDeletedInOneStatementReportsTheRowsOfEachPartlyPurgedTable() {
    PurgeStatements sql = PurgeStatements.of(plan(USER), Strategy.Delete,
        PurgeSelection.of(GRAPH, plan(USER), Map.of(USER, "id = 7")));

    PurgeStatements.Removal cycle = sql.removals().stream().filter(PurgeStatements.Removal::query).findFirst().orElseThrow();
    assertThat(cycle.counted()).containsExactlyInAnyOrder(USER, TENANT);
    assertThat(cycle.sql()).startsWith("with d0 as (delete from").contains("returning 1)", "(select count(*) from d1)");
  }

  @Test
  void aDependentReachedThroughTwoKeysIsDeletedOneStatementPerKeySoEachCanUseAnIndex() {
    Table onboarding = t(8, "onboarding");
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(
        fk(TENANT, USER, 'a', List.of("owner_id"), List.of("id")),
        fk(onboarding, USER, 'a', List.of("user_id"), List.of("id")),
        fk(onboarding, TENANT, 'a', List.of("tenant_id"), List.of("id"))));
    PurgePlan plan = PurgePlan.build(graph, List.of(USER), List.of(), true);
    PurgeSelection s = PurgeSelection.of(graph, plan, Map.of(USER, "id = 7"));

    assertThat(s.conditionParts(onboarding)).hasSize(2);
    assertThat(s.condition(onboarding)).isEqualTo(String.join(" or ", s.conditionParts(onboarding).stream()
        .map(p -> "(" + p + ")").toList()));
    assertThat(PurgeStatements.of(plan, Strategy.Delete, s).removals())
        .filteredOn(r -> r.counted().equals(List.of(onboarding))).extracting(PurgeStatements.Removal::sql)
        .containsExactly(
            "delete from \"public\".\"onboarding\" where \"user_id\" in (select \"id\" from \"public\".\"auth_user\" where (id = 7))",
            "delete from \"public\".\"onboarding\" where \"tenant_id\" in (select \"id\" from \"public\".\"tenant\" where"
                + " \"owner_id\" in (select \"id\" from \"public\".\"auth_user\" where (id = 7)))");
  }

  @Test
  void aPredicateOnATableThatIsNotARootIsRefused() {
    assertThatThrownBy(() -> PurgeSelection.of(GRAPH, plan(USER), Map.of(PROFILE, "true")))
        .isInstanceOf(PurgeException.class).hasMessageContaining("--where names public.profile")
        .hasMessageContaining("add --table public.profile");
  }

  @Test
  void aSelfReferencingDependentPurgedByAPredicateIsRefusedForNow() {
    Table comment = t(7, "comment");
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(
        fk(comment, USER, 'a', List.of("user_id"), List.of("id")),
        fk(comment, comment, 'a', List.of("parent_id"), List.of("id"))));
    PurgePlan plan = PurgePlan.build(graph, List.of(USER), List.of(), true);

    assertThatThrownBy(() -> PurgeSelection.of(graph, plan, Map.of(USER, "id = 1")))
        .isInstanceOf(PurgeException.class).hasMessageContaining("public.comment references itself");
    assertThat(PurgeSelection.of(graph, plan, Map.of()).whole(comment)).isTrue();
  }

  @Test
  void theDriverSplitsTextAtATopLevelSemicolonOnly() {
    assertThat(PredicateCheck.split("select 1; select 2")).isTrue();
    assertThat(PredicateCheck.split("select (1; select 2)")).isFalse();
    assertThat(PredicateCheck.split("select 'a;b'")).isFalse();
    assertThat(PredicateCheck.split("select 1 -- ; x")).isFalse();
    assertThat(PredicateCheck.parameters("select 1 from t where (data ? 'k')")).isTrue();
    assertThat(PredicateCheck.parameters("select 1 from t where (name = '?')")).isFalse();
  }
}
