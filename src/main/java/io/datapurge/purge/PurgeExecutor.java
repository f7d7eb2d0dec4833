package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.Table;
import io.datapurge.purge.PurgeResult.TableCount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

  /** The plan (absent when planning failed) and the result handed back to the caller. */
  public record Outcome(PurgePlan plan, PurgeResult result) {
    public boolean succeeded() {
      return result.error() == null;
    }
  }

  private final RunLedger ledger;

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
    boolean committing = false;
    try {
      if (request.tables().isEmpty()) {
        throw new PurgeException(FailureReason.Usage, "No table to purge: name at least one with --table.");
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
          connection.rollback();
          log.info("Run {} already committed; returning its recorded result, deleting nothing", request.runId());
          return new Outcome(null, ResultJson.read(recorded.get()));
        }
      }
      plan = plan(connection, request);
      PurgeStatements sql = PurgeStatements.of(plan, request.strategy());
      if (!request.dryRun()) for (String lock : sql.lock()) execute(connection, lock);
      List<Long> before = count(connection, plan, sql.count());
      if (request.dryRun()) {
        connection.rollback();
        counts = tableCounts(plan, before, before);
        return new Outcome(plan, result(database, request, false, counts, started, null));
      }
      counts = tableCounts(plan, before, before);
      if (request.backupSchema() != null) Backup.copy(connection, plan, request.backupSchema());
      for (String remove : sql.remove()) execute(connection, remove);
      boolean seeding = !request.seed().isEmpty();
      List<Long> removed = null;
      if (request.resetSequences() || seeding) {
        // before the seed, so seeded ids are predictable and a failed seed rolls the sequences back too
        Seeding.restart(connection, Seeding.ownedSequences(connection,
            plan.purged().stream().map(e -> e.table().oid()).toList()), request.resetSequences());
      }
      if (seeding) {
        removed = count(connection, plan, sql.verify());
        Seeding.run(connection, request.seed());
      }
      execute(connection, sql.checkKeys()); // deferred key checks fail here (the seed's too), not at COMMIT
      counts = tableCounts(plan, before, count(connection, plan, sql.verify()), removed);
      List<String> notEmpty = counts.stream()
          .filter(c -> !c.role().equals(PurgePlan.UNLINKED) && c.after() != expectedAfter(c))
          .map(c -> c.table() + " (" + c.after() + " rows" + (c.seeded() == null ? "" : ", " + expectedAfter(c)
              + " expected") + ")").toList();
      if (!notEmpty.isEmpty()) {
        throw new PurgeException(FailureReason.VerificationFailed, "Rows remained after the purge in "
            + String.join(", ", notEmpty) + " (a trigger or rule put them back?)."
            + " The transaction was rolled back; nothing was deleted.");
      }
      PurgeResult done = result(database, request, true, counts, started, null);
      if (ledger != null && request.runId() != null) ledger.record(connection, request.runId(), done);
      committing = true;
      connection.commit();
      return new Outcome(plan, done);
    } catch (Throwable error) {
      rollbackQuietly(connection);
      PurgeException failure = SqlFailures.classify(error, committing);
      if (failure.reason() == FailureReason.Failed) log.debug("purge failed", error);
      if (counts != null && !committing) counts = tableCounts(plan, befores(counts), befores(counts));
      return new Outcome(plan, result(database, request, false, counts, started,
          PurgeResult.Failure.of(failure.reason(), failure.getMessage())));
    }
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

  private static PurgePlan plan(Connection connection, PurgeRequest request) throws SQLException {
    List<Table> roots = new ArrayList<>();
    for (TableName t : request.tables()) roots.add(ForeignKeyGraph.resolve(connection, t));
    List<Table> keep = new ArrayList<>();
    for (TableName t : request.keep()) keep.add(ForeignKeyGraph.resolve(connection, t));
    return PurgePlan.build(ForeignKeyGraph.load(connection), roots, keep, request.includeDependents());
  }

  /** Runs the plan's count statement: one count per plan entry, in plan order. */
  private static List<Long> count(Connection connection, PurgePlan plan, String sql) throws SQLException {
    List<Long> result = new ArrayList<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      for (int i = 1; i <= plan.entries().size(); i++) result.add(rs.getLong(i));
    }
    return result;
  }

  /**
   * What a purged table must hold at commit, else the purge rolls back: the rows the delete kept
   * (before - deleted; a purged table is emptied, so deleted = before) plus the rows the seed added.
   */
  static long expectedAfter(TableCount c) {
    long deleted = c.before();
    return c.before() - deleted + (c.seeded() == null ? 0 : c.seeded());
  }

  private static List<TableCount> tableCounts(PurgePlan plan, List<Long> before, List<Long> after) {
    return tableCounts(plan, before, after, null);
  }

  /**
   * With {@code removed} (the counts after the delete, taken before the seed): {@code seeded} is the
   * difference to {@code after}. Exact: the plan's tables are locked, so only this transaction writes them.
   */
  private static List<TableCount> tableCounts(PurgePlan plan, List<Long> before, List<Long> after, List<Long> removed) {
    List<TableCount> result = new ArrayList<>();
    for (int i = 0; i < plan.entries().size(); i++) {
      PurgePlan.Entry e = plan.entries().get(i);
      result.add(new TableCount(e.table().toString(), e.role(), before.get(i), after.get(i),
          removed == null ? null : after.get(i) - removed.get(i)));
    }
    return result;
  }

  private static List<Long> befores(List<TableCount> counts) {
    return counts.stream().map(TableCount::before).toList();
  }

  private static PurgeResult result(String database, PurgeRequest request, boolean committed,
      List<TableCount> counts, long started, PurgeResult.Failure error) {
    boolean seeded = counts != null && counts.stream().anyMatch(c -> c.seeded() != null);
    PurgeResult.Totals totals = counts == null ? null : new PurgeResult.Totals(
        counts.stream().filter(c -> !c.role().equals(PurgePlan.UNLINKED)).mapToLong(TableCount::before).sum(),
        counts.stream().filter(c -> !c.role().equals(PurgePlan.UNLINKED)).mapToLong(TableCount::after).sum(),
        seeded ? counts.stream().filter(c -> !c.role().equals(PurgePlan.UNLINKED) && c.seeded() != null)
            .mapToLong(TableCount::seeded).sum() : null);
    List<PurgeResult.SeedFile> seed = request.seed().isEmpty() ? null
        : request.seed().stream().map(s -> new PurgeResult.SeedFile(s.file(), s.size())).toList();
    return new PurgeResult(database, request.strategy().label(), request.dryRun(), committed, counts, totals,
        (System.nanoTime() - started) / 1_000_000, error, request.runId(), null, null, seed);
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
