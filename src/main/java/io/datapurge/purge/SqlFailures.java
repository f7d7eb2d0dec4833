package io.datapurge.purge;

import java.net.UnknownHostException;
import java.sql.SQLException;

/** Turns whatever the driver or the pool threw into a reason and a sentence the user can act on. */
public final class SqlFailures {
  private SqlFailures() {}

  /**
   * @param committing true when the failure happened while COMMIT was in flight: then the outcome
   *     is unknown and the message says so, instead of promising that nothing was deleted.
   */
  public static PurgeException classify(Throwable error, boolean committing) {
    if (error instanceof PurgeException p) return p;
    SQLException sql = firstSqlException(error);
    String state = sql == null || sql.getSQLState() == null ? "" : sql.getSQLState();
    String detail = sql == null ? String.valueOf(rootCause(error).getMessage()) : firstLine(sql.getMessage());
    String rolledBack = committing
        ? " The connection failed during COMMIT, so the outcome is unknown: count the tables to check."
        : " The transaction was rolled back; nothing was deleted.";
    if (rootCause(error) instanceof UnknownHostException u) {
      return new PurgeException(FailureReason.ConnectionFailed,
          "Unknown host " + u.getMessage() + ": check --url or PGHOST.", error);
    }
    if (state.equals("28P01") || state.equals("28000")) {
      return new PurgeException(FailureReason.AuthFailed,
          "The server rejected the credentials (" + detail + "): check the user and PGPASSWORD or --password-file.", error);
    }
    if (state.equals("55P03")) {
      return new PurgeException(FailureReason.LockTimeout,
          "A table of the plan is locked by another session and the lock was not granted within --lock-timeout ("
              + detail + ")." + rolledBack + " Retry when the other session has finished, or raise --lock-timeout.", error);
    }
    if (state.equals("57014")) {
      return new PurgeException(FailureReason.StatementTimeout,
          "A statement ran longer than --statement-timeout (" + detail + ")." + rolledBack + " Raise --statement-timeout.", error);
    }
    if (state.startsWith("57P")) {
      return new PurgeException(FailureReason.ConnectionFailed,
          "The server ended the session (" + detail + ")." + rolledBack, error);
    }
    if (state.startsWith("08") || (sql == null && rootCause(error) instanceof java.io.IOException)) {
      boolean neverConnected = state.equals("08001") || state.equals("08004");
      return new PurgeException(FailureReason.ConnectionFailed,
          (neverConnected ? "Could not connect to PostgreSQL (" + detail + "): check the host, port, sslmode and sslrootcert."
              : "The connection to PostgreSQL failed (" + detail + ")." + rolledBack), error);
    }
    if (state.equals("3D000")) {
      return new PurgeException(FailureReason.ConnectionFailed,
          "The database does not exist (" + detail + "): check --url or PGDATABASE.", error);
    }
    if (state.equals("42P01")) {
      return new PurgeException(FailureReason.PlanInvalid, detail + "." + rolledBack, error);
    }
    if (state.equals("23503")) {
      return new PurgeException(FailureReason.PlanInvalid,
          "Rows outside the plan still reference purged rows (" + detail + ")." + rolledBack
              + " Purge the referencing table too (drop --no-dependents or add it with --table).", error);
    }
    if (state.equals("42501")) {
      return new PurgeException(FailureReason.Failed,
          "Permission denied (" + detail + ")." + rolledBack + " Grant the purge user the needed privileges.", error);
    }
    return new PurgeException(FailureReason.Failed,
        (state.isEmpty() ? "" : "SQLSTATE " + state + ": ") + detail + "." + (committing ? rolledBack : ""), error);
  }

  private static SQLException firstSqlException(Throwable t) {
    SQLException fallback = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLException s) {
        if (s.getSQLState() != null) return s;
        if (fallback == null) fallback = s;
      }
      if (c.getCause() == c) break;
    }
    return fallback;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) c = c.getCause();
    return c;
  }

  private static String firstLine(String message) {
    if (message == null) return "no message";
    String m = message.strip();
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
  }
}
