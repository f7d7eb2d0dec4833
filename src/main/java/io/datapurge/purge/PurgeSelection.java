package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which rows of each purged table a plan removes, as SQL conditions over that table's own columns.
 *
 * <p>A root with a predicate ({@code --where}) loses the rows its predicate selects; a root without
 * one, all rows ("whole"). A dependent loses the rows that reference a removed row through a key the
 * plan follows, transitively: its condition is the OR, over those keys, of a semi-join
 * {@code (cols) IN (SELECT parent_cols FROM parent WHERE parent's condition)}. A dependent of a table
 * purged whole is purged whole, so without any predicate every table is emptied, exactly as before.
 *
 * <p>The conditions are evaluated by DELETEs run children first, so each one still sees the parent rows
 * it joins on. A kept root row that references a removed row cannot stay (its key would break, or a
 * CASCADE would remove it): {@link #conflicts()} counts those before anything is deleted.
 */
public final class PurgeSelection {

  /** Kept rows of {@code root} that reference rows the purge removes from {@code key.parent()}. */
  public record Conflict(Table root, ForeignKey key, String countSql, String suggestion) {}

  private final Map<Table, String> predicates;
  private final Set<Table> whole;
  private final Map<Table, String> conditions = new LinkedHashMap<>();
  private final Map<Table, List<String>> parts = new LinkedHashMap<>();
  private final List<Conflict> conflicts = new ArrayList<>();

  private PurgeSelection(Map<Table, String> predicates, Set<Table> whole) {
    this.predicates = predicates;
    this.whole = whole;
  }

  /** No predicate: every purged table is emptied. */
  public static PurgeSelection all(PurgePlan plan) {
    Set<Table> whole = new LinkedHashSet<>();
    for (PurgePlan.Entry e : plan.purged()) whole.add(e.table());
    return new PurgeSelection(Map.of(), whole);
  }

  /**
   * @param predicates root table to its predicate, already checked by {@link PredicateCheck}; every key
   *     must be a root of the plan
   */
  public static PurgeSelection of(ForeignKeyGraph graph, PurgePlan plan, Map<Table, String> predicates) {
    if (predicates.isEmpty()) return all(plan);
    Set<Table> purged = new LinkedHashSet<>();
    for (PurgePlan.Entry e : plan.purged()) purged.add(e.table());
    for (Table t : predicates.keySet()) {
      boolean root = plan.purged().stream().anyMatch(e -> e.table().equals(t) && e.role().equals(PurgePlan.ROOT));
      if (!root) {
        throw new PurgeException(FailureReason.Usage, "--where names " + t + ", which is not one of the tables"
            + " named with --table: a predicate chooses the rows of a root; add --table " + t + " or drop its --where.");
      }
    }
    // Followed keys between purged tables, by child: the semi-joins of the dependents' conditions.
    Map<Table, List<ForeignKey>> keysOf = new HashMap<>();
    for (Table parent : purged) {
      for (ForeignKey fk : graph.referencing(parent)) {
        if (fk.removesReferencingRows() && purged.contains(fk.child())) {
          keysOf.computeIfAbsent(fk.child(), t -> new ArrayList<>()).add(fk);
        }
      }
    }
    Set<Table> whole = new LinkedHashSet<>();
    for (PurgePlan.Entry e : plan.purged()) {
      if (e.role().equals(PurgePlan.ROOT) && !predicates.containsKey(e.table())) whole.add(e.table());
    }
    for (boolean grew = true; grew; ) {
      grew = false;
      for (Table t : purged) {
        if (whole.contains(t) || predicates.containsKey(t)) continue;
        if (keysOf.getOrDefault(t, List.of()).stream().anyMatch(fk -> whole.contains(fk.parent()))) {
          grew = whole.add(t) || grew;
        }
      }
    }
    PurgeSelection s = new PurgeSelection(Map.copyOf(predicates), whole);
    for (Table t : purged) s.condition(t, keysOf, new HashSet<>());
    for (Table root : predicates.keySet()) {
      for (ForeignKey fk : keysOf.getOrDefault(root, List.of())) {
        String references = s.references(fk);
        String keptAndReferencing = "(" + predicates.get(root) + ") is not true and " + references;
        s.conflicts.add(new Conflict(root, fk,
            "select count(*) from " + root.name().sql() + " where " + keptAndReferencing,
            "(" + predicates.get(root) + ") or " + references));
      }
    }
    return s;
  }

  /** The condition of a table, computed once; a cycle among selectively purged dependents is refused. */
  private String condition(Table t, Map<Table, List<ForeignKey>> keysOf, Set<Table> visiting) {
    if (whole.contains(t)) return null;
    if (conditions.containsKey(t)) return conditions.get(t);
    if (predicates.containsKey(t)) {
      conditions.put(t, "(" + predicates.get(t) + ")");
      parts.put(t, List.of(conditions.get(t)));
      return conditions.get(t);
    }
    if (!visiting.add(t)) {
      throw new PurgeException(FailureReason.PlanInvalid, t + " references itself, directly or through other"
          + " dependents, and is purged by a predicate: which of its rows go would need a recursive query, which"
          + " --where does not support yet. Name " + t + " with --table (with its own --where), or purge without"
          + " --where.");
    }
    List<String> parts = new ArrayList<>();
    for (ForeignKey fk : keysOf.getOrDefault(t, List.of())) {
      condition(fk.parent(), keysOf, visiting);
      parts.add(references(fk));
    }
    visiting.remove(t);
    String condition = parts.isEmpty() ? "false" : parts.size() == 1 ? parts.get(0)
        : parts.stream().map(p -> "(" + p + ")").collect(Collectors.joining(" or "));
    conditions.put(t, condition);
    this.parts.put(t, parts.isEmpty() ? List.of(condition) : List.copyOf(parts));
    return condition;
  }

  /** Rows of the key's child that reference a removed row of its parent (MATCH SIMPLE: nulls reference nothing). */
  private String references(ForeignKey fk) {
    if (whole.contains(fk.parent())) {
      return fk.columns().stream().map(c -> TableName.quote(c) + " is not null")
          .collect(Collectors.joining(" and ", fk.columns().size() == 1 ? "" : "(", fk.columns().size() == 1 ? "" : ")"));
    }
    if (fk.parentColumns().size() != fk.columns().size()) {
      throw new IllegalStateException("referenced columns of " + fk.name() + " unknown");
    }
    return columns(fk.columns()) + " in (select " + fk.parentColumns().stream().map(TableName::quote)
        .collect(Collectors.joining(", ")) + " from " + fk.parent().name().sql() + " where "
        + conditions.get(fk.parent()) + ")";
  }

  private static String columns(List<String> cols) {
    String list = cols.stream().map(TableName::quote).collect(Collectors.joining(", "));
    return cols.size() == 1 ? list : "(" + list + ")";
  }

  /** Whether any predicate was given; without one, a purge runs exactly as it did before predicates. */
  public boolean selective() {
    return !predicates.isEmpty();
  }

  /** The table loses every row (a root without predicate, or a dependent of such a table). */
  public boolean whole(Table t) {
    return whole.contains(t);
  }

  /** The predicate given for a root, or null. */
  public String predicate(Table t) {
    return predicates.get(t);
  }

  /** SQL condition over the table's columns selecting the rows it loses; null when it loses all. */
  public String condition(Table t) {
    return whole.contains(t) ? null : conditions.get(t);
  }

  /**
   * The condition of a partly purged table as the terms of its OR, one per followed key: deleting term
   * by term lets PostgreSQL turn each IN into a semi-join (with an index, for one user's rows), where
   * an OR of INs forces a scan of the whole table.
   */
  public List<String> conditionParts(Table t) {
    return whole.contains(t) ? null : parts.get(t);
  }

  public List<Conflict> conflicts() {
    return List.copyOf(conflicts);
  }
}
