package io.datapurge.api;

import java.util.Locale;

/**
 * How rows are removed; both leave the same end state. One type for the resource (spec.strategy,
 * spelled {@code Delete} / {@code Truncate}) and the purge command ({@code --strategy delete|truncate},
 * the result's {@code "strategy"}), so the operator passes the value on without re-spelling it.
 */
public enum Strategy {
  /** Row-by-row DELETE, children first: row locks, works beside live traffic, slower. */
  Delete,
  /** One TRUNCATE of every table in the plan: an ACCESS EXCLUSIVE lock, near-instant. */
  Truncate;

  /** The spelling on the command line and in the JSON result: {@code delete}, {@code truncate}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
