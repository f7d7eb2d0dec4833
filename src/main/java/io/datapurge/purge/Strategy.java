package io.datapurge.purge;

import java.util.Locale;

/** How the rows go: DELETE (row by row, fires triggers) or TRUNCATE (fast); both end in the same state. */
public enum Strategy {
  DELETE,
  TRUNCATE;

  /** The name on the command line and in the result: {@code delete}, {@code truncate}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
