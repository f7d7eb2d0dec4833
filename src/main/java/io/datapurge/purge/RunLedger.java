package io.datapurge.purge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * A table in the purged database that records each committed run by its run id, written in the
 * purge's own transaction: the run is recorded if and only if its deletes are committed. A second
 * execution of the same run (a re-executed pod, a retried command) finds its record after taking
 * the purge lock, deletes nothing and hands back the first execution's result, so the counts the
 * operator reads are always those of the run that deleted the rows. Dry runs are not recorded.
 */
public final class RunLedger {
  /** The table the operator's Jobs use: created on first use in the first schema of the search_path. */
  public static final String DEFAULT_TABLE = "datapurge_runs";

  private final TableName table;

  public RunLedger(TableName table) {
    this.table = table;
  }

  public TableName table() {
    return table;
  }

  /** The result JSON recorded for {@code runId}, if that run already committed. */
  Optional<String> find(Connection connection, String runId) throws SQLException {
    if (!exists(connection)) return Optional.empty();
    try (PreparedStatement st = connection.prepareStatement(
        "select result::text from " + table.sql() + " where run_id = ?")) {
      st.setString(1, runId);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  private boolean exists(Connection connection) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement("select to_regclass(?) is not null")) {
      st.setString(1, table.sql());
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Records the run in the current transaction; it commits (or rolls back) with the purge. */
  void record(Connection connection, String runId, PurgeResult result) throws SQLException {
    // CREATE TABLE IF NOT EXISTS still needs CREATE on the schema, so a DBA who pre-created the
    // table for a role without it would see every purge fail: create only when it is missing.
    if (!exists(connection)) {
      PurgeExecutor.execute(connection, "create table " + table.sql()
          + " (run_id text primary key, database text not null, finished_at timestamptz not null default now(),"
          + " result jsonb not null)");
    }
    try (PreparedStatement st = connection.prepareStatement("insert into " + table.sql()
        + " (run_id, database, result) values (?, current_database(), ?::jsonb)")) {
      st.setString(1, runId);
      st.setString(2, ResultJson.write(result));
      st.executeUpdate();
    }
  }
}
