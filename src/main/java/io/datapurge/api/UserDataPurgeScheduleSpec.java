package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** When to purge, in which time zone, and what each run is. */
@JsonClassDescription("When to run (a 5-field cron schedule in a time zone), what to do while a run is still"
    + " working, how late a missed tick may still run, how many finished runs to keep, and the purge itself.")
public class UserDataPurgeScheduleSpec {

  /** Six or more space-separated fields: a seconds (or year) field, which a CronJob does not have. */
  public static final String SIX_FIELDS = "^ *[^ ]+( +[^ ]+){5,} *$";
  public static final String FIVE_FIELDS = "^ *[0-9A-Za-z*?,/#-]+( +[0-9A-Za-z*?,/#-]+){4} *$";
  /** Five fields with their ranges (minute 0-59, hour 0-23, day 1-31, month 1-12/JAN-DEC, weekday 0-7/SUN-SAT). */
  public static final String FIVE_FIELDS_IN_RANGE = "^ *" + "(" + Field.MINUTE + ")" + " +(" + Field.HOUR + ")"
      + " +([?]|" + Field.DAY + ") +(" + Field.MONTH + ") +([?]|" + Field.WEEKDAY + ") *$";

  /** One cron field: a list of *, n or n-m, each with an optional /step (constants: annotation values). */
  private interface Field {
    String STEP = "(/[0-9]{1,2})?";
    String M = "[0-5]?[0-9]";
    String MINUTE = "([*]|" + M + "(-" + M + ")?)" + STEP + "(,([*]|" + M + "(-" + M + ")?)" + STEP + ")*";
    String H = "(2[0-3]|[01]?[0-9])";
    String HOUR = "([*]|" + H + "(-" + H + ")?)" + STEP + "(,([*]|" + H + "(-" + H + ")?)" + STEP + ")*";
    String D = "(3[01]|[12][0-9]|0?[1-9])";
    String DAY = "([*]|" + D + "(-" + D + ")?)" + STEP + "(,([*]|" + D + "(-" + D + ")?)" + STEP + ")*";
    String MO = "(1[0-2]|0?[1-9]|[A-Za-z]{3})";
    String MONTH = "([*]|" + MO + "(-" + MO + ")?)" + STEP + "(,([*]|" + MO + "(-" + MO + ")?)" + STEP + ")*";
    String W = "([0-7]|[A-Za-z]{3})";
    String WEEKDAY = "([*]|" + W + "(-" + W + ")?)" + STEP + "(,([*]|" + W + "(-" + W + ")?)" + STEP + ")*";
  }

  public static final String MACRO = "^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$";
  /** The shape of an IANA zone name (Area/Location, Etc/GMT+2, UTC); the operator checks the zone exists. */
  public static final String TIME_ZONE = "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$";

  @Required
  @Size(max = 128)
  @ValidationRule(value = "!self.matches('" + SIX_FIELDS + "')",
      message = "spec.schedule has 6 or more fields, but a schedule takes the 5 fields of a Kubernetes CronJob"
          + " (minute hour day-of-month month day-of-week) and no seconds field: '0 3 * * *' is 03:00 every day,"
          + " not '0 0 3 * * *'")
  @ValidationRule(value = "self.matches('" + SIX_FIELDS + "') || self.matches('" + MACRO + "') || self.matches('"
      + FIVE_FIELDS + "')",
      message = "spec.schedule must be 5 cron fields (minute hour day-of-month month day-of-week, e.g. '0 3 * * 1')"
          + " or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")
  @ValidationRule(value = "!self.matches('" + FIVE_FIELDS + "') || self.matches('" + FIVE_FIELDS_IN_RANGE + "')",
      message = "spec.schedule has a field out of range: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or"
          + " JAN-DEC, day-of-week 0-6 (7 is Sunday too) or SUN-SAT; each field is *, a value, a range a-b, a list"
          + " a,b or a step */n or a-b/n")
  @JsonPropertyDescription("A 5-field cron expression as in a Kubernetes CronJob (minute hour day-of-month month"
      + " day-of-week; e.g. '0 3 * * *' every night at 03:00, '0 6 * * 1' Mondays at 06:00) or @yearly, @monthly,"
      + " @weekly, @daily, @hourly. A 6-field expression (with seconds) is refused.")
  private String schedule;

  @Size(max = 64)
  @ValidationRule(value = "self.matches('" + TIME_ZONE + "')",
      message = "spec.timeZone must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC")
  @JsonPropertyDescription("IANA time zone the schedule is read in, e.g. Europe/Berlin; default UTC. A local"
      + " time that does not exist (DST starts) is skipped that day; a repeated local hour (DST ends) runs once.")
  private String timeZone;

  @Default("false")
  @JsonPropertyDescription("True: no new runs (a running one finishes). Ticks passed while suspended never run,"
      + " also not after resuming.")
  private Boolean suspend = false;

  @Default("Forbid")
  @JsonPropertyDescription("Forbid: a tick while a run is still working is skipped (an Event and status.lastSkip"
      + " record it). Replace: the working run is cancelled (deleted; its transaction rolls back) and the tick runs.")
  private ConcurrencyPolicy concurrencyPolicy = ConcurrencyPolicy.Forbid;

  @Min(1)
  @JsonPropertyDescription("A missed tick (operator down, cluster stopped) still runs if at most this many seconds"
      + " late; older ones are skipped. Unset: the latest missed tick always runs, once. Never more than one"
      + " catch-up run, and never for ticks before the schedule was created.")
  private Long startingDeadlineSeconds;

  @Default("3")
  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Succeeded (or AwaitingConfirmation) runs to keep; older ones are deleted with their Jobs.")
  private Integer successfulRunsHistoryLimit = 3;

  @Default("1")
  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Failed (or Blocked) runs to keep; older ones are deleted with their Jobs.")
  private Integer failedRunsHistoryLimit = 1;

  @Required
  @JsonPropertyDescription("The UserDataPurge each tick creates.")
  private PurgeTemplate template;

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public ConcurrencyPolicy getConcurrencyPolicy() {
    return concurrencyPolicy;
  }

  public void setConcurrencyPolicy(ConcurrencyPolicy concurrencyPolicy) {
    this.concurrencyPolicy = concurrencyPolicy;
  }

  public Long getStartingDeadlineSeconds() {
    return startingDeadlineSeconds;
  }

  public void setStartingDeadlineSeconds(Long startingDeadlineSeconds) {
    this.startingDeadlineSeconds = startingDeadlineSeconds;
  }

  public Integer getSuccessfulRunsHistoryLimit() {
    return successfulRunsHistoryLimit;
  }

  public void setSuccessfulRunsHistoryLimit(Integer successfulRunsHistoryLimit) {
    this.successfulRunsHistoryLimit = successfulRunsHistoryLimit;
  }

  public Integer getFailedRunsHistoryLimit() {
    return failedRunsHistoryLimit;
  }

  public void setFailedRunsHistoryLimit(Integer failedRunsHistoryLimit) {
    this.failedRunsHistoryLimit = failedRunsHistoryLimit;
  }

  public PurgeTemplate getTemplate() {
    return template;
  }

  public void setTemplate(PurgeTemplate template) {
    this.template = template;
  }
}
