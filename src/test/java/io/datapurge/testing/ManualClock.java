package io.datapurge.testing;

import io.datapurge.auth0.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, and a {@link Sleeper} that moves it instead of sleeping:
 * the client and {@link FakeAuth0} share one, so rate-limit resets and token lifetimes are exact
 * and a test never waits on (or races) the wall clock. Safe to read from the fake's server threads.
 */
public final class ManualClock extends Clock implements Sleeper {
  private final AtomicLong millis;
  private final AtomicLong slept = new AtomicLong();

  public ManualClock(Instant start) {
    millis = new AtomicLong(start.toEpochMilli());
  }

  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }

  /** Everything the code under test asked to sleep, in total. */
  public Duration slept() {
    return Duration.ofMillis(slept.get());
  }

  @Override
  public void sleep(Duration d) {
    slept.addAndGet(d.toMillis());
    advance(d);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a ManualClock is UTC");
  }
}
