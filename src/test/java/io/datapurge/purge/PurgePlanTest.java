package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan from a hand-made key graph: which tables, which roles, which order. */
class PurgePlanTest {
  static final Table USER = t(1, "auth_user");
  static final Table TENANT = t(2, "custom_auth_tenant");
  static final Table GROUPS = t(3, "auth_user_groups");
  static final Table LOG = t(4, "django_admin_log");
  static final Table NOTE = t(5, "audit_note");
  static final Table NODE = t(6, "node");
  static final Table GROUP = t(7, "auth_group");

  static Table t(long oid, String name) {
    return new Table(oid, new TableName("public", name));
  }

  static ForeignKey fk(Table child, Table parent, char action) {
    return new ForeignKey(child.name().name() + "_" + parent.name().name() + "_fk", child, parent, action, List.of(parent.name().name() + "_id"));
  }

  static final ForeignKeyGraph GRAPH = ForeignKeyGraph.of(List.of(
      fk(USER, TENANT, 'a'), fk(TENANT, USER, 'a'),           // a cycle, as Django makes it
      fk(GROUPS, USER, 'a'), fk(GROUPS, GROUP, 'a'),
      fk(LOG, USER, 'c'),
      fk(NOTE, USER, 'n'),
      fk(NODE, NODE, 'r'), fk(NODE, LOG, 'r')));

  @Test
  void referencingTablesJoinTransitivelyAndSetNullReferencersAreOnlyUnlinked() {
    PurgePlan plan = PurgePlan.build(GRAPH, List.of(USER), List.of(), true);

    assertThat(plan.purged()).extracting(e -> e.table().name().name(), PurgePlan.Entry::role).containsExactly(
        org.assertj.core.groups.Tuple.tuple("auth_user", "root"),
        org.assertj.core.groups.Tuple.tuple("custom_auth_tenant", "dependent"),
        org.assertj.core.groups.Tuple.tuple("auth_user_groups", "dependent"),
        org.assertj.core.groups.Tuple.tuple("django_admin_log", "dependent"),
        org.assertj.core.groups.Tuple.tuple("node", "dependent"));
    assertThat(plan.unlinked()).singleElement().satisfies(e -> {
      assertThat(e.table()).isEqualTo(NOTE);
      assertThat(e.why()).contains("set to NULL");
    });
    assertThat(plan.purged()).extracting(e -> e.table()).doesNotContain(GROUP);
  }

  @Test
  void deleteOrderPutsChildrenFirstAndACycleInOneGroup() {
    List<List<Table>> order = PurgePlan.build(GRAPH, List.of(USER), List.of(), true).deleteOrder();

    List<Table> flat = order.stream().flatMap(List::stream).toList();
    assertThat(flat.indexOf(NODE)).isLessThan(flat.indexOf(LOG));
    assertThat(flat.indexOf(LOG)).isLessThan(flat.indexOf(USER));
    assertThat(flat.indexOf(GROUPS)).isLessThan(flat.indexOf(USER));
    assertThat(order).anySatisfy(group -> assertThat(group).containsExactlyInAnyOrder(USER, TENANT));
    assertThat(order).anySatisfy(group -> assertThat(group).containsExactly(NODE));
  }

  @Test
  void truncateLeavesTablesReferencedFromOutsideAndTheirParentsToDelete() {
    PurgePlan plan = PurgePlan.build(GRAPH, List.of(USER), List.of(), true);
    // audit_note (SET NULL) references auth_user, which references custom_auth_tenant
    assertThat(plan.notTruncatable()).containsExactlyInAnyOrder(USER, TENANT);
  }

  @Test
  void keptTableThatMustBePurgedIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> PurgePlan.build(GRAPH, List.of(USER), List.of(NODE), true))
        .isInstanceOfSatisfying(PurgeException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.PlanInvalid);
          assertThat(e.getMessage()).contains("public.node is in --keep").contains("node_django_admin_log_fk");
        });
  }

  @Test
  void keptSetNullReferencerIsFine() {
    PurgePlan plan = PurgePlan.build(GRAPH, List.of(USER), List.of(NOTE), true);
    assertThat(plan.unlinked()).extracting(PurgePlan.Entry::table).containsExactly(NOTE);
  }

  @Test
  void noDependentsRefusesWhenADatabaseCascadeWouldDeleteAnotherTable() {
    assertThatThrownBy(() -> PurgePlan.build(GRAPH, List.of(USER, TENANT, GROUPS), List.of(), false))
        .isInstanceOfSatisfying(PurgeException.class, e -> assertThat(e.getMessage())
            .contains("public.django_admin_log").contains("CASCADE").contains("--no-dependents"));
  }

  @Test
  void noDependentsPlansOnlyTheRoots() {
    PurgePlan plan = PurgePlan.build(GRAPH, List.of(GROUPS), List.of(), false);
    assertThat(plan.purged()).extracting(PurgePlan.Entry::table).containsExactly(GROUPS);
  }
}
