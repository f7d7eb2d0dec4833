package io.datapurge.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.api.Phase;
import io.datapurge.api.UnknownFields;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSpec;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The reconcile decision as a value: from what the operator observed (the resource with its last
 * status, the current run's Job and its pods) and the time, the next status and what to do to the
 * cluster. No client and no clock of its own, so every branch is a millisecond test; the reconciler
 * observes, calls {@link #decide}, and carries the decision out.
 */
final class RunDecision {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What the reconciler saw. {@code job} is the current generation's Job, or null when none exists;
   * {@code mountFailures}: the kubelet's FailedMount Events for this resource's pods (a missing seed
   * ConfigMap); {@code superseded}: the Job of a run the spec change ended, while it still exists
   * (its pod may still be stopping), else null.
   */
  record Observed(UserDataPurge resource, Job job, Collection<Pod> pods, Collection<Event> mountFailures,
      Job superseded) {
    Observed(UserDataPurge resource, Job job, Collection<Pod> pods, Collection<Event> mountFailures) {
      this(resource, job, pods, mountFailures, null);
    }

    Observed(UserDataPurge resource, Job job, Collection<Pod> pods) {
      this(resource, job, pods, List.of());
    }

    static Observed noJob(UserDataPurge resource) {
      return new Observed(resource, null, List.of());
    }
  }

  /** What the reconciler does to the cluster, in order. */
  sealed interface Action permits CreateJob, DeleteJob {}

  /** Create the run's Job; a 409 adopts the existing one. Decide again on the Job that results. */
  record CreateJob(Job job) implements Action {}

  /** Delete a superseded run's Job with foreground propagation. */
  record DeleteJob(String name) implements Action {}

  /**
   * {@code status}: the status to write, or null when it is unchanged (or follows from a Job still to
   * be created); {@code transition}: the phase, reason or generation changed, so an Event is due.
   */
  record Decision(UserDataPurgeStatus status, List<Action> actions, boolean transition) {
    static final Decision NONE = new Decision(null, List.of(), false);

    /** The status records an approval that {@code previous} did not: an Event is due. */
    boolean approvedNow(UserDataPurgeStatus previous) {
      return status != null && status.getApproval() != null && (previous == null || previous.getApproval() == null
          || !status.getApproval().getPlanId().equals(previous.getApproval().getPlanId()));
    }

    Optional<Job> jobToCreate() {
      return actions.stream().filter(CreateJob.class::isInstance).map(a -> ((CreateJob) a).job()).findFirst();
    }
  }

  static final String UNKNOWN_FIELDS = "UnknownFields";
  /** This operator's version, as its jar's manifest says ("dev" outside the jar). */
  static final String VERSION = Optional.ofNullable(RunDecision.class.getPackage().getImplementationVersion())
      .orElse("dev");

  private final OperatorSettings settings;

  RunDecision(OperatorSettings settings) {
    this.settings = settings;
  }

  /**
   * A run in a final phase for the current generation is never looked at again (its Job may be gone by
   * TTL), except a plan whose approval annotation needs an answer ({@link PlanApproval#pending}), and a
   * refusal for unknown fields that this operator knows: an older one wrote it (the CRD was upgraded
   * first), and the upgraded operator runs the spec as it stands.
   */
  static boolean settled(UserDataPurge resource) {
    UserDataPurgeStatus previous = resource.getStatus();
    return previous != null && previous.getPhase() != null && previous.getPhase().isFinal()
        && Objects.equals(previous.getObservedGeneration(), resource.getMetadata().getGeneration())
        && !PlanApproval.pending(resource)
        && !(UNKNOWN_FIELDS.equals(previous.getReason()) && unknownSpecFields(resource).isEmpty());
  }

  /** The name of the Job that runs the current generation. */
  static String jobName(UserDataPurge resource) {
    return JobNames.of(resource, RunMode.of(resource));
  }

  /**
   * In order: a settled run stays as it is; a refused spec is Blocked (ending a superseded run); no
   * Job yet: one the status already names was lost (never re-created: it may have purged), otherwise
   * it is created once a superseded run's Job is gone (ending that run first); a Job: its status by
   * {@link RunStatus#of}.
   */
  Decision decide(Observed seen, Instant now) {
    UserDataPurge resource = seen.resource();
    if (settled(resource)) {
      return Decision.NONE;
    }
    UserDataPurgeStatus previous = resource.getStatus();
    RunMode mode = RunMode.of(resource);
    if (mode == RunMode.Plan && PlanApproval.pending(resource)
        && Objects.equals(previous.getObservedGeneration(), resource.getMetadata().getGeneration())) {
      // An approval of another plan runs nothing: the plan stays, and the status says why.
      return write(resource, PlanApproval.unapproved(resource, previous), List.of(), now);
    }
    String jobName = JobNames.of(resource, mode);
    List<Action> actions = new ArrayList<>();
    Optional<UserDataPurgeStatus> refusal = refusal(resource);
    if ((refusal.isPresent() || seen.job() == null)
        && (seen.superseded() == null || seen.superseded().getMetadata().getDeletionTimestamp() == null)) {
      superseded(resource).ifPresent(name -> actions.add(new DeleteJob(name)));
    }
    UserDataPurgeStatus next;
    if (refusal.isPresent()) {
      next = refusal.get();
    } else if (seen.job() != null) {
      next = RunStatus.of(resource, mode, seen.job(), seen.pods(), seen.mountFailures());
    } else if (previous != null && jobName.equals(previous.getJobName())) {
      next = RunStatus.jobLost(resource, mode, jobName);
    } else if (seen.superseded() != null) {
      // The next run starts only once the ended run's Job is gone (its deletion wakes us): a pod
      // still stopping could hold the database's purge lock, or finish a delete the next run counts.
      return new Decision(null, actions, false);
    } else {
      actions.add(new CreateJob(PurgeJob.desired(resource, mode, settings)));
      return new Decision(null, actions, false);
    }
    if (refusal.isEmpty()) {
      PlanApproval.annotate(resource, mode, next, now);
    }
    return write(resource, next, actions, now);
  }

  /**
   * A spec change while a run is still working (Planning/Running) ends that run: its Job is deleted,
   * its pod stopped, and PostgreSQL rolls back the open transaction. Otherwise removing `confirm`
   * (or any edit meant to stop a purge) would start the next run while the old Job still deletes.
   * Foreground: the Job stays (with a deletionTimestamp) until the kubelet has stopped its pod, so
   * "the Job is gone" means "its purge is no longer running".
   */
  static Optional<String> superseded(UserDataPurge resource) {
    UserDataPurgeStatus previous = resource.getStatus();
    if (previous == null || previous.getJobName() == null || previous.getPhase() == null
        || previous.getPhase().isFinal()
        || Objects.equals(previous.getObservedGeneration(), resource.getMetadata().getGeneration())) {
      return Optional.empty();
    }
    return Optional.of(previous.getJobName());
  }

  /**
   * What the operator refuses before any Job exists; the schema already rejects malformed specs. First
   * a spec field this operator does not know: it may restrict what is deleted (a predicate, a kept
   * table), so running without it could delete more than the user asked for.
   */
  Optional<UserDataPurgeStatus> refusal(UserDataPurge resource) {
    List<String> unknown = unknownSpecFields(resource);
    if (!unknown.isEmpty()) {
      return Optional.of(RunStatus.blocked(resource, UNKNOWN_FIELDS, unknownFieldsMessage(unknown) + " Nothing was run."));
    }
    UserDataPurgeSpec spec = resource.getSpec();
    String db = spec.getDatabase().getName();
    if (settings.isProtected(db)) {
      return Optional.of(RunStatus.blocked(resource, "ProtectedDatabase", "Database " + db
          + " matches the operator's protected pattern " + settings.protectedDatabases().pattern()
          + "; it is never purged. Point spec.database.name at a non-production database."));
    }
    if (spec.getConfirm() != null && !spec.getConfirm().equals(db)) {
      return Optional.of(RunStatus.blocked(resource, "ConfirmationMismatch", "spec.confirm (" + spec.getConfirm()
          + ") does not match spec.database.name (" + db + "); set confirm to " + db
          + " to purge, or remove it to only plan. Nothing was run."));
    }
    List<String> both = spec.getKeep() == null ? List.of()
        : spec.getKeep().stream().filter(spec.getTables()::contains).toList();
    if (!both.isEmpty()) {
      return Optional.of(RunStatus.blocked(resource, "PlanInvalid", "Tables " + both
          + " are listed in both spec.tables and spec.keep; remove them from one of the two."));
    }
    return Optional.empty();
  }

  /**
   * The spec fields of the API server's object that this operator's model does not know (recorded by
   * {@link OperatorSerialization}). Unknown status fields (written by a newer operator) are not among
   * them: the status is this operator's own output.
   */
  static List<String> unknownSpecFields(UnknownFields resource) {
    return resource.unknownFields().stream().filter(path -> path.startsWith("spec.")).toList();
  }

  /** The refusal's message: which fields, and the two ways out. */
  static String unknownFieldsMessage(List<String> unknown) {
    return "This operator (version " + VERSION + ") does not know " + String.join(", ", unknown)
        + ": upgrade the operator to the version of the installed CRD, or remove the field"
        + (unknown.size() > 1 ? "s." : ".");
  }

  /**
   * The status after a failed reconcile. It keeps what this generation's run already showed (a new
   * generation starts clean, so the last run's Job and counts never appear under the new
   * observedGeneration) and is never final: an error must leave the run retryable. "Retrying" is said
   * only while JOSDK has retries left ({@code lastAttempt}, or no retry at all: {@code attempt} null);
   * after that the next event tries again. {@code attempt} counts from 1.
   */
  static UserDataPurgeStatus onError(UserDataPurge resource, Exception e, Integer attempt, boolean lastAttempt,
      Instant now) {
    UserDataPurgeStatus previous = resource.getStatus();
    long generation = resource.getMetadata().getGeneration();
    UserDataPurgeStatus next = previous != null && Objects.equals(previous.getObservedGeneration(), generation)
        ? JSON.convertValue(previous, UserDataPurgeStatus.class)
        : new UserDataPurgeStatus();
    if (next.getPhase() == null || next.getPhase().isFinal()) {
      next.setPhase(Phase.Pending);
    }
    next.setObservedGeneration(generation);
    next.setReason("ReconcileError");
    String retry = attempt != null && !lastAttempt ? "attempt " + attempt + ", retrying"
        : (attempt == null ? "" : "attempt " + attempt + ", ")
            + "no retries left: the next change to the resource or its Job tries again";
    next.setMessage("The operator could not reconcile: " + e.getMessage() + " (" + retry + ").");
    Conditions.apply(next, generation, previous, now);
    return next;
  }

  /** Conditions on {@code next}; nothing to write when it equals what the resource already shows. */
  private static Decision write(UserDataPurge resource, UserDataPurgeStatus next, List<Action> actions,
      Instant now) {
    UserDataPurgeStatus previous = resource.getStatus();
    Conditions.apply(next, resource.getMetadata().getGeneration(), previous, now);
    if (previous != null && JSON.valueToTree(previous).equals(JSON.valueToTree(next))) {
      return new Decision(null, actions, false);
    }
    boolean transition = previous == null || previous.getPhase() != next.getPhase()
        || !Objects.equals(previous.getReason(), next.getReason())
        || !Objects.equals(previous.getObservedGeneration(), next.getObservedGeneration());
    return new Decision(next, actions, transition);
  }
}
