package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a dashboard reads: runs per schedule and outcome, and the next tick (NaN when there is none). */
class ScheduleMetricsTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ScheduleMetrics metrics = new ScheduleMetrics(registry);

  @Test
  void eachOutcomeIsCountedPerSchedule() {
    metrics.count("staging/reset-nightly", "created");
    metrics.count("staging/reset-nightly", "created");
    metrics.count("staging/reset-nightly", "skipped_concurrency_forbid");
    metrics.count("preview/reset", "created");

    assertThat(registry.counter("datapurge.schedule.runs", "schedule", "staging/reset-nightly", "outcome", "created").count())
        .isEqualTo(2.0);
    assertThat(registry.counter("datapurge.schedule.runs", "schedule", "staging/reset-nightly",
        "outcome", "skipped_concurrency_forbid").count()).isEqualTo(1.0);
    assertThat(registry.counter("datapurge.schedule.runs", "schedule", "preview/reset", "outcome", "created").count())
        .isEqualTo(1.0);
  }

  @Test
  void theNextTickIsInSecondsSinceTheEpochAndNotANumberWhileThereIsNone() {
    Instant tick = Instant.parse("2026-12-02T03:00:00Z");
    metrics.nextTick("staging/reset-nightly", Optional.of(tick));
    assertThat(gauge("staging/reset-nightly")).isEqualTo(tick.getEpochSecond());

    metrics.nextTick("staging/reset-nightly", Optional.empty()); // suspended
    assertThat(gauge("staging/reset-nightly")).isNaN();

    metrics.nextTick("staging/reset-nightly", Optional.of(tick.plusSeconds(3600))); // resumed
    assertThat(gauge("staging/reset-nightly")).isEqualTo(tick.getEpochSecond() + 3600);
    assertThat(registry.find("datapurge.schedule.next.tick").gauges()).hasSize(1);

    metrics.nextTick("preview/reset", Optional.empty());
    assertThat(gauge("preview/reset")).isNaN();
    assertThat(gauge("staging/reset-nightly")).isEqualTo(tick.getEpochSecond() + 3600);
  }

  @Test
  void aTickBeforeTheEpochIsStillANumber() {
    metrics.nextTick("staging/old", Optional.of(Instant.EPOCH.minusSeconds(60)));
    assertThat(gauge("staging/old")).isEqualTo(-60.0);
  }

  double gauge(String schedule) {
    return registry.find("datapurge.schedule.next.tick").tag("schedule", schedule).gauge().value();
  }
}
