package io.datapurge.operator;

import io.datapurge.purge.PurgeRequest;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How the operator builds Jobs: the purge image, the database names it refuses to touch, and the
 * Job's deadline and time-to-live.
 */
public record OperatorSettings(
    String purgeImage, Pattern protectedDatabases, Duration jobDeadline, Duration jobTtl, URI auth0BaseUrl) {

  /** Settings whose Jobs talk to Auth0 at https://DOMAIN, as in production. */
  public OperatorSettings(String purgeImage, Pattern protectedDatabases, Duration jobDeadline, Duration jobTtl) {
    this(purgeImage, protectedDatabases, jobDeadline, jobTtl, null);
  }

  /** The purge command's default, so the operator and its Jobs refuse the same names out of the box. */
  public static final String DEFAULT_PROTECTED = PurgeRequest.DEFAULT_PROTECTED_PATTERN;

  public boolean isProtected(String database) {
    return protectedDatabases.matcher(database).matches();
  }
}
