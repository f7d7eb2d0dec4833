package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.operator.IdleHeap.Sample;
import org.junit.jupiter.api.Test;

/** When the operator gives heap back: idle now and busy since the last trim, however full the heap looks. */
class IdleHeapTest {
  static final long MB = 1 << 20;

  @Test
  void anIdleOperatorThatWorkedSinceTheLastTrimAndHoldsUnusedHeapIsTrimmed() {
    assertThat(IdleHeap.shouldTrim(new Sample(40, 140 * MB, 60 * MB), new Sample(40, 140 * MB, 61 * MB), -1)).isTrue();
  }

  @Test
  void aCollectionSinceThePreviousCheckMeansBusyNotIdle() {
    assertThat(IdleHeap.shouldTrim(new Sample(40, 140 * MB, 60 * MB), new Sample(41, 140 * MB, 30 * MB), -1)).isFalse();
  }

  @Test
  void anOperatorIdleSinceItsLastTrimIsNotTrimmedAgain() {
    assertThat(IdleHeap.shouldTrim(new Sample(41, 70 * MB, 44 * MB), new Sample(41, 70 * MB, 44 * MB), 41)).isFalse();
  }

  @Test
  void aHeapThatLooksFullIsTrimmedToo() {
    // "used" counts garbage not yet collected: 45 of 57 MB used, 26 MB of it live (bench/operator-memory.sh).
    assertThat(IdleHeap.shouldTrim(new Sample(40, 57 * MB, 45 * MB), new Sample(40, 57 * MB, 45 * MB), -1)).isTrue();
  }

  @Test
  void zeroTurnsItOff() {
    assertThat(IdleHeap.start(java.time.Duration.ZERO)).isNull();
  }

  @Test
  void oneCollectionOfWorkSinceTheLastTrimIsEnough() {
    assertThat(IdleHeap.shouldTrim(new Sample(42, 140 * MB, 60 * MB), new Sample(42, 140 * MB, 60 * MB), 41)).isTrue();
  }

  @Test
  void aRunningCheckTrimsAnIdleHeapWithAFullCollectionOnceAndNotAgainWhileIdle() {
    byte[][] garbage = new byte[64][];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = new byte[1 << 20]; // grows the committed heap, as a busy reconcile does
    }
    garbage = null;
    long collectionsBefore = collections();
    try (IdleHeap heap = IdleHeap.start(java.time.Duration.ofMillis(50))) {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> heap.trims() >= 1);
      assertThat(collections()).as("the trim is a collection").isGreaterThan(collectionsBefore);
      int trims = heap.trims();
      sleep(500); // ten idle checks
      assertThat(heap.trims()).as("idle since the trim").isEqualTo(trims);
    }
  }

  @Test
  void theCheckNeverKeepsTheOperatorFromExiting() {
    try (IdleHeap heap = IdleHeap.start(java.time.Duration.ofMinutes(5))) {
      assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("idle-heap"))
          .isNotEmpty().allMatch(Thread::isDaemon);
    }
  }

  static long collections() {
    return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(gc -> Math.max(0, gc.getCollectionCount())).sum();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
