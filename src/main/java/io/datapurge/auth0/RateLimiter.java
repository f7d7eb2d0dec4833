package io.datapurge.auth0;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;

/**
 * Keeps concurrent requests within the tenant's Management API rate limit, as Auth0 documents it: a
 * token bucket per tenant; every response says {@code X-RateLimit-Limit} (the bucket's size, i.e.
 * the burst), {@code X-RateLimit-Remaining} (tokens left) and {@code X-RateLimit-Reset} (epoch
 * seconds when the bucket is full again); an empty bucket answers 429.
 *
 * <p>The limiter mirrors the bucket locally and lets a request go only when the mirror holds a whole
 * token, so concurrent callers send as fast as the tenant refills and never faster. The refill rate
 * is not sent; it is estimated from the headers as a <em>lower bound</em>, so that the mirror never
 * holds more than the tenant does (the pure arithmetic is in {@link Bucket}):
 *
 * <ul>
 *   <li>from one response: the missing {@code limit - remaining} tokens refill by the reset second,
 *       counted one second late because the header is rounded to whole seconds;
 *   <li>from two responses at least 4 s apart, with {@code n} requests answered between them: the
 *       tenant refilled at least {@code remaining2 - remaining1 + n - 1 - inFlight1 - inFlight2}
 *       tokens (one for the rounding down of {@code remaining}, one for each request in flight at
 *       either end, which may have been counted on the other side of it).
 * </ul>
 *
 * Each response also sets the mirror within what the tenant said it had, less the requests still in
 * flight: so tokens the tenant refilled faster than estimated are used, not lost. Until the first response tells the bucket's size one request is in flight at a time; a
 * tenant (or proxy) that sends no rate-limit headers is not paced. A 429 empties the mirror and waits
 * {@code Retry-After} when sent, else the time one token takes (never past the reset), then lowers
 * the rate estimate. A wait is never longer than {@code maxWait}, so a skewed clock cannot stall the
 * run.
 */
final class RateLimiter {
  static final Duration FALLBACK_WAIT = Duration.ofSeconds(1);

  private final Duration maxWait;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Bucket bucket = new Bucket();

  RateLimiter(Duration maxWait, Clock clock, Sleeper sleeper) {
    this.maxWait = maxWait;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /** Blocks until the next request may be sent; returns its ticket for {@link #observe}. */
  long acquire() throws InterruptedException {
    while (true) {
      long waitMillis;
      synchronized (this) {
        long now = clock.millis();
        waitMillis = bucket.delay(now);
        if (waitMillis == 0) return bucket.take(now);
      }
      sleeper.sleep(Duration.ofMillis(Math.min(Math.max(waitMillis, 1), maxWait.toMillis())));
    }
  }

  /** The request of {@code ticket} got no response (network failure): it may or may not have counted. */
  synchronized void abandon(long ticket) {
    bucket.abandon(ticket);
  }

  /** Reads the rate-limit headers of the response to the request of {@code ticket}. */
  synchronized void observe(long ticket, int status, HttpHeaders headers) {
    OptionalLong limit = number(headers, "X-RateLimit-Limit");
    OptionalLong remaining = number(headers, "X-RateLimit-Remaining");
    OptionalLong reset = number(headers, "X-RateLimit-Reset");
    OptionalLong retryAfter = number(headers, "Retry-After");
    long now = clock.millis();
    Long resetMillis = reset.isPresent() ? resetMillis(reset.getAsLong(), now) : null;
    if (status == 429) {
      bucket.limited(ticket, now, limit.isPresent() ? limit.getAsLong() : null, resetMillis,
          retryAfter.isPresent() ? retryAfter.getAsLong() * 1000 : null, maxWait.toMillis());
    } else if (limit.isPresent() && remaining.isPresent()) {
      bucket.answered(ticket, now, limit.getAsLong(), remaining.getAsLong(), resetMillis);
    } else {
      bucket.answeredWithoutLimit(ticket);
    }
  }

  /** Requests per second the limiter currently paces to (0 while unknown); for tests and the benchmark. */
  synchronized double ratePerSecond() {
    return bucket.rate * 1000;
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

  /**
   * The mirror of the tenant's bucket: pure arithmetic on times given by the caller (milliseconds),
   * so a unit test can replay any sequence of responses. Not thread-safe: {@link RateLimiter} locks.
   */
  static final class Bucket {
    /** How far apart two responses must be for the refill between them to say something. */
    static final long MIN_SPAN_MILLIS = 4000;
    /** Responses kept as earlier ends of those spans. */
    static final int ANCHORS = 64;
    static final long ANCHOR_EVERY_MILLIS = 250;

    private record Anchor(long at, long remaining, long answered, long inFlight) {}

    /** Bucket size, 0 while unknown; -1 when the tenant sends no rate-limit headers. */
    long capacity;
    /** Tokens available to new requests (the tenant's, less what requests in flight will take). */
    double tokens;
    long tokensAt;
    /** Refill, tokens per millisecond: a lower bound of the tenant's; 0 while unknown. */
    double rate;
    long notBefore;
    long sent;
    long inFlight;
    /** Requests the tenant answered with a token taken (not 429). */
    long answered;
    long newestAnswered = -1;
    private final Deque<Anchor> anchors = new ArrayDeque<>();

    /** Milliseconds until a request may go (0: now). */
    long delay(long now) {
      if (now < notBefore) return notBefore - now;
      if (capacity < 0) return 0;
      if (capacity == 0) return inFlight == 0 ? 0 : 5; // the first response tells the size
      refill(now);
      if (tokens >= 1) return 0;
      if (rate <= 0) return inFlight == 0 ? 0 : 5; // a response will tell more; with none due, probe
      return Math.max(1, (long) Math.ceil((1 - tokens) / rate));
    }

    /** Sends one request: takes a token. */
    long take(long now) {
      if (capacity > 0) {
        refill(now);
        tokens -= 1;
      }
      inFlight++;
      return sent++;
    }

    void abandon(long ticket) {
      inFlight = Math.max(0, inFlight - 1);
    }

    void answeredWithoutLimit(long ticket) {
      inFlight = Math.max(0, inFlight - 1);
      if (capacity == 0) capacity = -1;
    }

    void answered(long ticket, long now, long limit, long remaining, Long resetAt) {
      inFlight = Math.max(0, inFlight - 1);
      answered++;
      long sentAfter = sent - ticket - 1;
      if (capacity <= 0) {
        capacity = limit;
        tokens = remaining - sentAfter;
        tokensAt = now;
      } else {
        capacity = limit;
        refill(now);
        // The tenant held at least remaining and fewer than remaining + 1 tokens; each request sent
        // since will take one, and so may each other request still in flight (answered out of order).
        tokens = Math.min(tokens, remaining + 1 - sentAfter);
        // Raised only by the newest request's answer, with one token to spare for one handled out of order.
        if (ticket > newestAnswered) tokens = Math.max(tokens, remaining - inFlight - 1);
      }
      newestAnswered = Math.max(newestAnswered, ticket);
      if (resetAt != null && remaining < limit - 1) {
        // remaining is rounded down (+1) and the reset up to a whole second (+1 s): a lower bound
        rate = Math.max(rate, (limit - remaining - 1) / (double) Math.max(1, resetAt + 1000 - now));
      }
      for (Anchor a : anchors) {
        long span = now - a.at();
        if (span >= MIN_SPAN_MILLIS) {
          // - 1 for remaining rounded down, and 1 for each request in flight at either end (answered
          // out of order under load, or counted by the tenant before its answer arrived)
          rate = Math.max(rate, (remaining - a.remaining() + (answered - a.answered()) - 1 - a.inFlight() - inFlight)
              / (double) span);
        }
      }
      if (anchors.isEmpty() || now - anchors.peekLast().at() >= ANCHOR_EVERY_MILLIS) {
        anchors.addLast(new Anchor(now, remaining, answered, inFlight));
        if (anchors.size() > ANCHORS) anchors.removeFirst();
      }
    }

    /**
     * A 429: the tenant had no token (someone else took them, or the estimate was high). Nothing was
     * done; the request is to be repeated after the wait.
     */
    void limited(long ticket, long now, Long limit, Long resetAt, Long retryAfterMillis, long maxWait) {
      inFlight = Math.max(0, inFlight - 1);
      if (limit != null) {
        if (capacity <= 0) tokensAt = now;
        capacity = limit;
        if (resetAt != null) rate = Math.max(rate * 0.75, limit / (double) Math.max(1, resetAt + 1000 - now));
        else rate *= 0.75;
      } else {
        if (capacity == 0) capacity = -1; // a 429 without headers: pace by the waits alone
        rate *= 0.75;
      }
      refill(now);
      tokens = Math.min(tokens, -(sent - ticket - 1));
      long wait;
      if (retryAfterMillis != null) {
        wait = retryAfterMillis;
      } else if (rate > 0) {
        wait = (long) Math.ceil(1 / rate);
        if (resetAt != null && resetAt > now) wait = Math.min(wait, resetAt - now);
      } else if (resetAt != null && resetAt > now) {
        wait = resetAt - now;
      } else {
        wait = FALLBACK_WAIT.toMillis();
      }
      notBefore = Math.max(notBefore, now + Math.min(Math.max(wait, 1), maxWait));
      // The estimate was too high or the tenant is shared: it was lowered above; spans start over.
      anchors.clear();
    }

    private void refill(long now) {
      if (now > tokensAt) {
        tokens = Math.min(capacity - inFlight, tokens + rate * (now - tokensAt));
        tokensAt = now;
      }
    }
  }
}
