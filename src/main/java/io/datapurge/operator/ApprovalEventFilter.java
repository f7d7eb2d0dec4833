package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which updates of a UserDataPurge wake the reconciler: a new generation (the spec changed), the start
 * of its deletion, or a change of the approval annotation. Status writes (the operator's own) and
 * other metadata edits, such as a GitOps tool's labels, do not. Replaces JOSDK's generation-aware
 * filter (turned off on the controller), which cannot let an annotation through.
 */
public class ApprovalEventFilter implements OnUpdateFilter<UserDataPurge> {

  @Override
  public boolean accept(UserDataPurge updated, UserDataPurge old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || updated.isMarkedForDeletion() && !old.isMarkedForDeletion()
        || !PlanApproval.annotation(updated).equals(PlanApproval.annotation(old));
  }
}
