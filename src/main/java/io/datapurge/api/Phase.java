package io.datapurge.api;

/** Where a run stands; see the README for the transitions. */
public enum Phase {
  /** Accepted; the Job is not created yet. */
  Pending,
  /** The read-only plan Job is counting rows. */
  Planning,
  /** The plan is in status; set spec.confirm to the database name to purge. */
  AwaitingConfirmation,
  /** The purge Job is deleting. */
  Running,
  /** Purged (or, with dryRun, counted); status holds the counts. */
  Succeeded,
  /** The Job failed; status.reason and the Ready condition say why. Nothing was committed, except
   * with reason Auth0Incomplete (the database was purged; Auth0 users remain). */
  Failed,
  /** The operator refused the spec; no Job was created. */
  Blocked;

  public boolean isFinal() {
    return this == AwaitingConfirmation || this == Succeeded || this == Failed || this == Blocked;
  }
}
