package io.datapurge.purge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table in the purged database that records each committed run by its run id, written in the
 * purge's own transaction: the run is recorded if and only if its deletes are committed. A second
 * execution of the same run (a re-executed pod, a retried command) finds its record after taking
 * the purge lock, deletes nothing and hands back the first execution's result, so the counts the
 * operator reads are always those of the run that deleted the rows. Dry runs are not recorded.
 *
 * <p>A selective purge with Auth0 also records the Auth0 users of the rows it deleted (key
 * {@code auth0Users} of the stored JSON, never part of the 4 KiB result), so that a rerun after
 * Auth0Incomplete can still delete them although their rows are gone.
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

  /**
   * The Auth0 users recorded by committed runs of this database whose Auth0 half has not finished
   * (see {@link #finished}): a later run deletes them too, although their rows are gone.
   */
  public List<String> pending(Connection connection) throws SQLException {
    List<String> ids = new ArrayList<>();
    if (!exists(connection)) return ids;
    try (PreparedStatement st = connection.prepareStatement("select distinct jsonb_array_elements_text(result->"
        + "'auth0Users') from " + table.sql() + " where jsonb_exists(result, 'auth0Users')"
        + " and database = current_database() order by 1")) {
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  /** After the Auth0 half deleted every recorded user: forget them, in a transaction of its own. */
  public void finished(Connection connection) throws SQLException {
    if (!exists(connection)) return;
    try (PreparedStatement st = connection.prepareStatement("update " + table.sql()
        + " set result = result - 'auth0Users' where jsonb_exists(result, 'auth0Users')"
        + " and database = current_database()")) {
      st.executeUpdate();
    }
    if (!connection.getAutoCommit()) connection.commit();
  }

  void record(Connection connection, String runId, PurgeResult result) throws SQLException {
    record(connection, runId, result, null);
  }

  /** Records the run in the current transaction; it commits (or rolls back) with the purge. */
  void record(Connection connection, String runId, PurgeResult result, List<String> identities) throws SQLException {
    // CREATE TABLE IF NOT EXISTS still needs CREATE on the schema, so a DBA who pre-created the
    // table for a role without it would see every purge fail: create only when it is missing.
    if (!exists(connection)) {
      PurgeExecutor.execute(connection, "create table " + table.sql()
          + " (run_id text primary key, database text not null, finished_at timestamptz not null default now(),"
          + " result jsonb not null)");
    }
    try (PreparedStatement st = connection.prepareStatement("insert into " + table.sql()
        + " (run_id, database, result) values (?, current_database(), ?::jsonb"
        + (identities == null ? "" : " || jsonb_build_object('auth0Users', to_jsonb(?::text[]))") + ")")) {
      st.setString(1, runId);
      st.setString(2, ResultJson.write(result));
      if (identities != null) st.setArray(3, connection.createArrayOf("text", identities.toArray()));
      st.executeUpdate();
    }
  }
}
