package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeProcess;
import io.datapurge.testing.PurgeProcess.Run;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** purge --backup-schema, then restore: the rows come back exactly, cycles included. */
class BackupRestoreIT {
  String db;

  @BeforeEach
  void database() {
    db = PostgresServer.createDatabase("purge_backup", "schemas/django.sql", "schemas/edge.sql");
    PostgresServer.run(db, "select seed_django(150)");
  }

  @AfterEach
  void drop() {
    PostgresServer.dropDatabase(db);
  }

  /** Everything outside the backup schema, including audit_note, whose links the purge nulled. */
  Map<String, String> userTables() {
    Map<String, String> all = new TreeMap<>(DatabaseChecksum.of(db));
    all.keySet().removeIf(k -> k.startsWith("purge_backup."));
    return all;
  }

  @Test
  void purgedRowsComeBackWithRestore() {
    Map<String, String> original = userTables();
    Map<String, String> env = PostgresServer.libpqEnv(db);

    Run purge = PurgeProcess.run(env, "purge", "--table", "auth_user", "--table", "custom_auth_tenant",
        "--table", "app.\"Account\"", "--backup-schema", "purge_backup", "--confirm", db, "--strategy", "truncate");
    assertThat(purge.exitCode()).as(purge.stderr()).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from purge_backup.purge_manifest")).isEqualTo(14);
    assertThat(PostgresServer.queryLong(db, "select count(*) from audit_note where account_id is not null")).isZero();

    Run again = PurgeProcess.run(env, "purge", "--table", "auth_user", "--backup-schema", "purge_backup", "--force");
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.result().error().message()).contains("already exists");

    Run restore = PurgeProcess.run(env, "restore", "--backup-schema", "purge_backup", "--confirm", db, "--drop-backup");
    assertThat(restore.exitCode()).as(restore.stderr()).isZero();
    assertThat(restore.stdout()).contains("public.auth_user").contains("150 rows restored")
        .contains("public.audit_note (links)");

    Map<String, String> restored = userTables();
    restored.keySet().removeIf(k -> k.endsWith("_seq"));
    original.keySet().removeIf(k -> k.endsWith("_seq"));
    assertThat(restored).isEqualTo(original);
    assertThat(PostgresServer.queryLong(db, "select count(*) from pg_namespace where nspname = 'purge_backup'")).isZero();
    assertThat(PostgresServer.queryLong(db,
        "insert into auth_user (password, username) values ('x', 'after-restore') returning id")).isEqualTo(151);
  }

  @Test
  void restoreWithoutConfirmationIsRefused() {
    Run restore = PurgeProcess.run(PostgresServer.libpqEnv(db), "restore", "--backup-schema", "nothing_here");
    assertThat(restore.exitCode()).isEqualTo(3);
    assertThat(restore.stderr()).contains("Refused");
  }
}
