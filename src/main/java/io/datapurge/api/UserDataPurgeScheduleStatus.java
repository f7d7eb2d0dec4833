package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the schedule did last and will do next. */
@JsonClassDescription("What the schedule did last and does next: the last and next tick, the runs still working,"
    + " the latest run's phase and counts, the last skipped tick, and Ready/Stalled conditions.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UserDataPurgeScheduleStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("The latest tick that created a run (RFC 3339).")
  private String lastScheduleTime;

  @JsonPropertyDescription("The next tick (RFC 3339); absent while suspended or when the schedule is invalid.")
  private String nextScheduleTime;

  @JsonPropertyDescription("When the latest Succeeded run finished (RFC 3339).")
  private String lastSuccessfulTime;

  @JsonPropertyDescription("Names of the runs still working (not yet Succeeded, AwaitingConfirmation, Failed or Blocked).")
  private List<String> active = new ArrayList<>();

  @JsonPropertyDescription("The latest run: its name, phase and row counts.")
  private ScheduledRun lastRun;

  @JsonPropertyDescription("The latest tick that was skipped, and why.")
  private SkippedTick lastSkip;

  @JsonPropertyDescription("Ready (scheduling) and Stalled (the schedule or time zone is invalid), with reasons.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastScheduleTime() {
    return lastScheduleTime;
  }

  public void setLastScheduleTime(String lastScheduleTime) {
    this.lastScheduleTime = lastScheduleTime;
  }

  public String getNextScheduleTime() {
    return nextScheduleTime;
  }

  public void setNextScheduleTime(String nextScheduleTime) {
    this.nextScheduleTime = nextScheduleTime;
  }

  public String getLastSuccessfulTime() {
    return lastSuccessfulTime;
  }

  public void setLastSuccessfulTime(String lastSuccessfulTime) {
    this.lastSuccessfulTime = lastSuccessfulTime;
  }

  public List<String> getActive() {
    return active;
  }

  public void setActive(List<String> active) {
    this.active = active;
  }

  public ScheduledRun getLastRun() {
    return lastRun;
  }

  public void setLastRun(ScheduledRun lastRun) {
    this.lastRun = lastRun;
  }

  public SkippedTick getLastSkip() {
    return lastSkip;
  }

  public void setLastSkip(SkippedTick lastSkip) {
    this.lastSkip = lastSkip;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  /** The status as JSON, for logs and test failures. */
  @Override
  public String toString() {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(this);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return super.toString();
    }
  }

  public Condition condition(String type) {
    return conditions == null ? null
        : conditions.stream().filter(c -> Objects.equals(c.getType(), type)).findFirst().orElse(null);
  }
}
