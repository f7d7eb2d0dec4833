package io.datapurge.api;

/** What a tick does while an earlier run of the same schedule is still working. */
public enum ConcurrencyPolicy {
  /** The tick is skipped (an Event and status.lastSkip say so); the running purge finishes. */
  Forbid,
  /** The running purge is cancelled (its child and Job deleted: PostgreSQL rolls it back), then the tick runs. */
  Replace
}
