package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ticks as a Kubernetes CronJob fires them, across DST in Europe/Berlin and America/New_York. */
class CronScheduleTest {

  static CronSchedule cron(String expression, String zone) {
    CronSchedule.Result r = CronSchedule.parse(expression, zone);
    assertThat(r.invalid()).as("%s in %s", expression, zone).isNull();
    return r.schedule();
  }

  static Instant at(String utc) {
    return Instant.parse(utc);
  }

  /** Every tick in [from, to). */
  static List<Instant> ticks(CronSchedule cron, Instant from, Instant to) {
    List<Instant> ticks = new ArrayList<>();
    Instant t = from.minusNanos(1);
    while (true) {
      t = cron.next(t).orElseThrow();
      if (!t.isBefore(to)) {
        return ticks;
      }
      ticks.add(t);
    }
  }

  @Test
  void aNightlyTickInTheBerlinSpringGapIsSkippedThatDayOnly() {
    CronSchedule cron = cron("30 2 * * *", "Europe/Berlin");

    // 28 March 02:30 CET, then 29 March has no 02:30 (02:00 -> 03:00), then 30 March 02:30 CEST.
    assertThat(ticks(cron, at("2026-03-27T12:00:00Z"), at("2026-03-31T00:00:00Z")))
        .containsExactly(at("2026-03-28T01:30:00Z"), at("2026-03-30T00:30:00Z"));
  }

  @Test
  void aNightlyTickInTheRepeatedBerlinHourRunsOnceAtItsFirstOccurrence() {
    CronSchedule cron = cron("30 2 * * *", "Europe/Berlin");

    // 25 October: 02:30 CEST (00:30Z) and 02:30 CET (01:30Z) both exist; only the first fires.
    assertThat(ticks(cron, at("2026-10-24T12:00:00Z"), at("2026-10-27T00:00:00Z")))
        .containsExactly(at("2026-10-25T00:30:00Z"), at("2026-10-26T01:30:00Z"));
  }

  @Test
  void anHourlyScheduleInNewYorkHas23TicksOnTheSpringDayAnd24OnTheLongAutumnDay() {
    CronSchedule cron = cron("0 * * * *", "America/New_York");
    ZoneId ny = ZoneId.of("America/New_York");

    List<Instant> spring = ticks(cron, LocalDate.of(2026, 3, 8).atStartOfDay(ny).toInstant(),
        LocalDate.of(2026, 3, 9).atStartOfDay(ny).toInstant());
    List<Instant> autumn = ticks(cron, LocalDate.of(2026, 11, 1).atStartOfDay(ny).toInstant(),
        LocalDate.of(2026, 11, 2).atStartOfDay(ny).toInstant());

    assertThat(spring).hasSize(23).contains(at("2026-03-08T06:00:00Z"), at("2026-03-08T07:00:00Z")); // 01:00 EST, 03:00 EDT
    assertThat(autumn).hasSize(24).contains(at("2026-11-01T05:00:00Z"), at("2026-11-01T07:00:00Z")) // 01:00 EDT, 02:00 EST
        .doesNotContain(at("2026-11-01T06:00:00Z")); // 01:00 EST, the repeated hour
    assertThat(Duration.between(at("2026-11-01T05:00:00Z"), cron.next(at("2026-11-01T05:00:00Z")).orElseThrow()))
        .isEqualTo(Duration.ofHours(2));
  }

  @Test
  void theLatestTickDuringTheRepeatedHourIsItsFirstOccurrence() {
    CronSchedule cron = cron("0 * * * *", "America/New_York");

    assertThat(cron.latest(at("2026-11-01T06:30:00Z"))).contains(at("2026-11-01T05:00:00Z")); // 01:30 EST
    assertThat(cron.latest(at("2026-11-01T05:30:00Z"))).contains(at("2026-11-01T05:00:00Z")); // 01:30 EDT
    assertThat(cron.next(at("2026-11-01T06:30:00Z"))).contains(at("2026-11-01T07:00:00Z"));
  }

  @Test
  void theLatestTickIncludesATickExactlyNow() {
    CronSchedule cron = cron("* * * * *", null);

    assertThat(cron.latest(at("2026-12-01T12:00:00Z"))).contains(at("2026-12-01T12:00:00Z"));
    assertThat(cron.latest(at("2026-12-01T12:00:59.999Z"))).contains(at("2026-12-01T12:00:00Z"));
    assertThat(cron.next(at("2026-12-01T12:00:00Z"))).contains(at("2026-12-01T12:01:00Z"));
  }

  @Test
  void macrosAreTheCronJobOnesAndUtcIsTheDefaultZone() {
    assertThat(cron("@daily", null).next(at("2026-12-01T12:00:00Z"))).contains(at("2026-12-02T00:00:00Z"));
    assertThat(cron("@weekly", "UTC").next(at("2026-12-01T12:00:00Z"))).contains(at("2026-12-06T00:00:00Z")); // Sunday
    assertThat(cron("@hourly", "Europe/Berlin").next(at("2026-12-01T12:10:00Z"))).contains(at("2026-12-01T13:00:00Z"));
    assertThat(cron("0 6 * * 1", "Europe/Berlin").next(at("2026-12-01T12:00:00Z"))).contains(at("2026-12-07T05:00:00Z"));
  }

  @Test
  void monthAndWeekdayNamesAndTheQuestionMarkReadAsACronJobReadsThem() {
    assertThat(cron("0 6 ? * MON-FRI", "Europe/Berlin").next(at("2026-12-05T12:00:00Z"))).contains(at("2026-12-07T05:00:00Z"));
    assertThat(cron("0 0 1 JAN ?", null).next(at("2026-12-01T00:00:00Z"))).contains(at("2027-01-01T00:00:00Z"));
    assertThat(CronSchedule.parse("0 0 * * FOO", null).invalid().reason()).isEqualTo("InvalidSchedule");
  }

  @Test
  void dayOfMonthAndDayOfWeekTogetherMatchEitherAsInCron() {
    // 13th of the month OR Friday, as Vixie cron and a CronJob read it.
    CronSchedule cron = cron("0 0 13 * 5", null);

    assertThat(ticks(cron, at("2026-11-01T00:00:00Z"), at("2026-11-16T00:00:00Z")))
        .containsExactly(at("2026-11-06T00:00:00Z"), at("2026-11-13T00:00:00Z"));
  }

  @Test
  void invalidExpressionsAndUnknownZonesAreNamedWithTheFix() {
    assertThat(CronSchedule.parse("61 * * * *", null).invalid().reason()).isEqualTo("InvalidSchedule");
    assertThat(CronSchedule.parse("0 0 3 * * *", null).invalid().message()).contains("6 fields", "minute hour");
    assertThat(CronSchedule.parse("0 3 * * *", "Mars/Olympus").invalid())
        .satisfies(i -> assertThat(i.reason()).isEqualTo("InvalidTimeZone"))
        .satisfies(i -> assertThat(i.message()).contains("Mars/Olympus", "Europe/Berlin"));
    assertThat(CronSchedule.parse("0 3 * * *", "+02:00").invalid().reason()).isEqualTo("InvalidTimeZone");
  }

  @Test
  void aScheduleThatNeverFiresHasNoNextTick() {
    assertThat(cron("0 0 30 2 *", null).next(at("2026-12-01T00:00:00Z"))).isEmpty();
  }
}
