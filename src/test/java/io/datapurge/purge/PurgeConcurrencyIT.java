package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeProcess;
import io.datapurge.testing.PurgeProcess.Run;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Other sessions get in the way: locks, a killed connection, a second purge, a slow statement. */
class PurgeConcurrencyIT {
  String db;
  Map<String, String> before;

  @BeforeEach
  void edgeDatabase() {
    db = PostgresServer.createDatabase("purge_conc", "schemas/edge.sql");
    before = DatabaseChecksum.of(db);
  }

  @AfterEach
  void drop() {
    PostgresServer.dropDatabase(db);
  }

  static String[] purge(String runId, String... more) {
    String[] base = {"purge", "--table", "app.\"Account\"", "--force", "--run-id", runId};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  /** Another session holds row locks on audit_note, so the purge's ON DELETE SET NULL waits after deleting the children. */
  Connection holdAuditNoteRows() throws Exception {
    Connection other = PostgresServer.connect(db);
    other.setAutoCommit(false);
    try (Statement st = other.createStatement()) {
      st.execute("select * from audit_note for update");
    }
    return other;
  }

  void awaitPurgeWaitingOnALock(String runId) {
    await().atMost(Duration.ofSeconds(30)).until(() -> PostgresServer.queryLong(db,
        "select count(*) from pg_stat_activity where application_name = 'user-data-purge " + runId
            + "' and wait_event_type = 'Lock'") == 1);
  }

  @Test
  void tableLockedByAnotherSessionTimesOutAndDeletesNothing() throws Exception {
    try (Connection other = PostgresServer.connect(db); Statement st = other.createStatement()) {
      other.setAutoCommit(false);
      st.execute("lock table b_side in access share mode");

      Run run = PurgeProcess.run(PostgresServer.libpqEnv(db), purge("locked", "--lock-timeout", "1s"));

      assertThat(run.exitCode()).isEqualTo(5);
      assertThat(run.result().error().reason()).isEqualTo("LockTimeout");
      assertThat(run.result().error().message()).contains("nothing was deleted").contains("--lock-timeout");
      other.rollback();
    }
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void connectionKilledMidTransactionAfterDeletingChildrenLeavesEverythingInPlace() throws Exception {
    try (Connection other = holdAuditNoteRows()) {
      PurgeProcess.Running purge = PurgeProcess.start(PostgresServer.libpqEnv(db), purge("killed", "--lock-timeout", "60s"));
      awaitPurgeWaitingOnALock("killed");
      assertThat(PostgresServer.queryLong(db, "select count(*) from pg_stat_activity where application_name = "
          + "'user-data-purge killed' and query like 'delete from%Account%'")).isEqualTo(1);

      PostgresServer.queryLong(db, "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
          + " where application_name = 'user-data-purge killed') t");
      Run run = purge.await();
      other.rollback();

      assertThat(run.exitCode()).isEqualTo(4);
      assertThat(run.result().error().reason()).isEqualTo("ConnectionFailed");
      assertThat(run.result().error().message()).contains("terminating connection").contains("nothing was deleted");
      assertThat(run.result().committed()).isFalse();
    }
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void secondPurgeOfTheSameDatabaseFailsFastAsBusy() throws Exception {
    try (Connection other = holdAuditNoteRows()) {
      PurgeProcess.Running first = PurgeProcess.start(PostgresServer.libpqEnv(db), purge("first", "--lock-timeout", "60s"));
      awaitPurgeWaitingOnALock("first");

      Run second = PurgeProcess.run(PostgresServer.libpqEnv(db), purge("second", "--strategy", "truncate"));

      assertThat(second.exitCode()).isEqualTo(5);
      assertThat(second.result().error().reason()).isEqualTo("Busy");
      assertThat(second.result().runId()).isEqualTo("second");
      assertThat(first.isAlive()).isTrue();
      other.rollback();
      Run firstRun = first.await();
      assertThat(firstRun.exitCode()).as(firstRun.stderr()).isZero();
    }
    assertThat(PostgresServer.queryLong(db, "select count(*) from app.\"Account\"")).isZero();
  }

  @Test
  void statementRunningPastTheTimeoutIsCancelledAndDeletesNothing() throws Exception {
    try (Connection other = holdAuditNoteRows()) {
      Run run = PurgeProcess.run(PostgresServer.libpqEnv(db),
          purge("slow", "--lock-timeout", "60s", "--statement-timeout", "1s"));
      other.rollback();

      assertThat(run.exitCode()).isEqualTo(5);
      assertThat(run.result().error().reason()).isEqualTo("StatementTimeout");
    }
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }
}
