package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.core.Parser;
import org.postgresql.jdbc.PreferQueryMode;

/**
 * Decides, with PostgreSQL's own parser, whether a {@code --where} predicate is one boolean expression
 * over its table, before any statement that contains it runs.
 *
 * <p>Every probe is only described (Parse + Describe of the extended protocol, never Execute), and the
 * server refuses a Parse that holds more than one command. The probes embed the predicate P so that
 * each way of escaping the expression breaks one of them:
 * <ol>
 *   <li>{@code SELECT (P\n) AS dp FROM t}: PostgreSQL parses it, the columns exist, the one result column
 *       is {@code boolean}.
 *   <li>{@code SELECT 1 FROM t WHERE (P\n)}: it can filter rows (no aggregate, window or set-returning function).
 *   <li>{@code SELECT (P) AS dp FROM t}, on one line: a {@code --} comment would swallow the rest of the
 *       statement, so the statement fails or loses its {@code dp} column.
 *   <li>{@code SELECT P\n AS dp FROM t}, without our parentheses: a parenthesis that closes early
 *       ({@code true) or (true}) is then unmatched, and a second column or statement shows up.
 * </ol>
 * The JDBC driver splits text at a semicolon it sees outside parentheses and quotes into several
 * statements before sending it; a probe it would split is refused as a second statement without being sent.
 */
public final class PredicateCheck {
  static final String LABEL = "datapurge_predicate";

  private PredicateCheck() {}

  /** Throws {@link PurgeException} (Usage) naming what is wrong with the predicate of {@code table}. */
  public static void check(Connection connection, Table table, String predicate) throws SQLException {
    String t = table.name().sql();
    if (predicate == null || predicate.isBlank()) {
      throw refused(table, predicate, "it is empty; give a boolean SQL expression over the table's columns,"
          + " e.g. --where \"auth_user=NOT (is_staff OR is_superuser)\"");
    }
    if (predicate.indexOf('\0') >= 0) throw refused(table, predicate, "it contains a NUL character");
    PGConnection pg = connection.unwrap(PGConnection.class);
    if (pg.getPreferQueryMode() == PreferQueryMode.SIMPLE) {
      throw refused(table, predicate, "the connection uses preferQueryMode=simple, which cannot check a"
          + " predicate without running it; drop that connection option");
    }
    String parsed = describe(connection, table, predicate, "select (" + predicate + "\n) as " + LABEL + " from " + t,
        "PostgreSQL cannot use it as an expression over " + table);
    if (!parsed.equals("bool:" + LABEL)) {
      String type = parsed.substring(0, parsed.indexOf(':'));
      if (parsed.endsWith(":" + LABEL)) {
        throw refused(table, predicate, "it does not yield a boolean but " + type
            + "; write a condition, e.g. id = 4711 or NOT is_staff");
      }
      throw refused(table, predicate, "it is not one expression (it yields " + parsed + ")");
    }
    describe(connection, table, predicate, "select 1 from " + t + " where (" + predicate + "\n)",
        "PostgreSQL cannot use it as a row filter of " + table);
    String oneLine = describeQuietly(connection, "select (" + predicate + ") as " + LABEL + " from " + t);
    if (!("bool:" + LABEL).equals(oneLine)) {
      throw refused(table, predicate, "a comment hides the rest of the statement it is put into (a -- comment"
          + " on its last line); end the predicate with the expression");
    }
    String bare = describeQuietly(connection, "select " + predicate + "\n as " + LABEL + " from " + t);
    if (!("bool:" + LABEL).equals(bare)) {
      throw refused(table, predicate, "it is not one expression: a parenthesis closes early or one is left open"
          + " (or it is a bare subquery: wrap a subquery in parentheses)");
    }
  }

  /** The type and label of the one result column ("bool:datapurge_predicate"), or what went wrong. */
  private static String describe(Connection connection, Table table, String predicate, String sql, String context)
      throws SQLException {
    guardSingle(table, predicate, sql);
    if (parameters(sql)) {
      throw refused(table, predicate, "it contains a ? operator, which the JDBC driver takes for a parameter;"
          + " use the function form (jsonb_exists(col, 'key'), jsonb_exists_any, jsonb_exists_all)");
    }
    try (PreparedStatement st = connection.prepareStatement(sql)) {
      ResultSetMetaData md = st.getMetaData();
      if (md == null) return "none:";
      StringBuilder out = new StringBuilder();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        if (i > 1) out.append(", ");
        out.append(md.getColumnTypeName(i)).append(':').append(md.getColumnLabel(i));
      }
      return out.toString();
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state == null || !(state.startsWith("42") || state.startsWith("22") || state.startsWith("0A"))) throw e;
      String message = e.getMessage();
      if (message != null && message.contains("cannot insert multiple commands") || split(predicate)) {
        // PostgreSQL refused it; say why in words: on its own the text is more than one statement
        throw refused(table, predicate, "it is not one expression: it contains a second statement");
      }
      throw refused(table, predicate, context + ": " + firstLine(message));
    }
  }

  /** Like {@link #describe}, but a probe that PostgreSQL refuses yields null (the caller names the cause). */
  private static String describeQuietly(Connection connection, String sql) throws SQLException {
    if (split(sql)) return null;
    try (PreparedStatement st = connection.prepareStatement(sql)) {
      ResultSetMetaData md = st.getMetaData();
      if (md == null || md.getColumnCount() != 1) return "columns";
      return md.getColumnTypeName(1) + ":" + md.getColumnLabel(1);
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state == null || !(state.startsWith("42") || state.startsWith("22") || state.startsWith("0A"))) throw e;
      return null;
    }
  }

  private static void guardSingle(Table table, String predicate, String sql) {
    if (split(sql)) {
      throw refused(table, predicate, "it is not one expression: it contains a second statement (a ; outside"
          + " quotes and parentheses)");
    }
  }

  /** Whether the driver would send the text as more than one statement. */
  static boolean split(String sql) {
    try {
      List<?> queries = Parser.parseJdbcSql(sql, true, true, true, false, false);
      return queries.size() != 1;
    } catch (SQLException e) {
      return true;
    }
  }

  /** Whether the driver would bind a parameter ({@code ?}) in the text. */
  static boolean parameters(String sql) {
    try {
      return Parser.parseJdbcSql(sql, true, true, true, false, false).stream().anyMatch(q -> q.bindPositions.length > 0);
    } catch (SQLException e) {
      return false;
    }
  }

  private static String firstLine(String message) {
    if (message == null) return "";
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).replaceFirst("^ERROR: ", "");
  }

  private static PurgeException refused(Table table, String predicate, String why) {
    String shown = predicate == null ? "" : predicate.length() > 200 ? predicate.substring(0, 200) + "…" : predicate;
    return new PurgeException(FailureReason.Usage, "The --where predicate of " + table + " (" + shown
        + ") is refused: " + why + ". Nothing was deleted.");
  }
}
