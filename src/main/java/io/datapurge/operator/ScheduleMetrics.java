package io.datapurge.operator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code datapurge_schedule_runs_total{schedule,outcome}} (created, replaced, succeeded, planned,
 * dry_run, failed, blocked, skipped_concurrency_forbid, skipped_missed_deadline, skipped_suspended,
 * skipped_spec_changed) and {@code datapurge_schedule_next_tick_seconds{schedule}}, the next tick in
 * seconds since the epoch (NaN while suspended or invalid), on the operator's one registry.
 */
public final class ScheduleMetrics {

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> nextTicks = new ConcurrentHashMap<>();

  public ScheduleMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void count(String schedule, String outcome) {
    Counter.builder("datapurge.schedule.runs").description("Runs created, finished, replaced and ticks skipped, per schedule")
        .tag("schedule", schedule).tag("outcome", outcome).register(registry).increment();
  }

  void nextTick(String schedule, Optional<Instant> next) {
    nextTicks.computeIfAbsent(schedule, s -> {
      AtomicLong value = new AtomicLong(Long.MIN_VALUE);
      Gauge.builder("datapurge.schedule.next.tick", value, v -> v.get() == Long.MIN_VALUE ? Double.NaN : v.get())
          .description("The schedule's next tick").baseUnit("seconds").tag("schedule", s).register(registry);
      return value;
    }).set(next.map(Instant::getEpochSecond).orElse(Long.MIN_VALUE));
  }
}
