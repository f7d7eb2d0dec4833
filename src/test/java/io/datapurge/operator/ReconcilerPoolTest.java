package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The reconciler threads: as many at once as JOSDK's default pool, none kept while idle. */
class ReconcilerPoolTest {

  @Test
  void runsFiftyReconcilesAtOnceAndEndsItsThreadsWhenIdle() throws Exception {
    var pool = ReconcilerPool.create(ReconcilerPool.THREADS, Duration.ofMillis(200));
    try {
      CountDownLatch running = new CountDownLatch(ReconcilerPool.THREADS);
      CountDownLatch release = new CountDownLatch(1);
      for (int i = 0; i < ReconcilerPool.THREADS + 10; i++) {
        pool.execute(() -> {
          running.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      assertThat(running.await(10, TimeUnit.SECONDS)).as("50 reconciles running at the same time").isTrue();
      assertThat(pool.getPoolSize()).isEqualTo(50);
      assertThat(pool.getQueue()).as("the rest wait for a thread").hasSize(10);
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (pool.getPoolSize() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
      assertThat(pool.getCompletedTaskCount()).isEqualTo(60);
      assertThat(pool.getPoolSize()).as("threads left after 200 ms idle").isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
