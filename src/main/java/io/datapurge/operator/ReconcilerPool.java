package io.datapurge.operator;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads reconciles run on. JOSDK's default is a fixed pool of 50 that starts a thread per
 * reconcile until it holds 50 and keeps them for good: after one busy period an idle operator held 50
 * parked threads (stacks, thread-local malloc arenas) it would not need until the next one. This pool
 * runs as many reconciles at once (same size, same unbounded queue) and ends a thread after
 * {@code idle} without work.
 */
public final class ReconcilerPool {
  /** JOSDK's default number of concurrent reconciles. */
  public static final int THREADS = 50;
  public static final Duration IDLE = Duration.ofSeconds(30);

  private ReconcilerPool() {}

  public static ThreadPoolExecutor create(int threads, Duration idle) {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, idle.toMillis(), TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), r -> new Thread(r, "reconciler-" + count.incrementAndGet()));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
