package io.datapurge.operator;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A 5-field cron expression read in an IANA time zone, with the ticks a Kubernetes CronJob would
 * fire. cron-utils parses and matches the expression; the ticks are computed on local wall-clock
 * time and then placed on the time line, so that across DST a local time that does not exist (the
 * clock jumps from 02:00 to 03:00) is skipped that day, and a local time that exists twice (the
 * clock goes back from 03:00 to 02:00) fires once, at its first occurrence.
 */
final class CronSchedule {

  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  /** The macros of a CronJob (robfig/cron), as the 5-field expressions they stand for. */
  private static final Map<String, String> MACROS = Map.of(
      "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
      "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
  /** Enough steps to cross any DST gap or overlap; a schedule with no tick in them never fires. */
  private static final int MAX_STEPS = 1000;

  private final ExecutionTime local;
  private final ZoneId zone;

  private CronSchedule(ExecutionTime local, ZoneId zone) {
    this.local = local;
    this.zone = zone;
  }

  /** Why a schedule cannot be used: a reason (CamelCase) and a sentence naming the fix. */
  record Invalid(String reason, String message) {}

  /** The schedule, or why not. {@code timeZone} null means UTC. */
  static Result parse(String expression, String timeZone) {
    ZoneId zone;
    String tz = timeZone == null || timeZone.isBlank() ? "UTC" : timeZone;
    if (!ZoneId.getAvailableZoneIds().contains(tz)) {
      return new Result(null, new Invalid("InvalidTimeZone", "spec.timeZone " + tz + " is not a time zone of the"
          + " IANA database this operator knows (Java " + Runtime.version().feature() + "); use a name such as"
          + " Europe/Berlin, America/New_York or UTC"));
    }
    zone = ZoneId.of(tz);
    String cron = expression == null ? "" : expression.trim();
    cron = MACROS.getOrDefault(cron, cron);
    List<String> fields = List.of(cron.split(" +"));
    if (fields.size() != 5) {
      return new Result(null, new Invalid("InvalidSchedule", "spec.schedule '" + expression + "' has "
          + fields.size() + " fields; it takes the 5 of a CronJob: minute hour day-of-month month day-of-week"));
    }
    // A CronJob reads ? (day-of-month, day-of-week) as *; cron-utils' UNIX definition does not know it.
    cron = String.join(" ", fields.stream().map(f -> f.equals("?") ? "*" : f).toList());
    try {
      return new Result(new CronSchedule(ExecutionTime.forCron(UNIX.parse(cron)), zone), null);
    } catch (IllegalArgumentException e) {
      return new Result(null, new Invalid("InvalidSchedule", "spec.schedule '" + expression + "' is not a valid"
          + " cron expression: " + e.getMessage() + " (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12,"
          + " day-of-week 0-6)"));
    }
  }

  record Result(CronSchedule schedule, Invalid invalid) {}

  /** The first tick strictly after {@code after}, if the schedule ever fires. */
  Optional<Instant> next(Instant after) {
    return step(after, t -> local.nextExecution(t), true);
  }

  /** The latest tick at or before {@code at}, if there was one. */
  Optional<Instant> latest(Instant at) {
    return step(at.plusNanos(1), t -> local.lastExecution(t), false).filter(t -> !t.isAfter(at));
  }

  /**
   * Walks the local ticks from the wall-clock time of {@code from} (cron-utils on a zone without
   * offsets: pure wall-clock arithmetic) until one lies on the right side of {@code from} on the time line.
   */
  private Optional<Instant> step(Instant from, Function<ZonedDateTime, Optional<ZonedDateTime>> move, boolean forward) {
    ZonedDateTime cursor = LocalDateTime.ofInstant(from, zone).atZone(ZoneOffset.UTC);
    for (int i = 0; i < MAX_STEPS; i++) {
      Optional<ZonedDateTime> tick = move.apply(cursor);
      if (tick.isEmpty()) {
        return Optional.empty();
      }
      cursor = tick.get();
      Optional<Instant> instant = onTheTimeLine(cursor.toLocalDateTime());
      if (instant.isPresent() && (forward ? instant.get().isAfter(from) : instant.get().isBefore(from))) {
        return instant;
      }
    }
    return Optional.empty();
  }

  /** None in a DST gap; the first occurrence in an overlap. */
  private Optional<Instant> onTheTimeLine(LocalDateTime wallClock) {
    if (zone.getRules().getValidOffsets(wallClock).isEmpty()) {
      return Optional.empty();
    }
    // ofLocal takes the earlier offset in an overlap: the first time the wall clock shows it.
    return Optional.of(ZonedDateTime.ofLocal(wallClock, zone, null).toInstant());
  }
}
