package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Strategy;
import io.datapurge.purge.ForeignKeyGraph.ForeignKey;
import io.datapurge.purge.ForeignKeyGraph.Table;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SQL a plan renders to, from hand-made key graphs: exactly the statements the executor runs. */
class PurgeStatementsTest {
  static final Table ACCOUNT = t(1, "app", "Account");
  static final Table ORDER = t(2, "app", "order");
  static final Table LINE = t(3, "app", "order_line");
  static final Table NOTE = t(4, "app", "note");

  static Table t(long oid, String schema, String name) {
    return new Table(oid, new TableName(schema, name));
  }

  static ForeignKey fk(Table child, Table parent, char action, String... columns) {
    return new ForeignKey(child.name().name() + "_fk_" + parent.name().name(), child, parent, action, List.of(columns));
  }

  /** order_line → order → Account (NO ACTION), note → Account (SET NULL). */
  static final ForeignKeyGraph CHAIN = ForeignKeyGraph.of(List.of(
      fk(ORDER, ACCOUNT, 'a', "account_id"), fk(LINE, ORDER, 'a', "order_id"), fk(NOTE, ACCOUNT, 'n', "account_id")));

  static PurgePlan plan(ForeignKeyGraph graph, Table... roots) {
    return PurgePlan.build(graph, List.of(roots), List.of(), true);
  }

  @Test
  void deleteRemovesChildrenBeforeTheirParentsOneStatementPerTable() {
    PurgeStatements sql = PurgeStatements.of(plan(CHAIN, ACCOUNT), Strategy.Delete);

    assertThat(sql.remove()).containsExactly(
        "delete from \"app\".\"order_line\"",
        "delete from \"app\".\"order\"",
        "delete from \"app\".\"Account\"");
  }

  @Test
  void purgedTablesAreLockedExclusivelyAndSetNullReferencersOnlyAgainstWrites() {
    PurgeStatements sql = PurgeStatements.of(plan(CHAIN, ACCOUNT), Strategy.Delete);

    assertThat(sql.lock()).containsExactly(
        "lock table \"app\".\"Account\", \"app\".\"order\", \"app\".\"order_line\" in access exclusive mode",
        "lock table \"app\".\"note\" in row exclusive mode");
  }

  @Test
  void countTakesEveryRowOfAPurgedTableAndOnlyTheLinkedRowsOfAnUnlinkedOne() {
    PurgeStatements sql = PurgeStatements.of(plan(CHAIN, ACCOUNT), Strategy.Delete);

    assertThat(sql.count()).isEqualTo("select (select count(*) from \"app\".\"Account\"),"
        + " (select count(*) from \"app\".\"order\"), (select count(*) from \"app\".\"order_line\"),"
        + " (select count(*) from \"app\".\"note\" where (\"account_id\" is not null))");
    assertThat(sql.verify()).isEqualTo(sql.count());
    assertThat(sql.checkKeys()).isEqualTo("set constraints all immediate");
  }

  @Test
  void truncateTakesEveryTableInOneStatementWithRestrict() {
    ForeignKeyGraph noSetNull = ForeignKeyGraph.of(List.of(
        fk(ORDER, ACCOUNT, 'a', "account_id"), fk(LINE, ORDER, 'c', "order_id")));

    PurgeStatements sql = PurgeStatements.of(plan(noSetNull, ACCOUNT), Strategy.Truncate);

    assertThat(sql.remove()).containsExactly(
        "truncate table \"app\".\"Account\", \"app\".\"order\", \"app\".\"order_line\" restrict");
  }

  @Test
  void truncateDeletesTheTablesAnOutsideTableReferencesAfterTruncatingTheRest() {
    // note (SET NULL, not purged) references Account, so PostgreSQL would refuse to TRUNCATE Account.
    PurgeStatements sql = PurgeStatements.of(plan(CHAIN, ACCOUNT), Strategy.Truncate);

    assertThat(sql.remove()).containsExactly(
        "truncate table \"app\".\"order\", \"app\".\"order_line\" restrict",
        "delete from \"app\".\"Account\"");
  }

  @Test
  void aForeignKeyCycleIsDeletedInOneStatementAndASelfReferenceAsOneTable() {
    Table user = t(10, "public", "auth_user");
    Table tenant = t(11, "public", "custom_auth_tenant");
    Table node = t(12, "public", "node");
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(
        fk(user, tenant, 'a', "tenant_id"), fk(tenant, user, 'a', "owner_id"),
        fk(node, node, 'r', "parent_id"), fk(node, user, 'a', "user_id")));

    PurgeStatements sql = PurgeStatements.of(plan(graph, user), Strategy.Delete);

    assertThat(sql.remove()).hasSize(2);
    assertThat(sql.remove().get(0)).isEqualTo("delete from \"public\".\"node\"");
    assertThat(sql.remove().get(1)).matches("with d0 as \\(delete from \"public\"\\.\"(auth_user|custom_auth_tenant)\"\\),"
        + " d1 as \\(delete from \"public\"\\.\"(auth_user|custom_auth_tenant)\"\\) select 1")
        .contains("\"auth_user\"", "\"custom_auth_tenant\"");
  }

  @Test
  void everyIdentifierIsQuotedWithItsQuotesDoubled() {
    Table odd = t(20, "My Schema", "Odd \"Name\"");
    Table child = t(21, "public", "x; drop table y");
    Table linked = t(22, "public", "linked");
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(
        fk(child, odd, 'a', "odd_id"), fk(linked, odd, 'd', "Owner \"Id\"", "tenant")));

    PurgeStatements sql = PurgeStatements.of(plan(graph, odd), Strategy.Delete);

    assertThat(sql.remove()).containsExactly(
        "delete from \"public\".\"x; drop table y\"",
        "delete from \"My Schema\".\"Odd \"\"Name\"\"\"");
    assertThat(sql.lock().get(0)).isEqualTo(
        "lock table \"My Schema\".\"Odd \"\"Name\"\"\", \"public\".\"x; drop table y\" in access exclusive mode");
    assertThat(sql.count()).endsWith(
        "(select count(*) from \"public\".\"linked\" where (\"Owner \"\"Id\"\"\" is not null and \"tenant\" is not null))");
  }

  @Test
  void scriptIsTheTransactionInTheOrderThePurgeRunsIt() {
    PurgeStatements sql = PurgeStatements.of(plan(CHAIN, ACCOUNT), Strategy.Delete);

    String script = sql.script(Duration.ofSeconds(10), Duration.ofMinutes(10));

    assertThat(script).startsWith("begin isolation level read committed, read write;\n"
        + "set local lock_timeout = '10000ms';\nset local statement_timeout = '600000ms';\n" + sql.lock().get(0) + ";\n")
        .endsWith(sql.checkKeys() + ";\n-- rows after: every purged table must count 0, else the purge rolls back\n"
            + sql.verify() + ";\ncommit;\n");
    List<String> inOrder = List.of(sql.lock().get(1), sql.count(), sql.remove().get(0), sql.remove().get(2),
        sql.checkKeys());
    int at = -1;
    for (String statement : inOrder) {
      int next = script.indexOf(statement + ";\n", at + 1);
      assertThat(next).as("%s after position %d", statement, at).isGreaterThan(at);
      at = next;
    }
  }
}
