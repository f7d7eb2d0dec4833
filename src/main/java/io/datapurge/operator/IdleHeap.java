package io.datapurge.operator;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives memory back after a busy period. The image runs the serial collector (small and quick to
 * start), which never collects while nothing allocates and shrinks the heap only in a full
 * collection: an operator that has just reconciled hundreds of resources keeps the heap it grew to
 * for as long as it stays idle. This does what G1's {@code G1PeriodicGCInterval} does for G1: when a
 * check finds no collection since the previous one (idle) but some since the last trim (there was
 * work), it asks for one full collection; with the image's {@code -XX:MaxHeapFreeRatio=20
 * -XX:-ShrinkHeapInSteps} that collection returns the unused heap to the system at once. An idle
 * operator is trimmed once, not again until it has worked. Whether the heap holds much garbage cannot
 * be told without collecting ("used" counts it as well: after 130 resources a 57 MB heap showed 45 MB
 * used with 26 MB live, and a rule "at least 16 MB unused" skipped the trim), and one full collection
 * of a heap this size takes tens of milliseconds once per busy period.
 */
public final class IdleHeap implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IdleHeap.class);

  /** What one check saw: collections so far, heap committed and used. */
  record Sample(long collections, long committed, long used) {}

  /** The decision, as a pure value: trim now? */
  static boolean shouldTrim(Sample previous, Sample now, long collectionsAfterLastTrim) {
    boolean idle = now.collections() == previous.collections();
    boolean workedSinceTrim = now.collections() > collectionsAfterLastTrim;
    return idle && workedSinceTrim;
  }

  private final ScheduledExecutorService timer;
  private Sample previous;
  private long afterLastTrim = -1;
  private int trims;

  private IdleHeap(Duration every) {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "idle-heap");
      t.setDaemon(true);
      return t;
    });
    previous = sample();
    timer.scheduleWithFixedDelay(this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Checks every {@code every}; null when {@code every} is zero (off). */
  public static IdleHeap start(Duration every) {
    return every.isZero() ? null : new IdleHeap(every);
  }

  synchronized int trims() {
    return trims;
  }

  private synchronized void check() {
    try {
      Sample now = sample();
      if (shouldTrim(previous, now, afterLastTrim)) {
        System.gc();
        trims++;
        now = sample();
        afterLastTrim = now.collections();
        LOG.debug("Idle: full collection, heap committed {} MB, used {} MB", now.committed() >> 20, now.used() >> 20);
      }
      previous = now;
    } catch (RuntimeException e) {
      LOG.warn("Idle heap check failed", e);
    }
  }

  private static Sample sample() {
    long collections = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      collections += Math.max(0, gc.getCollectionCount());
    }
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new Sample(collections, heap.getCommitted(), heap.getUsed());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
