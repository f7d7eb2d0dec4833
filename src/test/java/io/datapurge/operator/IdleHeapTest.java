package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.operator.IdleHeap.Sample;
import org.junit.jupiter.api.Test;

/** When the operator gives heap back: idle now, busy since the last trim, and enough unused. */
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
}
