package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** An Event or count decided again (on a stale cache) is announced once; memory stays bounded. */
class AnnouncedTest {

  @Test
  void theSameKeyIsAnnouncedOnceAndOtherKeysStillAre() {
    Announced announced = new Announced(10);

    assertThat(announced.firstTime("uid/SkippedConcurrencyForbid/Tick 12:01")).isTrue();
    assertThat(announced.firstTime("uid/SkippedConcurrencyForbid/Tick 12:01")).isFalse();
    assertThat(announced.firstTime("uid/SkippedConcurrencyForbid/Tick 12:02")).isTrue();
  }

  @Test
  void onlyTheMostRecentlyAnnouncedKeysAreRemembered() {
    Announced announced = new Announced(2);
    announced.firstTime("a");
    announced.firstTime("b");
    announced.firstTime("a"); // a is recent again
    announced.firstTime("c"); // b, the eldest, is forgotten

    assertThat(announced.firstTime("a")).isFalse();
    assertThat(announced.firstTime("c")).isFalse();
    assertThat(announced.firstTime("b")).as("forgotten: announced again").isTrue();
  }
}
