package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An approval the operator accepted: the annotation datapurge.io/approve named the current plan. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApprovalStatus {

  @JsonPropertyDescription("The id of the approved plan (status.plan.id when it was approved).")
  private String planId;

  @JsonPropertyDescription("When the operator accepted the approval and started the purge (RFC 3339).")
  private String approvedAt;

  public ApprovalStatus() {}

  public ApprovalStatus(String planId, String approvedAt) {
    this.planId = planId;
    this.approvedAt = approvedAt;
  }

  public String getPlanId() {
    return planId;
  }

  public void setPlanId(String planId) {
    this.planId = planId;
  }

  public String getApprovedAt() {
    return approvedAt;
  }

  public void setApprovedAt(String approvedAt) {
    this.approvedAt = approvedAt;
  }
}
