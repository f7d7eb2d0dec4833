package io.datapurge.auth0;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * The limiter's mirror of Auth0's token bucket, replayed against a simulated tenant on a virtual clock:
 * {@code workers} callers, each request taking {@code latency} (handled half way), the tenant's bucket
 * as Auth0 documents it. Pure arithmetic: no threads, no sleeping.
 */
class RateLimiterTest {
  /** A tenant's bucket and what it answered. */
  static final class Tenant {
    final int burst;
    final double perMilli;
    double tokens;
    long at;
    int handled;
    int limited;

    Tenant(int burst, double perSecond) {
      this.burst = burst;
      this.perMilli = perSecond / 1000;
      this.tokens = burst;
    }

    /** Handles a request at {@code now}: {limit, remaining, reset epoch s, status}. */
    long[] handle(long now) {
      tokens = Math.min(burst, tokens + perMilli * (now - at));
      at = now;
      boolean ok = tokens >= 1;
      if (ok) {
        tokens -= 1;
        handled++;
      } else {
        limited++;
      }
      long fullAt = now + (long) Math.ceil((burst - tokens) / perMilli);
      return new long[] {burst, (long) Math.floor(tokens), Math.floorDiv(fullAt + 999, 1000), ok ? 204 : 429};
    }
  }

  record Result(int handled, int limited, long millis, double paced) {}

  /** {@code requests} requests through the mirror; returns what the tenant saw and how long it took. */
  static Result replay(Tenant tenant, int workers, long latency, int requests) {
    RateLimiter.Bucket bucket = new RateLimiter.Bucket();
    long start = 1_764_000_000_000L;
    tenant.at = start;
    // events: {time, kind (0 = a worker is free, 1 = the tenant handles, 2 = the response arrives), ticket, payload...}
    // Events at the same time in the order they were made (the tenant handles requests in the order sent).
    long[] order = {0};
    PriorityQueue<long[]> events = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
        : Long.compare(a[a.length - 1], b[b.length - 1]));
    for (int w = 0; w < workers; w++) events.add(new long[] {start, 0, 0, order[0]++});
    int sentOk = 0;
    long now = start;
    while (!events.isEmpty() && tenant.handled < requests) {
      long[] e = events.poll();
      now = e[0];
      if (e[1] == 0) {
        if (sentOk + (int) bucket.inFlight >= requests) continue;
        long wait = bucket.delay(now);
        if (wait > 0) {
          events.add(new long[] {now + wait, 0, 0, order[0]++});
        } else {
          long ticket = bucket.take(now);
          events.add(new long[] {now + latency / 2, 1, ticket, order[0]++});
        }
      } else if (e[1] == 1) {
        long[] answer = tenant.handle(now);
        events.add(new long[] {now + latency - latency / 2, 2, e[2], answer[0], answer[1], answer[2], answer[3], order[0]++});
      } else {
        if (e[6] == 429) {
          bucket.limited(e[2], now, e[3], e[5] * 1000, null, 60_000);
        } else {
          sentOk++;
          bucket.answered(e[2], now, e[3], e[4], e[5] * 1000);
        }
        events.add(new long[] {now, 0, 0, order[0]++});
      }
    }
    return new Result(tenant.handled, tenant.limited, now - start, bucket.rate * 1000);
  }

  @Test
  void aFreeTierTenantIsUsedAtItsRateWithoutA429() {
    Tenant tenant = new Tenant(10, 2);
    Result r = replay(tenant, 20, 80, 200);

    assertThat(r.limited()).isZero();
    // 10 from the full bucket, 190 at 2/s: 95 s is the least possible.
    assertThat(r.millis()).isBetween(95_000L, 95_000L * 105 / 100);
    assertThat(r.paced()).isLessThanOrEqualTo(2.0);
  }

  @Test
  void aPaidTierTenantIsUsedAtItsRateWithoutA429() {
    Tenant tenant = new Tenant(50, 50);
    Result r = replay(tenant, 20, 80, 2000);

    assertThat(r.limited()).isZero();
    assertThat(r.millis()).isBetween(39_000L, 39_000L * 105 / 100);
    assertThat(r.paced()).isLessThanOrEqualTo(50.0);
  }

  @Test
  void untilTheFirstAnswerTellsTheBucketsSizeOneRequestIsInFlight() {
    RateLimiter.Bucket bucket = new RateLimiter.Bucket();
    assertThat(bucket.delay(0)).isZero();
    bucket.take(0);
    assertThat(bucket.delay(10)).as("the second waits for the first answer").isPositive();

    bucket.answered(0, 80, 10, 9, 5000L);

    assertThat(bucket.delay(80)).isZero();
    for (int i = 0; i < 8; i++) bucket.take(80);
    assertThat(bucket.delay(80)).as("9 tokens were left: 8 taken, one kept").isZero();
  }

  @Test
  void aTenantWithoutRateLimitHeadersIsNotPacedButA429StillWaits() {
    RateLimiter.Bucket bucket = new RateLimiter.Bucket();
    long t = bucket.take(0);
    bucket.answeredWithoutLimit(t);
    for (int i = 0; i < 100; i++) assertThat(bucket.delay(0)).isZero();

    bucket.limited(bucket.take(0), 100, null, null, 3000L, 60_000);

    assertThat(bucket.delay(100)).as("Retry-After").isEqualTo(3000);
  }
}
