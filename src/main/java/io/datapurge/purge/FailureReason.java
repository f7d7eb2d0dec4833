package io.datapurge.purge;

/**
 * Why a purge did not complete, with the process exit code documented in the README. The reason
 * names travel through the termination message into the resource's status, so they are a contract.
 */
public enum FailureReason {
  /** Bad flags or identifiers: fix the command line or the resource. */
  Usage(2),
  /** No confirmation, a confirmation that does not match current_database(), or a protected database. */
  Refused(3),
  ConfirmationMismatch(3),
  ProtectedDatabase(3),
  /** A table named in the plan does not exist, or a kept table would have to be purged. */
  PlanInvalid(3),
  /** The server could not be reached. */
  ConnectionFailed(4),
  /** The server rejected the user or password. */
  AuthFailed(4),
  /** A lock could not be taken within --lock-timeout. */
  LockTimeout(5),
  /** A statement ran past --statement-timeout. */
  StatementTimeout(5),
  /** Another purge of the same database holds the purge lock; try again when it has finished. */
  Busy(5),
  /** A purged table still had rows after the delete; the transaction was rolled back. */
  VerificationFailed(6),
  /** A statement of a --seed-file failed; the message names the file, the statement and PostgreSQL's error. Rolled back. */
  SeedFailed(1),
  /** The Auth0 tenant could not be reached, refused the credentials or lacks a scope; nothing was deleted. */
  Auth0Failed(4),
  /** The database purge was committed but some Auth0 users remain; run again to finish (docs/auth0.md). */
  Auth0Incomplete(7),
  /** Anything else; the message carries the PostgreSQL error. */
  Failed(1);

  private final int exitCode;

  FailureReason(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  /** The reason a result names; {@link #Failed} for a name this version does not know, or none. */
  public static FailureReason named(String name) {
    for (FailureReason r : values()) {
      if (r.name().equals(name)) return r;
    }
    return Failed;
  }
}
