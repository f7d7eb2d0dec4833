package io.datapurge.purge;

import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.purge.ForeignKeyGraph.Ddl;
import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which foreign keys a purge checks once, after its DELETEs, instead of once per deleted row.
 *
 * <p>PostgreSQL checks a key for every row deleted from the table it references: ~90 % of a DELETE
 * purge's time. When the plan deletes from the referencing table too, those checks are redundant:
 * the rows they look for go in the same transaction. So, with {@link ForeignKeyChecks#Batch} (the
 * default), such a key is dropped before the DELETEs and re-added with its exact definition after
 * them, all inside the purge's transaction with both tables locked: re-adding validates the key over
 * the rows left (none, when the tables were emptied; the kept rows, with a predicate), and any
 * failure rolls the drop back with everything else. A key stays in place, checked per row, when
 * dropping it could change the outcome or the purge may not re-create it; {@link Kept#why} says why.
 * Keys from tables outside the plan (kept rows, SET NULL links) are never touched.
 *
 * @param batched the keys dropped and re-added, in plan order
 * @param perRow  the plan's other keys from a table it deletes from, with the reason each stays
 */
public record KeyChecks(ForeignKeyChecks mode, List<ForeignKey> batched, List<Kept> perRow) {

  /** A key checked per deleted row, and why. */
  public record Kept(ForeignKey key, String why) {}

  public KeyChecks {
    batched = List.copyOf(batched);
    perRow = List.copyOf(perRow);
  }

  /**
   * The decision for a plan: {@code deleted} are the tables the purge DELETEs from (TRUNCATE checks
   * no key per row, so keys referencing a truncated table are not listed).
   */
  public static KeyChecks of(PurgePlan plan, Set<Table> deleted, ForeignKeyChecks mode) {
    List<ForeignKey> batched = new ArrayList<>();
    List<Kept> perRow = new ArrayList<>();
    for (ForeignKey fk : plan.internalKeys()) {
      if (!deleted.contains(fk.parent())) continue;
      String why = why(fk, mode);
      if (why == null) batched.add(fk); else perRow.add(new Kept(fk, why));
    }
    return new KeyChecks(mode, batched, perRow);
  }

  /** Why a key the plan could check once stays in place (null: it is dropped and re-added). */
  static String why(ForeignKey fk, ForeignKeyChecks mode) {
    if (mode == ForeignKeyChecks.PerRow) return "--fk-checks per-row";
    Ddl ddl = fk.ddl();
    if (ddl == null) return "its definition was not read from the catalog";
    if (!ddl.validated()) return "NOT VALID: a re-added copy would check no row";
    if (fk.onDelete() == 'n' || fk.onDelete() == 'd') return "ON DELETE " + fk.action() + " changes the referencing rows";
    if (ddl.partitioned()) return "partitioned table";
    if (!ddl.owner()) return "not owner of " + fk.child();
    if (!ddl.mayReference()) return "no REFERENCES privilege on " + fk.parent();
    return null;
  }

  /** Run before the removal. */
  public List<String> drop() {
    return batched.stream().map(fk -> "alter table " + fk.child().name().sql() + " drop constraint "
        + TableName.quote(fk.name())).toList();
  }

  /** Run after the removal: each key with its exact definition (validating it), then its comment. */
  public List<String> readd() {
    List<String> sql = new ArrayList<>();
    for (ForeignKey fk : batched) {
      sql.add("alter table " + fk.child().name().sql() + " add constraint " + TableName.quote(fk.name()) + " "
          + fk.ddl().definition());
    }
    for (ForeignKey fk : batched) if (fk.ddl().comment() != null) sql.add(fk.ddl().comment());
    return sql;
  }

  /** What the result reports: the mode, how many keys ran each way, and why some stayed (at most 3 named). */
  public PurgeResult.KeyChecks summary() {
    List<String> why = perRow.stream().filter(k -> mode != ForeignKeyChecks.PerRow)
        .map(k -> k.key().qualifiedName() + ": " + k.why()).toList();
    return new PurgeResult.KeyChecks(mode.label(), batched.size(), perRow.size(),
        why.isEmpty() ? null : why.size() <= 3 ? why
            : List.of(why.get(0), why.get(1), why.get(2), "and " + (why.size() - 3) + " more"));
  }
}
