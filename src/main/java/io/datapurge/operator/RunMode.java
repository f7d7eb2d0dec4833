package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSpec;

/** What the Job of the current generation does: count only, or purge. */
public enum RunMode {
  /** Read-only: {@code purge --dry-run}. */
  Plan,
  /** {@code purge --confirm DBNAME}. */
  Purge;

  /** A confirmed, non-dry-run spec purges; everything else plans. */
  public static RunMode of(UserDataPurge resource) {
    UserDataPurgeSpec spec = resource.getSpec();
    return spec.getConfirm() != null && !Boolean.TRUE.equals(spec.getDryRun()) ? Purge : Plan;
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
