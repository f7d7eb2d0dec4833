package io.datapurge.auth0;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Keeps requests within the tenant's Management API rate limit: after a 429, or when
 * {@code X-RateLimit-Remaining} reaches 0, the next request waits until {@code X-RateLimit-Reset}
 * (epoch seconds). Without a usable reset header a 429 waits {@code Retry-After} seconds, else a
 * second. A wait is never longer than {@code maxWait}, so a skewed clock cannot stall the run.
 */
final class RateLimiter {
  static final Duration FALLBACK_WAIT = Duration.ofSeconds(1);

  private final Duration maxWait;
  private final Clock clock;
  private final Sleeper sleeper;
  private long notBeforeMillis;

  RateLimiter(Duration maxWait, Clock clock, Sleeper sleeper) {
    this.maxWait = maxWait;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /** Blocks until the next request may be sent. */
  synchronized void acquire() throws InterruptedException {
    long wait = notBeforeMillis - clock.millis();
    if (wait > 0) sleeper.sleep(Duration.ofMillis(wait));
  }

  /** Reads the rate-limit headers of a response. */
  synchronized void observe(int status, HttpHeaders headers) {
    long now = clock.millis();
    OptionalLong reset = number(headers, "X-RateLimit-Reset");
    OptionalLong remaining = number(headers, "X-RateLimit-Remaining");
    long until;
    if (status == 429) {
      OptionalLong retryAfter = number(headers, "Retry-After");
      until = reset.isPresent() && resetMillis(reset.getAsLong(), now) > now ? resetMillis(reset.getAsLong(), now)
          : retryAfter.isPresent() ? now + retryAfter.getAsLong() * 1000
          : now + FALLBACK_WAIT.toMillis();
    } else if (remaining.isPresent() && remaining.getAsLong() <= 0 && reset.isPresent()) {
      until = resetMillis(reset.getAsLong(), now);
    } else {
      return;
    }
    notBeforeMillis = Math.max(notBeforeMillis, Math.min(until, now + maxWait.toMillis()));
  }

  /** Auth0 sends epoch seconds; a small number can only be a delay in seconds. */
  private static long resetMillis(long reset, long now) {
    return reset < 1_000_000_000L ? now + reset * 1000 : reset * 1000;
  }

  private static OptionalLong number(HttpHeaders headers, String name) {
    try {
      return headers.firstValue(name).map(String::strip).map(Long::parseLong)
          .map(OptionalLong::of).orElse(OptionalLong.empty());
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
