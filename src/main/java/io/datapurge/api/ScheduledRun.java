package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The latest run a schedule created, as its UserDataPurge shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScheduledRun {

  @JsonPropertyDescription("Name of the UserDataPurge (kubectl get purge NAME).")
  private String name;

  @JsonPropertyDescription("Its phase: Pending, Planning, AwaitingConfirmation, Running, Succeeded, Failed or Blocked.")
  private Phase phase;

  @JsonPropertyDescription("The tick it runs for (RFC 3339).")
  private String scheduledTime;

  @JsonPropertyDescription("Its row counts before and after.")
  private Totals totals;

  public ScheduledRun() {}

  public ScheduledRun(String name, Phase phase, String scheduledTime, Totals totals) {
    this.name = name;
    this.phase = phase;
    this.scheduledTime = scheduledTime;
    this.totals = totals;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public String getScheduledTime() {
    return scheduledTime;
  }

  public void setScheduledTime(String scheduledTime) {
    this.scheduledTime = scheduledTime;
  }

  public Totals getTotals() {
    return totals;
  }

  public void setTotals(Totals totals) {
    this.totals = totals;
  }
}
