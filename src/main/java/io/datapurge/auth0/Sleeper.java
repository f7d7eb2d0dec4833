package io.datapurge.auth0;

import java.time.Duration;

/**
 * How the Auth0 side waits (rate limit, retry backoff, pause between passes). The purge command uses
 * {@link #REAL}; tests pass one that advances their clock, so they neither sleep nor race the wall clock.
 */
@FunctionalInterface
public interface Sleeper {
  Sleeper REAL = d -> Thread.sleep(d.toMillis());

  void sleep(Duration d) throws InterruptedException;
}
