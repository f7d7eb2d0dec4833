package io.datapurge.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fingerprint of every user table (row count and an md5 of its rows in a stable order) and every
 * sequence, so a test can tell whether a refused or failed purge left the database exactly as it was.
 */
public final class DatabaseChecksum {
  private DatabaseChecksum() {}

  public static Map<String, String> of(String database) {
    try (Connection c = PostgresServer.connect(database)) {
      return of(c);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Map<String, String> of(Connection c) throws SQLException {
    List<String[]> relations = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
        select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'S') and n.nspname not in ('pg_catalog', 'information_schema')
          and n.nspname not like 'pg_toast%'""")) {
      while (rs.next()) relations.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
    }
    Map<String, String> result = new TreeMap<>();
    for (String[] r : relations) {
      String name = quote(r[0]) + "." + quote(r[1]);
      String sql = r[2].equals("S")
          ? "select last_value || '/' || is_called from " + name
          : "select count(*) || ' rows ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from " + name + " t";
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        rs.next();
        result.put(r[0] + "." + r[1], rs.getString(1));
      }
    }
    return result;
  }

  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
