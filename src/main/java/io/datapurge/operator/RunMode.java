package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSpec;

/** What the Job of the current generation does: count only, or purge. */
public enum RunMode {
  /** Read-only: {@code purge --dry-run}. */
  Plan,
  /** {@code purge --confirm DBNAME}. */
  Purge;

  /**
   * A non-dry-run spec purges when it is confirmed (spec.confirm) or its current plan is approved (the
   * annotation datapurge.io/approve names status.plan.id); everything else plans.
   */
  public static RunMode of(UserDataPurge resource) {
    UserDataPurgeSpec spec = resource.getSpec();
    return (spec.getConfirm() != null || PlanApproval.approves(resource)) && !Boolean.TRUE.equals(spec.getDryRun())
        ? Purge : Plan;
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
