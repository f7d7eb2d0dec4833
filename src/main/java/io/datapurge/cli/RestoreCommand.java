package io.datapurge.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.datapurge.purge.Backup;
import io.datapurge.purge.ConnectionSettings;
import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import io.datapurge.purge.SqlFailures;
import io.datapurge.purge.TableName;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code restore}: puts the rows saved by {@code purge --backup-schema} back, in one transaction. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = "Put back the rows a purge saved with --backup-schema (parents first, one transaction).")
public final class RestoreCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Option(names = "--backup-schema", required = true, paramLabel = "NAME", description = "The schema purge wrote.")
  String backupSchema;

  @Option(names = "--confirm", paramLabel = "DBNAME", description = "Must equal the server's current_database().")
  String confirm;

  @Option(names = "--force", description = "Restore without --confirm.")
  boolean force;

  @Option(names = "--drop-backup", description = "Drop the backup schema once the rows are back.")
  boolean dropBackup;

  @Option(names = "--statement-timeout", defaultValue = "10m", converter = DurationConverter.class,
      description = "Longest any one statement may run (default ${DEFAULT-VALUE}).")
  Duration statementTimeout;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PurgeCommand.quietLibraries();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConnectionSettings settings = null;
    try {
      settings = connection.settings(null);
      try (HikariDataSource pool = settings.open(Duration.ofSeconds(5)); Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        try (PreparedStatement st = c.prepareStatement(
            "select current_database(), set_config('statement_timeout', ?, true)")) {
          st.setString(1, statementTimeout.toMillis() + "ms");
          try (ResultSet rs = st.executeQuery()) {
            rs.next();
            String database = rs.getString(1);
            if (confirm == null && !force) {
              throw new PurgeException(FailureReason.Refused, "No confirmation: pass --confirm " + database + " or --force.");
            }
            if (confirm != null && !confirm.equals(database)) {
              throw new PurgeException(FailureReason.ConfirmationMismatch, "--confirm " + confirm
                  + " does not match the connected database " + database + ".");
            }
          }
        }
        try {
          List<Backup.Restored> restored = Backup.restore(c, backupSchema);
          if (dropBackup) {
            try (Statement st = c.createStatement()) {
              st.execute("drop schema " + TableName.quote(backupSchema) + " cascade");
            }
          }
          c.commit();
          for (Backup.Restored r : restored) out.printf("%-50s %10d rows restored%n", r.table(), r.rows());
          out.flush();
          return 0;
        } catch (Exception e) {
          c.rollback();
          throw e;
        }
      }
    } catch (Exception e) {
      PurgeException failure = SqlFailures.classify(e, false);
      String message = settings == null ? failure.getMessage() : settings.scrub(failure.getMessage());
      err.println("restore: " + failure.reason() + ": " + message);
      err.flush();
      return failure.reason().exitCode();
    }
  }
}
