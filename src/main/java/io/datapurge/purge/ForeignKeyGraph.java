package io.datapurge.purge;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every foreign key of the database, read from pg_catalog, indexed by the table it references. */
public final class ForeignKeyGraph {

  /** A table as the catalog knows it. */
  public record Table(long oid, TableName name) {
    @Override
    public String toString() {
      return name.toString();
    }
  }

  /**
   * One foreign key: {@code child(columns)} references {@code parent(parentColumns)}, with its ON DELETE
   * action. The referenced columns are what a selective purge joins on (see {@link PurgeSelection}).
   */
  public record ForeignKey(String name, Table child, Table parent, char onDelete, List<String> columns,
      List<String> parentColumns, Ddl ddl) {
    /** A key whose referenced columns are not known (tests of plans that never join on them). */
    public ForeignKey(String name, Table child, Table parent, char onDelete, List<String> columns) {
      this(name, child, parent, onDelete, columns, List.of(), null);
    }

    /** A key whose definition was not read from a catalog (tests of plans): it is never dropped. */
    public ForeignKey(String name, Table child, Table parent, char onDelete, List<String> columns,
        List<String> parentColumns) {
      this(name, child, parent, onDelete, columns, parentColumns, null);
    }

    /** The key as a user names it: {@code schema.table.constraint}. */
    public String qualifiedName() {
      return child + "." + name;
    }

    /** NO ACTION, RESTRICT and CASCADE make the referencing rows go with the referenced ones. */
    public boolean removesReferencingRows() {
      return onDelete == 'a' || onDelete == 'r' || onDelete == 'c';
    }

    public String action() {
      return switch (onDelete) {
        case 'a' -> "NO ACTION";
        case 'r' -> "RESTRICT";
        case 'c' -> "CASCADE";
        case 'n' -> "SET NULL";
        case 'd' -> "SET DEFAULT";
        default -> "action " + onDelete;
      };
    }
  }

  /**
   * What dropping and re-creating a key takes, read from the catalog for the purge's role: the
   * definition as {@code pg_get_constraintdef} renders it (ON DELETE, DEFERRABLE, NOT VALID, …), the
   * statement that re-applies its comment (null: none), whether it was validated, whether the role
   * owns the referencing table (ALTER TABLE needs that) and may reference the referenced columns (ADD
   * FOREIGN KEY needs REFERENCES), and whether either table is partitioned or a partition.
   */
  public record Ddl(String definition, String comment, boolean validated, boolean owner, boolean mayReference,
      boolean partitioned) {}

  private final Map<Long, List<ForeignKey>> byParent = new HashMap<>();

  private ForeignKeyGraph(List<ForeignKey> keys) {
    for (ForeignKey k : keys) byParent.computeIfAbsent(k.parent().oid(), x -> new ArrayList<>()).add(k);
  }

  public static ForeignKeyGraph of(List<ForeignKey> keys) {
    return new ForeignKeyGraph(keys);
  }

  /** Keys referencing the table, in a stable order. */
  public List<ForeignKey> referencing(Table parent) {
    return byParent.getOrDefault(parent.oid(), List.of());
  }

  // conparentid = 0 skips the copies PostgreSQL makes on each partition of a partitioned table.
  private static final String KEYS = """
      select con.conname, con.confdeltype,
             c.oid as child_oid, cn.nspname as child_schema, c.relname as child_name,
             p.oid as parent_oid, pn.nspname as parent_schema, p.relname as parent_name,
             array(select a.attname from unnest(con.conkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
                   order by k.ord) as columns,
             array(select a.attname from unnest(con.confkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
                   order by k.ord) as parent_columns,
             pg_get_constraintdef(con.oid) as definition, con.convalidated,
             (select format('comment on constraint %I on %I.%I is %L', con.conname, cn.nspname, c.relname,
                            d.description)
              from pg_description d
              where d.objoid = con.oid and d.classoid = 'pg_constraint'::regclass and d.objsubid = 0) as comment,
             pg_has_role(c.relowner, 'USAGE') as owner,
             (select bool_and(has_column_privilege(con.confrelid, k, 'REFERENCES'))
              from unnest(con.confkey) k) as may_reference,
             c.relkind = 'p' or p.relkind = 'p' or c.relispartition or p.relispartition as partitioned
      from pg_constraint con
      join pg_class c on c.oid = con.conrelid join pg_namespace cn on cn.oid = c.relnamespace
      join pg_class p on p.oid = con.confrelid join pg_namespace pn on pn.oid = p.relnamespace
      where con.contype = 'f' and con.conparentid = 0
      order by pn.nspname, p.relname, cn.nspname, c.relname, con.conname
      """;

  public static ForeignKeyGraph load(Connection connection) throws SQLException {
    List<ForeignKey> keys = new ArrayList<>();
    Map<Long, Table> tables = new HashMap<>();
    try (PreparedStatement st = connection.prepareStatement(KEYS); ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        Table child = tables.computeIfAbsent(rs.getLong("child_oid"),
            oid -> table(oid, rs, "child"));
        Table parent = tables.computeIfAbsent(rs.getLong("parent_oid"),
            oid -> table(oid, rs, "parent"));
        Array cols = rs.getArray("columns");
        Array parentCols = rs.getArray("parent_columns");
        keys.add(new ForeignKey(rs.getString("conname"), child, parent, rs.getString("confdeltype").charAt(0),
            Arrays.asList((String[]) cols.getArray()), Arrays.asList((String[]) parentCols.getArray()),
            new Ddl(rs.getString("definition"), rs.getString("comment"), rs.getBoolean("convalidated"),
                rs.getBoolean("owner"), rs.getBoolean("may_reference"), rs.getBoolean("partitioned"))));
      }
    }
    return new ForeignKeyGraph(keys);
  }

  private static Table table(long oid, ResultSet rs, String side) {
    try {
      return new Table(oid, new TableName(rs.getString(side + "_schema"), rs.getString(side + "_name")));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Finds the table a name means, exactly as PostgreSQL would (search_path for an unqualified name).
   * The name travels as a bound parameter into format('%I'), so nothing the user typed becomes SQL.
   */
  public static Table resolve(Connection connection, TableName name) throws SQLException {
    String target = name.schema() == null ? "format('%I', ?)" : "format('%I.%I', ?, ?)";
    String sql = "select c.oid, n.nspname, c.relname, c.relkind from pg_class c"
        + " join pg_namespace n on n.oid = c.relnamespace where c.oid = to_regclass(" + target + ")";
    try (PreparedStatement st = connection.prepareStatement(sql)) {
      if (name.schema() == null) {
        st.setString(1, name.name());
      } else {
        st.setString(1, name.schema());
        st.setString(2, name.name());
      }
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          String where = name.schema() == null ? " in the search_path (" + searchPath(connection) + ")" : "";
          throw new PurgeException(FailureReason.PlanInvalid, "Table " + name + " does not exist" + where
              + ": check the name, or qualify it as schema.table.");
        }
        String kind = rs.getString("relkind");
        if (!kind.equals("r") && !kind.equals("p")) {
          throw new PurgeException(FailureReason.PlanInvalid,
              name + " is not a table (relkind " + kind + "): name the tables that hold the rows.");
        }
        return new Table(rs.getLong("oid"), new TableName(rs.getString("nspname"), rs.getString("relname")));
      }
    }
  }

  private static String searchPath(Connection connection) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement("select array_to_string(current_schemas(false), ', ')");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }
}
