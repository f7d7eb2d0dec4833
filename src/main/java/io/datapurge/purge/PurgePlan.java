package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which tables a purge empties, why each is included, which referencing tables only lose their
 * link, and the order that satisfies every foreign key. Built from the catalog before anything is
 * locked or deleted, so an impossible plan (a kept table that would have to be purged) deletes nothing.
 */
public final class PurgePlan {
  public static final String ROOT = "root";
  public static final String DEPENDENT = "dependent";
  public static final String UNLINKED = "unlinked";

  /** A table of the plan; for an unlinked table, {@code links} are the keys whose columns are nulled. */
  public record Entry(Table table, String role, String why, List<ForeignKey> links) {
    public boolean purged() {
      return !role.equals(UNLINKED);
    }
  }

  private final List<Entry> entries;
  private final Map<Table, List<Table>> parentsInPlan;
  private final Set<Table> referencedFromOutside;
  private final List<ForeignKey> internalKeys;

  private PurgePlan(List<Entry> entries, Map<Table, List<Table>> parentsInPlan, Set<Table> referencedFromOutside,
      List<ForeignKey> internalKeys) {
    this.entries = List.copyOf(entries);
    this.parentsInPlan = parentsInPlan;
    this.referencedFromOutside = referencedFromOutside;
    this.internalKeys = List.copyOf(internalKeys);
  }

  public static PurgePlan build(ForeignKeyGraph graph, List<Table> roots, List<Table> keep, boolean includeDependents) {
    Map<Table, Entry> purged = new LinkedHashMap<>();
    for (Table root : roots) {
      if (keep.contains(root)) {
        throw new PurgeException(FailureReason.PlanInvalid,
            root + " is named by both --table and --keep: remove it from one of them.");
      }
      purged.putIfAbsent(root, new Entry(root, ROOT, "named with --table", List.of()));
    }
    List<ForeignKey> outsideLinks = new ArrayList<>();
    Deque<Table> queue = new ArrayDeque<>(purged.keySet());
    while (!queue.isEmpty()) {
      Table parent = queue.poll();
      for (ForeignKey fk : graph.referencing(parent)) {
        Table child = fk.child();
        if (!fk.removesReferencingRows()) {
          outsideLinks.add(fk);
          continue;
        }
        if (purged.containsKey(child)) continue;
        String reason = "references " + parent + " (" + fk.name() + ", ON DELETE " + fk.action() + ")";
        if (!includeDependents) {
          if (fk.onDelete() == 'c') {
            throw new PurgeException(FailureReason.PlanInvalid, child + " " + reason
                + ", so purging " + parent + " would delete its rows, but --no-dependents leaves it alone:"
                + " drop --no-dependents or add " + child + " with --table.");
          }
          outsideLinks.add(fk); // rows here would block the delete; PostgreSQL reports them, we roll back
          continue;
        }
        if (keep.contains(child)) {
          throw new PurgeException(FailureReason.PlanInvalid, child + " is in --keep, but it " + reason
              + ", so its rows would have to be purged too: remove it from --keep, or do not purge " + parent + ".");
        }
        purged.put(child, new Entry(child, DEPENDENT, reason, List.of()));
        queue.add(child);
      }
    }

    Map<Table, List<ForeignKey>> unlinked = new LinkedHashMap<>();
    Set<Table> referencedFromOutside = new LinkedHashSet<>();
    for (ForeignKey fk : outsideLinks) {
      if (purged.containsKey(fk.child())) continue;
      referencedFromOutside.add(fk.parent());
      if (!fk.removesReferencingRows()) unlinked.computeIfAbsent(fk.child(), t -> new ArrayList<>()).add(fk);
    }
    List<Entry> entries = new ArrayList<>(purged.values());
    unlinked.forEach((table, links) -> entries.add(new Entry(table, UNLINKED, links.stream()
        .map(fk -> String.join(", ", fk.columns()) + " set to " + (fk.onDelete() == 'n' ? "NULL" : "DEFAULT")
            + ": references " + fk.parent() + " (" + fk.name() + ", ON DELETE " + fk.action() + ")")
        .collect(Collectors.joining("; ")), List.copyOf(links))));

    Map<Table, List<Table>> parents = new LinkedHashMap<>();
    List<ForeignKey> internal = new ArrayList<>();
    for (Table t : purged.keySet()) parents.put(t, new ArrayList<>());
    for (Table parent : purged.keySet()) {
      for (ForeignKey fk : graph.referencing(parent)) {
        if (!purged.containsKey(fk.child())) continue;
        internal.add(fk);
        if (!fk.child().equals(parent)) parents.get(fk.child()).add(parent);
      }
    }
    return new PurgePlan(entries, parents, referencedFromOutside, internal);
  }

  /** The same plan, with each root's predicate shown in its {@code why} (the readable plan table). */
  public PurgePlan describing(Map<Table, String> predicates) {
    if (predicates.isEmpty()) return this;
    List<Entry> shown = entries.stream().map(e -> predicates.containsKey(e.table())
        ? new Entry(e.table(), e.role(), e.why() + ", where " + predicates.get(e.table()), e.links()) : e).toList();
    return new PurgePlan(shown, parentsInPlan, referencedFromOutside, internalKeys);
  }

  /** The foreign keys whose referencing and referenced tables this plan both purges (self-references too). */
  public List<ForeignKey> internalKeys() {
    return internalKeys;
  }

  public List<Entry> entries() {
    return entries;
  }

  public List<Entry> purged() {
    return entries.stream().filter(Entry::purged).toList();
  }

  public List<Entry> unlinked() {
    return entries.stream().filter(e -> !e.purged()).toList();
  }

  /**
   * Groups of tables to delete, children before parents. A group with more than one table is a
   * foreign-key cycle and must be deleted in one statement, which PostgreSQL checks as a whole.
   */
  public List<List<Table>> deleteOrder() {
    List<List<Table>> parentsFirst = new Tarjan(parentsInPlan).components();
    List<List<Table>> childrenFirst = new ArrayList<>(parentsFirst);
    Collections.reverse(childrenFirst);
    return childrenFirst;
  }

  /**
   * The tables TRUNCATE cannot take: PostgreSQL refuses to truncate a table that a table outside the
   * TRUNCATE references (a SET NULL referencer, whatever its rows hold), and then every table such a
   * table references. These are deleted instead, after the TRUNCATE, which ends in the same state.
   */
  public Set<Table> notTruncatable() {
    return notTruncatable(Set.of());
  }

  /**
   * As {@link #notTruncatable()}, when the tables {@code partly} keep some of their rows (a selective
   * purge deletes from them): they cannot be truncated, nor can any table they reference.
   */
  public Set<Table> notTruncatable(Set<Table> partly) {
    Set<Table> result = new LinkedHashSet<>(referencedFromOutside);
    result.addAll(partly);
    Deque<Table> queue = new ArrayDeque<>(result);
    while (!queue.isEmpty()) {
      for (Table parent : parentsInPlan.getOrDefault(queue.poll(), List.of())) {
        if (result.add(parent)) queue.add(parent);
      }
    }
    return result;
  }

  /** Tarjan's strongly connected components; emits a component after everything it references. */
  private static final class Tarjan {
    private final Map<Table, List<Table>> edges;
    private final Map<Table, Integer> index = new HashMap<>();
    private final Map<Table, Integer> low = new HashMap<>();
    private final Deque<Table> stack = new ArrayDeque<>();
    private final Set<Table> onStack = new LinkedHashSet<>();
    private final List<List<Table>> components = new ArrayList<>();

    Tarjan(Map<Table, List<Table>> edges) {
      this.edges = edges;
    }

    List<List<Table>> components() {
      for (Table t : edges.keySet()) if (!index.containsKey(t)) visit(t);
      return components;
    }

    private void visit(Table t) {
      index.put(t, index.size());
      low.put(t, index.get(t));
      stack.push(t);
      onStack.add(t);
      for (Table next : edges.getOrDefault(t, List.of())) {
        if (!index.containsKey(next)) {
          visit(next);
          low.put(t, Math.min(low.get(t), low.get(next)));
        } else if (onStack.contains(next)) {
          low.put(t, Math.min(low.get(t), index.get(next)));
        }
      }
      if (low.get(t).equals(index.get(t))) {
        List<Table> component = new ArrayList<>();
        Table member;
        do {
          member = stack.pop();
          onStack.remove(member);
          component.add(member);
        } while (!member.equals(t));
        Collections.reverse(component);
        components.add(component);
      }
    }
  }
}
