package io.datapurge.purge;

import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.api.Strategy;
import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The SQL of one plan, in the order a purge runs it inside its transaction: lock the tables, count,
 * remove the rows (drop the keys {@link KeyChecks} checks once, then DELETE children first, or TRUNCATE …
 * RESTRICT plus DELETE for the tables TRUNCATE cannot take), check the deferred keys, re-add the dropped
 * keys, count again to verify. Rendered from the plan alone, so the
 * executor only runs it and {@code purge --dry-run --print-sql} shows exactly what a purge would run.
 *
 * <p>With predicates ({@link PurgeSelection}), a table that keeps some rows is deleted from with its
 * condition and never truncated; each such DELETE reports how many rows it removed. Its rows after are
 * not counted again: they are before minus what the transaction deleted from it, as PostgreSQL's own
 * per-transaction tuple counters report ({@link #netDeleted}), which also see rows a trigger or a
 * cascade added or removed.
 *
 * @param lock   LOCK TABLE statements: purged tables ACCESS EXCLUSIVE, unlinked ones ROW EXCLUSIVE
 * @param count  one SELECT of one count per plan entry, in plan order: every row of a purged table,
 *               the linked rows of an unlinked one; run before the removal
 * @param remove the statements that empty the purged tables, in order
 * @param checkKeys makes deferred foreign-key checks fail here rather than at COMMIT
 * @param removals {@code remove} with the tables whose removed rows each statement reports
 * @param methods {@code truncate} or {@code delete} for every purged table
 * @param selectedCount counts of the rows the predicates select, one per root with a predicate (null: none)
 * @param plannedCount counts of the rows each partly purged table would lose, for dry runs (null: none)
 * @param verify the count statement for the entries counted after the removal: every entry but the partly
 *               purged tables (equals {@code count} without predicates)
 * @param netDeleted rows the transaction removed (deleted minus inserted) from each partly purged table,
 *               from pg_stat_get_xact_tuples_* over the table and its partitions or children (null: none)
 * @param keyChecks the keys between purged tables that {@code remove} drops first, to be re-added
 *               ({@link KeyChecks#readd}) after {@code checkKeys} (and the seed), and the ones it leaves in place
 */
public record PurgeStatements(List<String> lock, String count, List<String> remove, String checkKeys,
    List<Removal> removals, Map<Table, String> methods, String selectedCount, String plannedCount, String verify,
    String netDeleted, KeyChecks keyChecks) {

  public static final String CHECK_KEYS = "set constraints all immediate";
  public static final String TRUNCATE = "truncate";
  public static final String DELETE = "delete";

  /**
   * One removal statement; {@code counted} are the partly purged tables whose removed rows it reports:
   * one table by its update count, several ({@code query}) as the columns of its one result row.
   */
  public record Removal(String sql, List<Table> counted, boolean query, boolean keyDdl) {
    public Removal {
      counted = List.copyOf(counted);
    }

    Removal(String sql, List<Table> counted, boolean query) {
      this(sql, counted, query, false);
    }

    static Removal ddl(String sql) {
      return new Removal(sql, List.of(), false, true);
    }
  }

  public PurgeStatements {
    lock = List.copyOf(lock);
    remove = List.copyOf(remove);
    removals = List.copyOf(removals);
    methods = Collections.unmodifiableMap(new LinkedHashMap<>(methods));
  }

  public static PurgeStatements of(PurgePlan plan, Strategy strategy) {
    return of(plan, strategy, PurgeSelection.all(plan));
  }

  public static PurgeStatements of(PurgePlan plan, Strategy strategy, PurgeSelection selection) {
    return of(plan, strategy, selection, ForeignKeyChecks.Batch);
  }

  public static PurgeStatements of(PurgePlan plan, Strategy strategy, PurgeSelection selection,
      ForeignKeyChecks checks) {
    List<String> lock = new ArrayList<>();
    lock.add("lock table " + names(plan.purged().stream().map(PurgePlan.Entry::table).toList())
        + " in access exclusive mode");
    if (!plan.unlinked().isEmpty()) {
      lock.add("lock table " + names(plan.unlinked().stream().map(PurgePlan.Entry::table).toList())
          + " in row exclusive mode");
    }
    Set<Table> partly = partly(plan, selection);
    Map<Table, String> methods = new LinkedHashMap<>();
    List<Removal> removals;
    if (strategy == Strategy.Truncate) {
      Set<Table> deleted = plan.notTruncatable(partly);
      List<Table> truncated = plan.purged().stream().map(PurgePlan.Entry::table)
          .filter(t -> !deleted.contains(t)).toList();
      removals = new ArrayList<>();
      if (!truncated.isEmpty()) removals.add(new Removal("truncate table " + names(truncated) + " restrict", List.of(), false));
      removals.addAll(deleteGroups(plan.deleteOrder().stream().filter(g -> deleted.contains(g.get(0))).toList(), selection));
      for (PurgePlan.Entry e : plan.purged()) methods.put(e.table(), deleted.contains(e.table()) ? DELETE : TRUNCATE);
    } else {
      removals = deleteGroups(plan.deleteOrder(), selection);
      for (PurgePlan.Entry e : plan.purged()) methods.put(e.table(), DELETE);
    }
    KeyChecks keys = KeyChecks.of(plan, methods.entrySet().stream().filter(m -> m.getValue().equals(DELETE))
        .map(Map.Entry::getKey).collect(Collectors.toSet()), checks);
    if (!keys.batched().isEmpty()) {
      List<Removal> around = new ArrayList<>();
      keys.drop().forEach(s -> around.add(Removal.ddl(s)));
      around.addAll(removals);
      removals = around;
    }
    List<Table> roots = plan.purged().stream().map(PurgePlan.Entry::table)
        .filter(t -> selection.predicate(t) != null).toList();
    List<Table> partlyInOrder = plan.purged().stream().map(PurgePlan.Entry::table).filter(partly::contains).toList();
    String count = count(plan.entries());
    return new PurgeStatements(lock, count, removals.stream().map(Removal::sql).toList(), CHECK_KEYS, removals, methods,
        selectedCount(roots, selection), selectedCount(partlyInOrder, selection),
        partly.isEmpty() ? count : count(plan.entries().stream().filter(e -> !partly.contains(e.table())).toList()),
        netDeleted(partlyInOrder), keys);
  }

  /** The purged tables that keep some rows: a DELETE with a condition, rows after from the counters. */
  public static Set<Table> partly(PurgePlan plan, PurgeSelection selection) {
    Set<Table> result = new LinkedHashSet<>();
    for (PurgePlan.Entry e : plan.purged()) if (!selection.whole(e.table())) result.add(e.table());
    return result;
  }

  /** The count statement after the removal: every purged table counted here must count 0 or the purge rolls back. */
  public String verify() {
    return verify;
  }

  /**
   * A psql-ready script of the purge's transaction. The purge itself also takes its advisory lock and
   * checks the confirmation first, and rolls back instead of committing when a purged table is not empty.
   */
  public String script(Duration lockTimeout, Duration statementTimeout) {
    StringBuilder out = new StringBuilder();
    out.append("begin isolation level read committed, read write;\n");
    out.append("set local lock_timeout = '").append(lockTimeout.toMillis()).append("ms';\n");
    out.append("set local statement_timeout = '").append(statementTimeout.toMillis()).append("ms';\n");
    for (String s : lock) out.append(s).append(";\n");
    out.append("-- rows before\n").append(count).append(";\n");
    if (selectedCount != null) {
      out.append("-- rows the predicates select: each DELETE of a root must remove exactly these\n")
          .append(selectedCount).append(";\n");
    }
    if (!keyChecks.batched().isEmpty()) {
      out.append("-- keys between purged tables: dropped so that PostgreSQL checks them once, when they are re-added"
          + " below, instead of per deleted row (--fk-checks per-row keeps them in place)\n");
    }
    for (String s : remove) out.append(s).append(";\n");
    out.append(checkKeys).append(";\n");
    if (!keyChecks.batched().isEmpty()) {
      out.append("-- the same keys re-added with their definitions: each validates the rows left\n");
      for (String s : keyChecks.readd()) out.append(s).append(";\n");
    }
    if (!verify().equals("select ")) {
      out.append("-- rows after: every purged table must count 0, else the purge rolls back\n")
          .append(verify()).append(";\n");
    }
    if (netDeleted != null) {
      out.append("-- rows removed from the tables that keep rows: must equal what their DELETEs reported\n")
          .append(netDeleted).append(";\n");
    }
    out.append("commit;\n");
    return out.toString();
  }

  private static String count(List<PurgePlan.Entry> entries) {
    return entries.stream().map(e -> {
      String from = "(select count(*) from " + e.table().name().sql();
      if (e.purged()) return from + ")";
      return from + " where " + e.links().stream().map(PurgeStatements::linked)
          .collect(Collectors.joining(" or ")) + ")";
    }).collect(Collectors.joining(", ", "select ", ""));
  }

  private static String selectedCount(List<Table> tables, PurgeSelection selection) {
    if (tables.isEmpty()) return null;
    return tables.stream().map(t -> "(select count(*) from " + t.name().sql() + " where " + selection.condition(t) + ")")
        .collect(Collectors.joining(", ", "select ", ""));
  }

  private static String netDeleted(List<Table> tables) {
    if (tables.isEmpty()) return null;
    return tables.stream().map(t -> "(with recursive r(oid) as (select " + t.oid() + "::oid union all"
            + " select i.inhrelid from pg_inherits i join r on i.inhparent = r.oid)"
            + " select coalesce(sum(pg_stat_get_xact_tuples_deleted(oid) - pg_stat_get_xact_tuples_inserted(oid)), 0)"
            + "::bigint from r)")
        .collect(Collectors.joining(", ", "select ", ""));
  }

  private static String linked(ForeignKey fk) {
    return fk.columns().stream().map(c -> TableName.quote(c) + " is not null")
        .collect(Collectors.joining(" and ", "(", ")"));
  }

  /** Children first; the tables of a cycle go in one statement, so their keys are checked together. */
  private static List<Removal> deleteGroups(List<List<Table>> groups, PurgeSelection selection) {
    List<Removal> result = new ArrayList<>();
    for (List<Table> group : groups) {
      if (group.size() == 1) {
        Table t = group.get(0);
        List<String> parts = selection.conditionParts(t);
        if (parts == null) {
          result.add(new Removal("delete from " + t.name().sql(), List.of(), false));
        } else {
          for (String part : parts) result.add(new Removal("delete from " + t.name().sql() + " where " + part, List.of(t), false));
        }
      } else {
        List<String> parts = new ArrayList<>();
        List<Table> counted = new ArrayList<>();
        List<String> counts = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
          Table t = group.get(i);
          String condition = selection.condition(t);
          parts.add("d" + i + " as (delete from " + t.name().sql()
              + (condition == null ? ")" : " where " + condition + " returning 1)"));
          if (condition != null) {
            counted.add(t);
            counts.add("(select count(*) from d" + i + ")");
          }
        }
        result.add(new Removal("with " + String.join(", ", parts) + " select "
            + (counts.isEmpty() ? "1" : String.join(", ", counts)), counted, !counted.isEmpty()));
      }
    }
    return result;
  }

  private static String names(List<Table> tables) {
    return tables.stream().map(t -> t.name().sql()).collect(Collectors.joining(", "));
  }
}
