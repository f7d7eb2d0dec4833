package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of every purged table in a new schema, made in the purge's transaction before anything is
 * deleted, and the way back. The schema holds one table per purged table and a manifest saying
 * where each belongs and in which order to put them back (parents first, cycles together).
 */
public final class Backup {
  static final String MANIFEST = "purge_manifest";

  private Backup() {}

  /** One restored table and how many rows went back. */
  public record Restored(String table, long rows) {}

  static void copy(Connection connection, PurgePlan plan, String schema) throws SQLException {
    validate(schema);
    if (schemaExists(connection, schema)) {
      throw new PurgeException(FailureReason.Usage, "Backup schema " + schema
          + " already exists: choose a new name with --backup-schema, or drop the old backup.");
    }
    String s = TableName.quote(schema);
    PurgeExecutor.execute(connection, "create schema " + s);
    PurgeExecutor.execute(connection, "create table " + s + "." + TableName.quote(MANIFEST)
        + " (position int primary key, restore_group int not null, source_schema text not null,"
        + " source_table text not null, backup_table text not null)");
    List<List<Table>> parentsFirst = new ArrayList<>(plan.deleteOrder());
    Collections.reverse(parentsFirst);
    int position = 0;
    try (PreparedStatement manifest = connection.prepareStatement("insert into " + s + "."
        + TableName.quote(MANIFEST) + " values (?, ?, ?, ?, ?)")) {
      for (int group = 0; group < parentsFirst.size(); group++) {
        for (Table t : parentsFirst.get(group)) {
          String name = String.format("t%03d_%s", ++position, truncate(t.name().name(), 40));
          PurgeExecutor.execute(connection, "create table " + s + "." + TableName.quote(name)
              + " as select * from " + t.name().sql());
          manifest.setInt(1, position);
          manifest.setInt(2, group);
          manifest.setString(3, t.name().schema());
          manifest.setString(4, t.name().name());
          manifest.setString(5, name);
          manifest.executeUpdate();
        }
      }
    }
  }

  /**
   * Puts the rows of a backup back into their tables in one transaction (the caller commits),
   * parents first, the tables of a cycle in one statement; then moves each owned sequence past the
   * restored values so new rows do not collide.
   */
  public static List<Restored> restore(Connection connection, String schema) throws SQLException {
    validate(schema);
    if (!schemaExists(connection, schema)) {
      throw new PurgeException(FailureReason.PlanInvalid, "Backup schema " + schema
          + " does not exist: pass the name given to purge --backup-schema.");
    }
    Map<Integer, List<String[]>> groups = new LinkedHashMap<>();
    try (PreparedStatement st = connection.prepareStatement("select restore_group, source_schema, source_table,"
        + " backup_table from " + TableName.quote(schema) + "." + TableName.quote(MANIFEST) + " order by position");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        groups.computeIfAbsent(rs.getInt(1), g -> new ArrayList<>())
            .add(new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
      }
    }
    List<Restored> restored = new ArrayList<>();
    for (List<String[]> group : groups.values()) {
      List<String> parts = new ArrayList<>();
      for (String[] row : group) {
        TableName target = new TableName(row[0], row[1]);
        String columns = String.join(", ", insertableColumns(connection, target));
        parts.add("i" + parts.size() + " as (insert into " + target.sql() + " (" + columns + ") overriding system value"
            + " select " + columns + " from " + TableName.quote(schema) + "." + TableName.quote(row[2])
            + " returning 1)");
      }
      StringBuilder select = new StringBuilder("select ");
      for (int i = 0; i < parts.size(); i++) select.append(i == 0 ? "" : ", ").append("(select count(*) from i").append(i).append(")");
      try (PreparedStatement st = connection.prepareStatement("with " + String.join(", ", parts) + " " + select);
          ResultSet rs = st.executeQuery()) {
        rs.next();
        for (int i = 0; i < group.size(); i++) {
          restored.add(new Restored(new TableName(group.get(i)[0], group.get(i)[1]).toString(), rs.getLong(i + 1)));
        }
      }
      for (String[] row : group) advanceSequences(connection, new TableName(row[0], row[1]));
    }
    return restored;
  }

  /** Columns a plain INSERT may write: not dropped, not generated. */
  private static List<String> insertableColumns(Connection connection, TableName table) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (PreparedStatement st = connection.prepareStatement("select a.attname from pg_attribute a"
        + " where a.attrelid = to_regclass(format('%I.%I', ?, ?)) and a.attnum > 0 and not a.attisdropped"
        + " and a.attgenerated = '' order by a.attnum")) {
      st.setString(1, table.schema());
      st.setString(2, table.name());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) columns.add(TableName.quote(rs.getString(1)));
      }
    }
    if (columns.isEmpty()) {
      throw new PurgeException(FailureReason.PlanInvalid, "Table " + table + " of the backup no longer exists.");
    }
    return columns;
  }

  private static void advanceSequences(Connection connection, TableName table) throws SQLException {
    List<String[]> owned = new ArrayList<>();
    try (PreparedStatement st = connection.prepareStatement("""
        select n.nspname, s.relname, a.attname from pg_depend d
        join pg_class s on s.oid = d.objid and s.relkind = 'S' join pg_namespace n on n.oid = s.relnamespace
        join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
        where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
          and d.deptype in ('a', 'i') and d.refobjid = to_regclass(format('%I.%I', ?, ?))""")) {
      st.setString(1, table.schema());
      st.setString(2, table.name());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) owned.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
      }
    }
    for (String[] o : owned) {
      String seq = new TableName(o[0], o[1]).sql();
      PurgeExecutor.execute(connection, "select setval('" + seq.replace("'", "''") + "', m) from (select max("
          + TableName.quote(o[2]) + ") m from " + table.sql() + ") x, " + seq
          + " s where m is not null and (m > s.last_value or not s.is_called)");
    }
  }

  private static boolean schemaExists(Connection connection, String schema) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement("select 1 from pg_namespace where nspname = ?")) {
      st.setString(1, schema);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void validate(String schema) {
    if (schema.isBlank() || schema.indexOf('\0') >= 0 || schema.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
      throw new PurgeException(FailureReason.Usage, "--backup-schema '" + schema
          + "' is not a usable schema name: give 1 to 63 bytes (it is used exactly, case-sensitive).");
    }
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
