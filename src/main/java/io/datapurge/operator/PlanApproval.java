package io.datapurge.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.api.ApprovalStatus;
import io.datapurge.api.Phase;
import io.datapurge.api.PlanStatus;
import io.datapurge.api.TableStatus;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Approval that Git does not own: the annotation {@code datapurge.io/approve: <plan id>} approves
 * exactly the plan the user saw. A GitOps tool re-applying the plan-only manifest neither owns nor
 * removes the annotation, and an annotation change does not bump the generation, so the run is not
 * restarted. The plan id covers the uid, the generation, the database and every table's count: a
 * changed spec or a re-counted plan with other numbers is a new plan that the old approval does not
 * cover.
 */
public final class PlanApproval {

  public static final String ANNOTATION = "datapurge.io/approve";
  static final String STALE = "ApprovalStale";
  private static final int ID_CHARS = 12;
  private static final ObjectMapper JSON = new ObjectMapper();

  private PlanApproval() {}

  /** The annotation's value, if set. */
  static Optional<String> annotation(UserDataPurge resource) {
    var annotations = resource.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(ANNOTATION)).map(String::trim)
        .filter(s -> !s.isEmpty());
  }

  /** The plan of the current generation that status shows, if any. */
  static Optional<PlanStatus> currentPlan(UserDataPurge resource) {
    UserDataPurgeStatus status = resource.getStatus();
    return Optional.ofNullable(status == null ? null : status.getPlan())
        .filter(p -> p.getId() != null && Objects.equals(p.getGeneration(), resource.getMetadata().getGeneration()));
  }

  /** The annotation names the current generation's plan. */
  static boolean approves(UserDataPurge resource) {
    Optional<String> approved = annotation(resource);
    return approved.isPresent() && currentPlan(resource).map(p -> p.getId().equals(approved.get())).orElse(false);
  }

  /**
   * A plan waiting for confirmation whose annotation needs an answer: it approves the plan (purge), or
   * names another plan (say so), or was removed after a stale approval (clear the message).
   */
  static boolean pending(UserDataPurge resource) {
    UserDataPurgeStatus status = resource.getStatus();
    return status != null && status.getPhase() == Phase.AwaitingConfirmation
        && (annotation(resource).isPresent() || STALE.equals(status.getReason()));
  }

  /** The id of the plan a finished plan run shows: a stable hash of what the user reviews. */
  static String id(UserDataPurge resource, UserDataPurgeStatus plan) {
    StringBuilder s = new StringBuilder().append(resource.getMetadata().getUid()).append('/')
        .append(resource.getMetadata().getGeneration()).append('/').append(plan.getDatabase());
    for (TableStatus t : plan.getTables()) {
      s.append('/').append(t.getTable()).append('=').append(t.getBefore());
    }
    if (plan.getAuth0() != null) {
      s.append("/auth0:").append(plan.getAuth0().getDomain()).append('=').append(plan.getAuth0().getBefore());
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, ID_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Adds to {@code next} what approval needs: a fresh plan gets its id and the way to approve it; a run
   * of the approved plan carries the plan and the approval (accepted {@code now} the first time).
   */
  static void annotate(UserDataPurge resource, RunMode mode, UserDataPurgeStatus next, Instant now) {
    UserDataPurgeStatus previous = resource.getStatus();
    if (next.getPhase() == Phase.AwaitingConfirmation) {
      String id = id(resource, next);
      next.setPlan(new PlanStatus(id, resource.getMetadata().getGeneration()));
      next.setMessage(next.getMessage() + " Or approve this plan (" + id + ") without changing spec: kubectl purge"
          + " approve " + resource.getMetadata().getName() + ".");
      if (annotation(resource).isPresent()) {
        // Set before this plan existed (e.g. for the previous generation's plan): answered at once.
        explain(resource, next);
      }
    } else if (mode == RunMode.Purge && resource.getSpec().getConfirm() == null && approves(resource)) {
      PlanStatus plan = previous.getPlan();
      next.setPlan(plan);
      next.setApproval(previous.getApproval() != null && plan.getId().equals(previous.getApproval().getPlanId())
          ? previous.getApproval()
          : new ApprovalStatus(plan.getId(), now.truncatedTo(ChronoUnit.SECONDS).toString()));
    }
  }

  /**
   * The answer to a pending plan whose annotation does not approve it: the plan unchanged, with a
   * message naming both ids (annotation set) or without the stale message (annotation removed).
   */
  static UserDataPurgeStatus unapproved(UserDataPurge resource, UserDataPurgeStatus plan) {
    UserDataPurgeStatus next = JSON.convertValue(plan, UserDataPurgeStatus.class);
    explain(resource, next);
    return next;
  }

  private static void explain(UserDataPurge resource, UserDataPurgeStatus next) {
    Optional<String> approved = annotation(resource);
    String name = resource.getMetadata().getName();
    String id = next.getPlan() == null ? "(none)" : next.getPlan().getId();
    if (approved.isPresent()) {
      next.setReason(STALE);
      next.setMessage("The annotation " + ANNOTATION + " approves plan " + approved.get() + ", but the current plan"
          + " is " + id + " (the spec or the counts changed since that plan was shown); nothing was run. Review"
          + " the current plan and approve it: kubectl purge approve " + name + ".");
    } else {
      next.setReason(null);
      next.setMessage("Plan " + id + " for " + next.getDatabase() + " awaits confirmation: set spec.confirm to "
          + resource.getSpec().getDatabase().getName() + ", or approve it: kubectl purge approve " + name + ".");
    }
  }
}
