package io.datapurge.cli;

import io.datapurge.purge.ConnectionSettings;
import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Connection flags shared by purge and restore; the libpq environment fills in what is not given. */
public final class ConnectionOptions {
  @Option(names = "--url", paramLabel = "JDBC_URL",
      description = "jdbc:postgresql://HOST:PORT/DB (default: from PGHOST, PGPORT, PGDATABASE).")
  String url;

  @Option(names = "--user", description = "Database user (default: PGUSER).")
  String user;

  @Option(names = "--password-file", paramLabel = "PATH",
      description = "File whose first line is the password (default: env PGPASSWORD).")
  Path passwordFile;

  // Accepted only to refuse it without echoing the value: a password in argv is visible to every user.
  @Option(names = "--password", hidden = true, arity = "0..1")
  String password;

  ConnectionSettings settings(String runId) {
    if (password != null) {
      throw new PurgeException(FailureReason.Usage,
          "--password is not accepted (it would be visible in the process list): set PGPASSWORD or use --password-file.");
    }
    return ConnectionSettings.resolve(url, user, passwordFile, runId, System.getenv());
  }
}
