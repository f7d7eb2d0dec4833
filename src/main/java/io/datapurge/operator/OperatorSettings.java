package io.datapurge.operator;

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

  public static final String DEFAULT_PROTECTED = "(?i).*prod.*";

  public boolean isProtected(String database) {
    return protectedDatabases.matcher(database).matches();
  }
}
