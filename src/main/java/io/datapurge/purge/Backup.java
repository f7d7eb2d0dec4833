package io.datapurge.purge;

import io.datapurge.purge.ForeignKeyGraph.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A copy of every purged table in a new schema, made in the purge's transaction before anything is
 * deleted, and the way back. The schema holds one table per purged table and a manifest saying
 * where each belongs and in which order to put them back (parents first, cycles together), and the
 * links that SET NULL / SET DEFAULT referencers lose, so restore can set them again.
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
        + " source_table text not null, backup_table text not null, kind text not null default 'rows',"
        + " key_columns text[], link_columns text[])");
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
    copyLinks(connection, plan, s, position, parentsFirst.size());
  }

  /**
   * The links a purge nulls (SET NULL / SET DEFAULT referencers keep their rows): saved as primary
   * key plus link columns, so restore can set them again. A table without a primary key cannot be
   * re-linked; it is left out, and restore says so.
   */
  private static void copyLinks(Connection connection, PurgePlan plan, String s, int position, int group)
      throws SQLException {
    try (PreparedStatement manifest = connection.prepareStatement("insert into " + s + "." + TableName.quote(MANIFEST)
        + " values (?, ?, ?, ?, ?, 'links', ?, ?)")) {
      for (PurgePlan.Entry e : plan.unlinked()) {
        List<String> key = primaryKey(connection, e.table());
        List<String> links = e.links().stream().flatMap(fk -> fk.columns().stream()).distinct().toList();
        String name = String.format("l%03d_%s", ++position, truncate(e.table().name().name(), 40));
        if (!key.isEmpty()) {
          List<String> columns = new ArrayList<>(key);
          links.stream().filter(c -> !key.contains(c)).forEach(columns::add);
          String linked = e.links().stream().map(fk -> fk.columns().stream()
                  .map(c -> TableName.quote(c) + " is not null").collect(Collectors.joining(" and ", "(", ")")))
              .collect(Collectors.joining(" or "));
          PurgeExecutor.execute(connection, "create table " + s + "." + TableName.quote(name) + " as select "
              + columns.stream().map(TableName::quote).collect(Collectors.joining(", "))
              + " from " + e.table().name().sql() + " where " + linked);
        }
        manifest.setInt(1, position);
        manifest.setInt(2, group);
        manifest.setString(3, e.table().name().schema());
        manifest.setString(4, e.table().name().name());
        manifest.setString(5, key.isEmpty() ? "" : name);
        manifest.setArray(6, connection.createArrayOf("text", key.toArray()));
        manifest.setArray(7, connection.createArrayOf("text", links.toArray()));
        manifest.executeUpdate();
      }
    }
  }

  private static List<String> primaryKey(Connection connection, Table table) throws SQLException {
    List<String> key = new ArrayList<>();
    try (PreparedStatement st = connection.prepareStatement("select a.attname from pg_index i"
        + " join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
        + " where i.indrelid = ?::oid and i.indisprimary order by array_position(i.indkey::int2[], a.attnum)")) {
      st.setLong(1, table.oid());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) key.add(rs.getString(1));
      }
    }
    return key;
  }

  /** Sets the nulled links again from the saved key and link columns; returns rows updated. */
  private static Restored relink(Connection connection, String schema, String[] row, String[] key, String[] links)
      throws SQLException {
    TableName target = new TableName(row[0], row[1]);
    if (row[2].isEmpty()) return new Restored(target + " (links not restored: no primary key)", 0);
    String b = TableName.quote(schema) + "." + TableName.quote(row[2]);
    String set = Arrays.stream(links).filter(c -> !List.of(key).contains(c))
        .map(c -> TableName.quote(c) + " = b." + TableName.quote(c)).collect(Collectors.joining(", "));
    String where = Arrays.stream(key)
        .map(c -> "t." + TableName.quote(c) + " = b." + TableName.quote(c)).collect(Collectors.joining(" and "));
    try (Statement st = connection.createStatement()) {
      return new Restored(target + " (links)", st.executeUpdate("update " + target.sql() + " t set " + set
          + " from " + b + " b where " + where));
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
    List<String[][]> links = new ArrayList<>();
    try (PreparedStatement st = connection.prepareStatement("select restore_group, source_schema, source_table,"
        + " backup_table, kind, key_columns, link_columns from " + TableName.quote(schema) + "."
        + TableName.quote(MANIFEST) + " order by position");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        String[] row = {rs.getString(2), rs.getString(3), rs.getString(4)};
        if (rs.getString(5).equals("links")) {
          links.add(new String[][] {row, (String[]) rs.getArray(6).getArray(), (String[]) rs.getArray(7).getArray()});
        } else {
          groups.computeIfAbsent(rs.getInt(1), g -> new ArrayList<>()).add(row);
        }
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
    for (String[][] l : links) restored.add(relink(connection, schema, l[0], l[1], l[2]));
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
