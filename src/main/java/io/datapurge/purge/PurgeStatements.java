package io.datapurge.purge;

import io.datapurge.api.Strategy;
import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The SQL of one plan, in the order a purge runs it inside its transaction: lock the tables, count,
 * remove the rows (DELETE children first, or TRUNCATE … RESTRICT plus DELETE for the tables TRUNCATE
 * cannot take), check the deferred keys, count again to verify. Rendered from the plan alone, so the
 * executor only runs it and {@code purge --dry-run --print-sql} shows exactly what a purge would run.
 *
 * @param lock   LOCK TABLE statements: purged tables ACCESS EXCLUSIVE, unlinked ones ROW EXCLUSIVE
 * @param count  one SELECT of one count per plan entry, in plan order: every row of a purged table,
 *               the linked rows of an unlinked one; run before and (as the verification) after
 * @param remove the statements that empty the purged tables, in order
 * @param checkKeys makes deferred foreign-key checks fail here rather than at COMMIT
 */
public record PurgeStatements(List<String> lock, String count, List<String> remove, String checkKeys) {

  public static final String CHECK_KEYS = "set constraints all immediate";

  public PurgeStatements {
    lock = List.copyOf(lock);
    remove = List.copyOf(remove);
  }

  public static PurgeStatements of(PurgePlan plan, Strategy strategy) {
    List<String> lock = new ArrayList<>();
    lock.add("lock table " + names(plan.purged().stream().map(PurgePlan.Entry::table).toList())
        + " in access exclusive mode");
    if (!plan.unlinked().isEmpty()) {
      lock.add("lock table " + names(plan.unlinked().stream().map(PurgePlan.Entry::table).toList())
          + " in row exclusive mode");
    }
    return new PurgeStatements(lock, count(plan),
        strategy == Strategy.Truncate ? truncate(plan) : deleteGroups(plan.deleteOrder()), CHECK_KEYS);
  }

  /** The count statement again: after the removal, every purged table must count 0 or the purge rolls back. */
  public String verify() {
    return count;
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
    for (String s : remove) out.append(s).append(";\n");
    out.append(checkKeys).append(";\n");
    out.append("-- rows after: every purged table must count 0, else the purge rolls back\n")
        .append(verify()).append(";\n");
    out.append("commit;\n");
    return out.toString();
  }

  private static String count(PurgePlan plan) {
    return plan.entries().stream().map(e -> {
      String from = "(select count(*) from " + e.table().name().sql();
      if (e.purged()) return from + ")";
      return from + " where " + e.links().stream().map(PurgeStatements::linked)
          .collect(Collectors.joining(" or ")) + ")";
    }).collect(Collectors.joining(", ", "select ", ""));
  }

  private static String linked(ForeignKey fk) {
    return fk.columns().stream().map(c -> TableName.quote(c) + " is not null")
        .collect(Collectors.joining(" and ", "(", ")"));
  }

  private static List<String> truncate(PurgePlan plan) {
    Set<Table> deleted = plan.notTruncatable();
    List<Table> truncated = plan.purged().stream().map(PurgePlan.Entry::table)
        .filter(t -> !deleted.contains(t)).toList();
    List<String> result = new ArrayList<>();
    if (!truncated.isEmpty()) result.add("truncate table " + names(truncated) + " restrict");
    result.addAll(deleteGroups(plan.deleteOrder().stream().filter(g -> deleted.contains(g.get(0))).toList()));
    return result;
  }

  /** Children first; the tables of a cycle go in one statement, so their keys are checked together. */
  private static List<String> deleteGroups(List<List<Table>> groups) {
    List<String> result = new ArrayList<>();
    for (List<Table> group : groups) {
      if (group.size() == 1) {
        result.add("delete from " + group.get(0).name().sql());
      } else {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
          parts.add("d" + i + " as (delete from " + group.get(i).name().sql() + ")");
        }
        result.add("with " + String.join(", ", parts) + " select 1");
      }
    }
    return result;
  }

  private static String names(List<Table> tables) {
    return tables.stream().map(t -> t.name().sql()).collect(Collectors.joining(", "));
  }
}
