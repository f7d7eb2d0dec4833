package io.datapurge.auth0;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Users created in {@code [from, to)}: a slice of the tenant small enough for Auth0's search, which
 * returns at most 1000 results per query. A window that holds 1000 or more is cut in two until each
 * half holds fewer (or is a single millisecond wide, the resolution of {@code created_at}).
 */
record CreatedAtWindow(Instant from, Instant to) {
  /** The format of Auth0's {@code created_at}: ISO 8601, UTC, milliseconds. */
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** The window's Lucene range, ANDed with {@code filter} when there is one. */
  String query(String filter) {
    String range = "created_at:[" + TIMESTAMP.format(from) + " TO " + TIMESTAMP.format(to) + "}";
    return filter == null ? range : filter + " AND " + range;
  }

  boolean splittable() {
    return ChronoUnit.MILLIS.between(from, to) > 1;
  }

  CreatedAtWindow[] halves() {
    Instant middle = from.plusMillis(ChronoUnit.MILLIS.between(from, to) / 2);
    return new CreatedAtWindow[] {new CreatedAtWindow(from, middle), new CreatedAtWindow(middle, to)};
  }
}
