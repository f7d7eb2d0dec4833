package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A tick the schedule decided not to run; it is never run later. */
public class SkippedTick {

  @JsonPropertyDescription("The tick (RFC 3339).")
  private String scheduledTime;

  @JsonPropertyDescription("ConcurrencyForbid (a run was still working), MissedDeadline (later than"
      + " startingDeadlineSeconds) or Suspended (passed while spec.suspend was true).")
  private String reason;

  @JsonPropertyDescription("A sentence saying why.")
  private String message;

  public SkippedTick() {}

  public SkippedTick(String scheduledTime, String reason, String message) {
    this.scheduledTime = scheduledTime;
    this.reason = reason;
    this.message = message;
  }

  public String getScheduledTime() {
    return scheduledTime;
  }

  public void setScheduledTime(String scheduledTime) {
    this.scheduledTime = scheduledTime;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
