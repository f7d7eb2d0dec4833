package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.purge.SeedScript.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Splitting seed files into statements: what hides a semicolon, COPY data, meta-commands, refusals. */
class SeedScriptTest {

  static List<String> sql(String text) {
    return SeedScript.parse("seed.sql", text).statements().stream().map(Statement::sql).toList();
  }

  @Test
  void plainStatementsSplitOnSemicolonsWithTheirLineNumbers() {
    SeedScript s = SeedScript.parse("seed.sql", "insert into a values (1);\n\ninsert into b values (2);  select 3");
    assertThat(s.statements()).extracting(Statement::sql)
        .containsExactly("insert into a values (1)", "insert into b values (2)", "select 3");
    assertThat(s.statements()).extracting(Statement::number).containsExactly(1, 2, 3);
    assertThat(s.statements()).extracting(Statement::line).containsExactly(1, 3, 3);
    assertThat(s.size()).isEqualTo(3);
  }

  @Test
  void semicolonsInsideStringsIdentifiersDollarQuotesAndCommentsDoNotSplit() {
    assertThat(sql("insert into t values ('a;b', 'it''s; fine');")).containsExactly("insert into t values ('a;b', 'it''s; fine')");
    assertThat(sql("insert into \"we;ird\"\"t\" values (1);")).containsExactly("insert into \"we;ird\"\"t\" values (1)");
    assertThat(sql("select $$a;b$$, $fn$ x; $$ y $fn$;select 2;"))
        .containsExactly("select $$a;b$$, $fn$ x; $$ y $fn$", "select 2");
    assertThat(sql("select E'a\\';b';")).containsExactly("select E'a\\';b'");
    assertThat(sql("-- a comment; with a semicolon\nselect 1; /* one; /* nested; */ still; */ select 2;"))
        .containsExactly("select 1", "select 2");
    assertThat(sql("select a$b, $1 from t; select 'x'"))
        .as("$ inside an identifier or a parameter is no dollar quote").containsExactly("select a$b, $1 from t", "select 'x'");
  }

  @Test
  void aBackslashIsLiteralInAStandardString() {
    // standard_conforming_strings = on: 'a\' is a complete string, so the ; after it ends the statement
    assertThat(sql("select 'a\\'; select 2;")).containsExactly("select 'a\\'", "select 2");
  }

  @Test
  void pgDumpOutputGivesCopyBlocksWithTheirDataAndSkipsPsqlMetaCommands() {
    String dump = """
        --
        -- PostgreSQL database dump
        --

        \\restrict AbC123

        SET statement_timeout = 0;
        SET lock_timeout = 0;
        SET client_encoding = 'UTF8';
        SELECT pg_catalog.set_config('search_path', '', false);

        COPY public.auth_user (id, username, note) FROM stdin;
        1\tadmin\ta; b
        2\tbob\t\\N
        \\.


        SELECT pg_catalog.setval('public.auth_user_id_seq', 2, true);

        \\unrestrict AbC123
        """;
    SeedScript s = SeedScript.parse("golden.sql", dump);
    assertThat(s.statements()).extracting(Statement::sql).containsExactly(
        "SET statement_timeout = 0", "SET lock_timeout = 0", "SET client_encoding = 'UTF8'",
        "SELECT pg_catalog.set_config('search_path', '', false)",
        "COPY public.auth_user (id, username, note) FROM stdin",
        "SELECT pg_catalog.setval('public.auth_user_id_seq', 2, true)");
    Statement copy = s.statements().get(4);
    assertThat(copy.copy()).isTrue();
    assertThat(copy.copyData()).isEqualTo("1\tadmin\ta; b\n2\tbob\t\\N\n");
    assertThat(copy.line()).isEqualTo(12);
    assertThat(s.statements().get(5).line()).isEqualTo(18);
    assertThat(s.statements()).filteredOn(st -> !st.runs()).extracting(Statement::sql)
        .as("the purge's own timeouts keep holding").containsExactly("SET statement_timeout = 0", "SET lock_timeout = 0");
    assertThat(SeedScript.parse("s.sql", "set local statement_timeout = 0; set session lock_timeout to 0;"
        + " set idle_in_transaction_session_timeout = 0; set search_path = app").statements())
        .extracting(Statement::runs).containsExactly(false, false, false, true);
  }

  @Test
  void transactionControlAndRoleChangesAreRefusedWithTheLine() {
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "insert into t values (1);\ncommit;"))
        .isInstanceOfSatisfying(PurgeException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.Usage))
        .hasMessageContaining("s.sql, line 2").hasMessageContaining("statement 2 (COMMIT)");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "BEGIN;")).hasMessageContaining("BEGIN");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "set role admin;")).hasMessageContaining("SET ROLE");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "SET SESSION AUTHORIZATION x;")).hasMessageContaining("SET SESSION");
    assertThat(sql("select 'commit'; insert into release values (1)")).hasSize(2);
  }

  @Test
  void otherMetaCommandsAndUnclosedQuotesAreUsageErrorsNamingTheLine() {
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "select 1;\n\\connect other\n"))
        .hasMessageContaining("line 2").hasMessageContaining("\\connect");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "select 1;\nselect 'oops;\n"))
        .hasMessageContaining("line 2").hasMessageContaining("never closed");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "select $x$ never")).hasMessageContaining("$x$");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "/* open")).hasMessageContaining("comment");
    assertThatThrownBy(() -> SeedScript.parse("s.sql", "copy t from stdin;\n1\n"))
        .hasMessageContaining("line 1").hasMessageContaining("\\.");
  }

  @Test
  void anEmptyFileOrOnlyCommentsHoldsNoStatement() {
    assertThat(SeedScript.parse("s.sql", "").size()).isZero();
    assertThat(SeedScript.parse("s.sql", "\uFEFF-- nothing\n/* here */\n;\n").size()).isZero();
  }
}
