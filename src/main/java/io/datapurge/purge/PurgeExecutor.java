package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.Table;
import io.datapurge.purge.PurgeResult.TableCount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one purge in one transaction: refuse unless confirmed, take the purge lock, plan, lock the
 * tables, count, delete or truncate, count again, verify, commit. The plan's SQL comes rendered from
 * {@link PurgeStatements}; this class only runs it. Any failure rolls back, so a failed or refused
 * purge leaves the database as it was. Never throws: the outcome carries the error.
 */
public final class PurgeExecutor {
  private static final Logger log = LoggerFactory.getLogger(PurgeExecutor.class);
  /** First key of the advisory lock that keeps two purges of one database apart ("PURG"). */
  private static final int ADVISORY_CLASS = 0x50555247;

  /**
   * The plan (absent when planning failed) and the result handed back to the caller. {@code identities}
   * are the Auth0 users of the purged rows, read in the transaction from the request's identity column
   * (null when none was asked for); a run found in the ledger hands back the ones it recorded.
   */
  public record Outcome(PurgePlan plan, PurgeResult result, List<String> identities, PurgeSelection selection) {
    public Outcome(PurgePlan plan, PurgeResult result) {
      this(plan, result, null, plan == null ? null : PurgeSelection.all(plan));
    }

    public Outcome(PurgePlan plan, PurgeResult result, List<String> identities) {
      this(plan, result, identities, plan == null ? null : PurgeSelection.all(plan));
    }

    public boolean succeeded() {
      return result.error() == null;
    }
  }

  /** A plan with the rows it selects in each table. */
  private record Planned(PurgePlan plan, PurgeSelection selection) {}

  private final RunLedger ledger;

  /** The ledger this executor records runs in, or null. */
  public RunLedger ledger() {
    return ledger;
  }

  public PurgeExecutor() {
    this(null);
  }

  /** With a ledger, a run id that already committed is not purged again (see {@link RunLedger}). */
  public PurgeExecutor(RunLedger ledger) {
    this.ledger = ledger;
  }

  public Outcome run(Connection connection, PurgeRequest request) {
    long started = System.nanoTime();
    String database = null;
    PurgePlan plan = null;
    List<TableCount> counts = null;
    PurgeStatements sql = null;
    boolean committing = false;
    try {
      if (request.tables().isEmpty()) {
        throw new PurgeException(FailureReason.Usage, "No table to purge: name at least one with --table.");
      }
      if (!request.where().isEmpty() && request.backupSchema() != null) {
        throw new PurgeException(FailureReason.Usage, "--backup-schema copies whole tables and restore puts them"
            + " back whole, which does not fit a purge that keeps rows (--where): drop one of them.");
      }
      connection.setAutoCommit(false);
      execute(connection, request.dryRun()
          ? "set transaction isolation level repeatable read, read only"
          : "set transaction isolation level read committed, read write");
      setTimeouts(connection, request);
      database = queryString(connection, "select current_database()");
      if (!request.dryRun()) {
        refuseUnlessConfirmed(database, request);
        takePurgeLock(connection, database);
        Optional<String> recorded = ledger == null || request.runId() == null ? Optional.empty()
            : ledger.find(connection, request.runId());
        if (recorded.isPresent()) {
          List<String> identities = request.identityColumn() == null ? null : ledger.pending(connection);
          connection.rollback();
          log.info("Run {} already committed; returning its recorded result, deleting nothing", request.runId());
          return new Outcome(null, ResultJson.read(recorded.get()), identities);
        }
      }
      Planned planned = plan(connection, request);
      plan = planned.plan();
      PurgeSelection selection = planned.selection();
      sql = PurgeStatements.of(plan, request.strategy(), selection, request.keyChecks());
      Set<Table> partly = PurgeStatements.partly(plan, selection);
      if (!request.dryRun()) for (String lock : sql.lock()) execute(connection, lock);
      List<Long> before = count(connection, sql.count(), plan.entries().size());
      refuseConflicts(connection, selection);
      List<String> identities = identities(connection, request, plan, selection);
      if (identities != null && ledger != null && !request.dryRun()) { // users an earlier run left in Auth0
        Set<String> all = new java.util.TreeSet<>(identities);
        all.addAll(ledger.pending(connection));
        identities = List.copyOf(all);
      }
      if (request.dryRun()) {
        List<Long> planned0 = sql.plannedCount() == null ? List.of()
            : count(connection, sql.plannedCount(), partly.size());
        connection.rollback();
        counts = tableCounts(plan, before, before, wouldDelete(plan, before, partly, planned0), sql.methods());
        return new Outcome(plan, result(database, request, false, counts, started, null, sql), identities, selection);
      }
      counts = tableCounts(plan, before, before, null, sql.methods());
      List<Long> selected = sql.selectedCount() == null ? List.of()
          : count(connection, sql.selectedCount(), (int) plan.purged().stream()
              .filter(e -> selection.predicate(e.table()) != null).count());
      if (request.backupSchema() != null) Backup.copy(connection, plan, request.backupSchema());
      Map<Table, Long> reported = new HashMap<>();
      for (PurgeStatements.Removal removal : sql.removals()) remove(connection, removal, reported);
      boolean seeding = !request.seed().isEmpty();
      List<Long> removed = null;
      if (request.resetSequences() || seeding) {
        // before the seed, so seeded ids are predictable and a failed seed rolls the sequences back too;
        // a sequence restarts past the largest value its column still holds (rows a predicate kept)
        Seeding.restart(connection, Seeding.ownedSequences(connection,
            plan.purged().stream().map(e -> e.table().oid()).toList()), request.resetSequences());
      }
      if (seeding) {
        removed = after(connection, plan, sql, partly, before);
        Seeding.run(connection, request.seed());
      }
      execute(connection, sql.checkKeys()); // deferred key checks fail here (the seed's too), not at COMMIT
      // after the pending deferred checks fired (ALTER TABLE refuses a table with pending trigger events);
      // each re-added key validates the rows left and the seed's
      for (String readd : sql.keyChecks().readd()) keyDdl(connection, readd);
      List<Long> deleted = deleted(plan, before, reported);
      counts = tableCounts(plan, before, after(connection, plan, sql, partly, before), deleted, sql.methods(), removed);
      verify(plan, selection, counts, selected, reported);
      PurgeResult done = result(database, request, true, counts, started, null, sql);
      if (ledger != null && request.runId() != null) ledger.record(connection, request.runId(), done, identities);
      committing = true;
      connection.commit();
      return new Outcome(plan, done, identities, selection);
    } catch (Throwable error) {
      rollbackQuietly(connection);
      PurgeException failure = SqlFailures.classify(error, committing);
      if (failure.reason() == FailureReason.Failed) log.debug("purge failed", error);
      if (counts != null && !committing) {
        List<Long> zero = counts.stream().map(c -> 0L).toList();
        counts = tableCounts(plan, befores(counts), befores(counts), zero, methods(plan, counts));
      }
      return new Outcome(plan, result(database, request, false, counts, started,
          PurgeResult.Failure.of(failure.reason(), failure.getMessage()), sql));
    }
  }

  /**
   * The one place that decides whether the transaction may commit: per purged table, the rows after
   * must be the rows before less the rows deleted; a root's DELETE must remove exactly the rows its
   * predicate selected before anything was deleted.
   */
  private static void verify(PurgePlan plan, PurgeSelection selection, List<TableCount> counts, List<Long> selected,
      Map<Table, Long> reported) {
    List<String> wrong = new ArrayList<>();
    int root = 0;
    for (int i = 0; i < counts.size(); i++) {
      TableCount c = counts.get(i);
      if (c.role().equals(PurgePlan.UNLINKED)) continue;
      Table t = plan.entries().get(i).table();
      if (c.after() != expectedAfter(c)) {
        wrong.add(c.table() + " (" + c.after() + " rows after, expected " + expectedAfter(c) + " = " + c.before()
            + " before - " + c.deleted() + " deleted" + (c.seeded() == null ? "" : " + " + c.seeded() + " seeded")
            + ")");
      }
      if (selection.predicate(t) != null) {
        long chosen = selected.get(root++);
        if (reported.get(t) != chosen) {
          wrong.add(c.table() + " (its predicate selected " + chosen + " rows, the delete removed "
              + reported.get(t) + ": a predicate must not depend on rows the purge deletes)");
        }
      }
    }
    if (!wrong.isEmpty()) {
      throw new PurgeException(FailureReason.VerificationFailed, "The rows after the purge do not match what it"
          + " deleted in " + String.join(", ", wrong) + " (a trigger or rule added or removed rows?)."
          + " The transaction was rolled back; nothing was deleted.");
    }
  }

  /** Rows after: counted for tables emptied whole and unlinked ones; before less the net removal for the rest. */
  private static List<Long> after(Connection connection, PurgePlan plan, PurgeStatements sql, Set<Table> partly,
      List<Long> before) throws SQLException {
    List<Long> counted = count(connection, sql.verify(), plan.entries().size() - partly.size());
    List<Long> net;
    if (partly.isEmpty()) {
      net = List.of();
    } else if ("on".equals(queryString(connection, "select current_setting('track_counts')"))) {
      net = count(connection, sql.netDeleted(), partly.size());
    } else { // without the server's tuple counters, count the rows instead
      List<Long> rows = new ArrayList<>();
      for (PurgePlan.Entry e : plan.entries()) {
        if (partly.contains(e.table())) {
          rows.add(before.get(plan.entries().indexOf(e))
              - count(connection, "select count(*) from " + e.table().name().sql(), 1).get(0));
        }
      }
      net = rows;
    }
    List<Long> after = new ArrayList<>();
    int c = 0;
    int n = 0;
    for (int i = 0; i < plan.entries().size(); i++) {
      after.add(partly.contains(plan.entries().get(i).table()) ? before.get(i) - net.get(n++) : counted.get(c++));
    }
    return after;
  }

  private static void remove(Connection connection, PurgeStatements.Removal removal, Map<Table, Long> reported)
      throws SQLException {
    if (removal.keyDdl()) {
      keyDdl(connection, removal.sql());
      return;
    }
    log.debug("{}", removal.sql());
    try (Statement st = connection.createStatement()) {
      if (removal.query()) {
        try (ResultSet rs = st.executeQuery(removal.sql())) {
          rs.next();
          for (int i = 0; i < removal.counted().size(); i++) reported.put(removal.counted().get(i), rs.getLong(i + 1));
        }
      } else if (removal.counted().isEmpty()) {
        st.execute(removal.sql());
      } else {
        reported.merge(removal.counted().get(0), st.executeLargeUpdate(removal.sql()), Long::sum);
      }
    }
  }

  /**
   * Drops or re-adds a key ({@link KeyChecks}). A refusal that is not about the rows (an event trigger
   * forbidding DDL, a dependent object, a privilege) names the way around it; a key violation on
   * re-adding is about the rows and is reported as such.
   */
  private static void keyDdl(Connection connection, String sql) throws SQLException {
    try {
      execute(connection, sql);
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (!(state.startsWith("2B") || state.startsWith("42") || state.startsWith("P0"))) throw e;
      String message = e.getMessage() == null ? "no message" : e.getMessage().strip().lines().findFirst().orElse("");
      throw new PurgeException(FailureReason.Failed, "The purge drops the foreign keys between purged tables and"
          + " re-adds them to check them once, and PostgreSQL refused `" + sql + "` (SQLSTATE " + state + ": "
          + message + "). The transaction was rolled back; nothing was deleted. Run with --fk-checks per-row"
          + " (spec.foreignKeyChecks: PerRow) to keep every key in place.", e);
    }
  }

  private static List<Long> deleted(PurgePlan plan, List<Long> before, Map<Table, Long> reported) {
    List<Long> result = new ArrayList<>();
    for (int i = 0; i < plan.entries().size(); i++) {
      PurgePlan.Entry e = plan.entries().get(i);
      result.add(!e.purged() ? 0L : reported.getOrDefault(e.table(), before.get(i)));
    }
    return result;
  }

  private static List<Long> wouldDelete(PurgePlan plan, List<Long> before, Set<Table> partly, List<Long> planned) {
    List<Long> result = new ArrayList<>();
    int p = 0;
    for (int i = 0; i < plan.entries().size(); i++) {
      PurgePlan.Entry e = plan.entries().get(i);
      result.add(!e.purged() ? 0L : partly.contains(e.table()) ? planned.get(p++) : before.get(i));
    }
    return result;
  }

  /** Kept root rows that reference purged rows: refused before anything is deleted. */
  private static void refuseConflicts(Connection connection, PurgeSelection selection) throws SQLException {
    List<String> found = new ArrayList<>();
    for (PurgeSelection.Conflict c : selection.conflicts()) {
      long rows = count(connection, c.countSql(), 1).get(0);
      if (rows == 0) continue;
      found.add(rows + " rows of " + c.root() + " that its predicate keeps reference rows this purge deletes from "
          + c.key().parent() + " (" + c.key().name() + ", ON DELETE " + c.key().action() + "); purge them too with"
          + " --where \"" + c.root().name().name() + "=" + c.suggestion() + "\", or keep the rows they reference");
    }
    if (!found.isEmpty()) {
      throw new PurgeException(FailureReason.PlanInvalid, "The plan is invalid: " + String.join("; ", found)
          + ". Nothing was deleted.");
    }
  }

  /** The Auth0 users of the purged rows of the first root, read before anything is deleted. */
  private static List<String> identities(Connection connection, PurgeRequest request, PurgePlan plan,
      PurgeSelection selection) throws SQLException {
    if (request.identityColumn() == null) return null;
    Table root = plan.entries().get(0).table();
    String column = TableName.quote(request.identityColumn().column());
    String condition = selection.condition(root);
    String sql = "select distinct " + column + "::text from " + root.name().sql() + " where " + column
        + " is not null and " + column + "::text <> ''" + (condition == null ? "" : " and " + condition) + " order by 1";
    List<String> ids = new ArrayList<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) ids.add(rs.getString(1));
    } catch (SQLException e) {
      if ("42703".equals(e.getSQLState())) {
        throw new PurgeException(FailureReason.Usage, "The Auth0 " + (request.identityColumn().email() ? "email" : "user id")
            + " column " + request.identityColumn().column() + " does not exist in " + root
            + ": name a column of the first --table. Nothing was deleted.", e);
      }
      throw e;
    }
    return ids;
  }

  private static Map<Table, String> methods(PurgePlan plan, List<TableCount> counts) {
    Map<Table, String> m = new HashMap<>();
    for (int i = 0; i < counts.size(); i++) {
      if (counts.get(i).method() != null) m.put(plan.entries().get(i).table(), counts.get(i).method());
    }
    return m;
  }

  private static void refuseUnlessConfirmed(String database, PurgeRequest request) {
    if (request.protectedPattern() != null && request.protectedPattern().matcher(database).matches()
        && !request.allowProtected()) {
      throw new PurgeException(FailureReason.ProtectedDatabase, "Database " + database
          + " matches the protected pattern " + request.protectedPattern().pattern()
          + ": refusing to purge it. Pass --allow-protected if you really mean this database.");
    }
    if (request.confirm() != null && !request.confirm().equals(database)) {
      throw new PurgeException(FailureReason.ConfirmationMismatch, "--confirm " + request.confirm()
          + " does not match the database the server is connected to (" + database
          + "): pass --confirm " + database + " to purge it.");
    }
    if (request.confirm() == null && !request.force()) {
      throw new PurgeException(FailureReason.Refused, "No confirmation: pass --confirm " + database
          + " (or --force), or run on a terminal to answer the prompt. Use --dry-run to see the plan.");
    }
  }

  private static void takePurgeLock(Connection connection, String database) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement("select pg_try_advisory_xact_lock(?,"
        + " (select oid::int from pg_database where datname = current_database()))")) {
      st.setInt(1, ADVISORY_CLASS);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          throw new PurgeException(FailureReason.Busy, "Another purge of database " + database
              + " is running: nothing was done. Retry when it has finished.");
        }
      }
    }
  }

  private static Planned plan(Connection connection, PurgeRequest request) throws SQLException {
    List<Table> roots = new ArrayList<>();
    for (TableName t : request.tables()) roots.add(ForeignKeyGraph.resolve(connection, t));
    List<Table> keep = new ArrayList<>();
    for (TableName t : request.keep()) keep.add(ForeignKeyGraph.resolve(connection, t));
    ForeignKeyGraph graph = ForeignKeyGraph.load(connection);
    PurgePlan plan = PurgePlan.build(graph, roots, keep, request.includeDependents());
    Map<Table, String> predicates = new LinkedHashMap<>();
    for (Map.Entry<TableName, String> w : request.where().entrySet()) {
      Table t = ForeignKeyGraph.resolve(connection, w.getKey());
      if (predicates.containsKey(t)) {
        throw new PurgeException(FailureReason.Usage, "--where names " + t + " twice: give one predicate per table"
            + " (combine them with AND / OR).");
      }
      predicates.put(t, w.getValue());
    }
    PurgeSelection selection = PurgeSelection.of(graph, plan, predicates);
    for (Map.Entry<Table, String> p : predicates.entrySet()) PredicateCheck.check(connection, p.getKey(), p.getValue());
    return new Planned(plan.describing(predicates), selection);
  }

  /** Runs a statement of counts: its one row, as many longs as it has columns. */
  private static List<Long> count(Connection connection, String sql, int columns) throws SQLException {
    List<Long> result = new ArrayList<>();
    if (columns == 0) return result;
    log.debug("{}", sql);
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      for (int i = 1; i <= columns; i++) result.add(rs.getLong(i));
    }
    return result;
  }

  /**
   * What a purged table must hold at commit, else the purge rolls back: the rows the delete kept
   * (before - deleted; without a count of deleted rows, the table was emptied) plus the rows the seed added.
   */
  static long expectedAfter(TableCount c) {
    long deleted = c.deleted() == null ? c.before() : c.deleted();
    return c.before() - deleted + (c.seeded() == null ? 0 : c.seeded());
  }

  private static List<TableCount> tableCounts(PurgePlan plan, List<Long> before, List<Long> after, List<Long> deleted,
      Map<Table, String> methods) {
    return tableCounts(plan, before, after, deleted, methods, null);
  }

  /**
   * With {@code removed} (the rows after the delete, taken before the seed): {@code seeded} is the
   * difference to {@code after}. Exact: the plan's tables are locked, so only this transaction writes them.
   */
  private static List<TableCount> tableCounts(PurgePlan plan, List<Long> before, List<Long> after, List<Long> deleted,
      Map<Table, String> methods, List<Long> removed) {
    List<TableCount> result = new ArrayList<>();
    for (int i = 0; i < plan.entries().size(); i++) {
      PurgePlan.Entry e = plan.entries().get(i);
      result.add(new TableCount(e.table().toString(), e.role(), before.get(i), after.get(i),
          deleted == null ? null : deleted.get(i), methods.get(e.table()),
          removed == null ? null : after.get(i) - removed.get(i)));
    }
    return result;
  }

  private static List<Long> befores(List<TableCount> counts) {
    return counts.stream().map(TableCount::before).toList();
  }

  private static PurgeResult result(String database, PurgeRequest request, boolean committed,
      List<TableCount> counts, long started, PurgeResult.Failure error, PurgeStatements sql) {
    boolean seeded = counts != null && counts.stream().anyMatch(c -> c.seeded() != null);
    PurgeResult.Totals totals = counts == null ? null : new PurgeResult.Totals(
        counts.stream().filter(c -> !c.role().equals(PurgePlan.UNLINKED)).mapToLong(TableCount::before).sum(),
        counts.stream().filter(c -> !c.role().equals(PurgePlan.UNLINKED)).mapToLong(TableCount::after).sum(),
        counts.stream().anyMatch(c -> c.deleted() == null) ? null : counts.stream()
            .filter(c -> !c.role().equals(PurgePlan.UNLINKED)).mapToLong(TableCount::deleted).sum(),
        seeded ? counts.stream().filter(c -> !c.role().equals(PurgePlan.UNLINKED) && c.seeded() != null)
            .mapToLong(TableCount::seeded).sum() : null);
    List<PurgeResult.SeedFile> seed = request.seed().isEmpty() ? null
        : request.seed().stream().map(s -> new PurgeResult.SeedFile(s.file(), s.size())).toList();
    return new PurgeResult(database, request.strategy().label(), request.dryRun(), committed, counts, totals,
        (System.nanoTime() - started) / 1_000_000, error, request.runId(), null, null, seed,
        sql == null ? null : sql.keyChecks().summary());
  }

  private static void setTimeouts(Connection connection, PurgeRequest request) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement(
        "select set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true)")) {
      st.setString(1, request.lockTimeout().toMillis() + "ms");
      st.setString(2, request.statementTimeout().toMillis() + "ms");
      st.execute();
    }
  }

  static void execute(Connection connection, String sql) throws SQLException {
    log.debug("{}", sql);
    try (Statement st = connection.createStatement()) {
      st.execute(sql);
    }
  }

  static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      if (!connection.isClosed() && !connection.getAutoCommit()) connection.rollback();
    } catch (SQLException | RuntimeException ignored) {
      // the connection is gone; the server rolls the transaction back
    }
  }
}
