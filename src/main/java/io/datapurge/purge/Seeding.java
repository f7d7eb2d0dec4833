package io.datapurge.purge;

import io.datapurge.purge.SeedScript.Statement;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed and the sequences of the purged tables, inside the purge's transaction.
 *
 * <p>Sequences are not transactional in PostgreSQL (a rolled-back INSERT still advances one), but
 * {@code ALTER SEQUENCE … RESTART} is: it gives the sequence new storage for the transaction. So
 * before the seed every sequence a purged table owns is restarted, at the value it would hand out
 * next (or with {@code --reset-sequences} past the largest value left in its column, its start when
 * the column is empty): a failed seed then rolls the sequences back with everything else.
 */
final class Seeding {
  private static final Logger log = LoggerFactory.getLogger(Seeding.class);

  private Seeding() {}

  /** A sequence owned by a column of a purged table (serial or identity). */
  record OwnedSequence(String sequence, String table, String column, long start, long increment, boolean alterable) {
    OwnedSequence(String sequence, String table, String column, long start, long increment) {
      this(sequence, table, column, start, increment, true);
    }
  }

  /** Runs the seed files in order; the first failing statement names its file, number and line. */
  static void run(Connection connection, List<SeedScript> scripts) throws SQLException {
    CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
    String searchPath = PurgeExecutor.queryString(connection, "select current_setting('search_path')");
    for (SeedScript script : scripts) {
      for (Statement st : script.statements()) {
        if (!st.runs()) continue;
        try {
          if (st.copy()) {
            copy.copyIn(st.sql(), new StringReader(st.copyData()));
          } else {
            PurgeExecutor.execute(connection, st.sql());
          }
        } catch (SQLException | java.io.IOException e) {
          throw failed(script, st, e);
        }
      }
      // A dump empties search_path (set_config('search_path', '', false)); the purge's own SQL and the
      // next file see the purge's again.
      try (PreparedStatement ps = connection.prepareStatement("select set_config('search_path', ?, true)")) {
        ps.setString(1, searchPath);
        ps.execute();
      }
    }
  }

  private static PurgeException failed(SeedScript script, Statement st, Exception e) {
    String state = e instanceof SQLException s && s.getSQLState() != null ? "SQLSTATE " + s.getSQLState() + ": " : "";
    String message = String.valueOf(e.getMessage()).strip();
    int nl = message.indexOf('\n');
    String first = nl < 0 ? message : message.substring(0, nl);
    return new PurgeException(FailureReason.SeedFailed, "Seed file " + script.file() + ", statement " + st.number()
        + " (line " + st.line() + ") failed: " + state + first + ". The transaction was rolled back: nothing was"
        + " deleted or seeded. Fix the statement and run again.", e);
  }

  /** The sequences owned by columns of the given tables, by table oid. */
  static List<OwnedSequence> ownedSequences(Connection connection, List<Long> tableOids) throws SQLException {
    List<OwnedSequence> result = new ArrayList<>();
    try (PreparedStatement st = connection.prepareStatement("""
        select sn.nspname, s.relname, tn.nspname, t.relname, a.attname, q.seqstart, q.seqincrement,
          pg_has_role(s.relowner, 'USAGE')
        from pg_depend d
        join pg_class s on s.oid = d.objid and s.relkind = 'S' join pg_namespace sn on sn.oid = s.relnamespace
        join pg_sequence q on q.seqrelid = s.oid
        join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
        join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
        where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
          and d.deptype in ('a', 'i') and d.refobjid::bigint = any(?)
        order by 1, 2""")) {
      st.setArray(1, connection.createArrayOf("bigint", tableOids.toArray(Long[]::new)));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          result.add(new OwnedSequence(new TableName(rs.getString(1), rs.getString(2)).sql(),
              new TableName(rs.getString(3), rs.getString(4)).sql(), TableName.quote(rs.getString(5)),
              rs.getLong(6), rs.getLong(7), rs.getBoolean(8)));
        }
      }
    }
    return result;
  }

  /**
   * {@code --reset-sequences}: restart past the largest value left in the column, at the start when it
   * is empty; otherwise (before a seed) at the value the sequence would hand out next. Only an owner
   * may ALTER a sequence: without {@code --reset-sequences} a sequence the purge role does not own is
   * left alone (a failed seed may then leave it advanced, as any rolled-back INSERT does).
   */
  static void restart(Connection connection, List<OwnedSequence> sequences, boolean reset) throws SQLException {
    for (OwnedSequence s : sequences) {
      if (!reset && !s.alterable()) {
        log.debug("not restarting {}: the purge role does not own it", s.sequence());
        continue;
      }
      String value = reset ? restartValue(s, queryNullableLong(connection, "select "
          + (s.increment() > 0 ? "max(" : "min(") + s.column() + ")::bigint from " + s.table()))
          : String.valueOf(nextValue(connection, s));
      PurgeExecutor.execute(connection, "alter sequence " + s.sequence() + " restart with " + value);
      log.debug("restarted {} with {}", s.sequence(), value);
    }
  }

  /** Past the largest kept value (for a descending sequence: below the smallest), never before the start. */
  static String restartValue(OwnedSequence s, Long kept) {
    if (kept == null) return String.valueOf(s.start());
    return s.increment() > 0 ? String.valueOf(Math.max(s.start(), kept + 1)) : String.valueOf(Math.min(s.start(), kept - 1));
  }

  private static long nextValue(Connection connection, OwnedSequence s) throws SQLException {
    try (var st = connection.createStatement();
        ResultSet rs = st.executeQuery("select last_value, is_called from " + s.sequence())) {
      rs.next();
      return rs.getBoolean(2) ? rs.getLong(1) + s.increment() : rs.getLong(1);
    }
  }

  private static Long queryNullableLong(Connection connection, String sql) throws SQLException {
    try (var st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      long v = rs.getLong(1);
      return rs.wasNull() ? null : v;
    }
  }
}
