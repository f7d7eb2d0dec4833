package io.datapurge.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.api.Auth0Status;
import io.datapurge.api.KeyChecksStatus;
import io.datapurge.api.Phase;
import io.datapurge.api.SslMode;
import io.datapurge.api.TableStatus;
import io.datapurge.api.Totals;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeResult;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps what the operator observes (the spec, the run's Job and its pods, the result in the
 * termination message) to the resource's status. Pure: the same observations give the same
 * status, so a repeated or restarted reconcile writes the same thing.
 */
final class RunStatus {

  static final String SECRET_NOT_FOUND = "SecretNotFound";
  static final String CONFIG_MAP_NOT_FOUND = "ConfigMapNotFound";
  /** The reason of the kubelet's Event for a volume it cannot set up, e.g. a missing ConfigMap. */
  static final String FAILED_MOUNT = "FailedMount";
  static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
  static final String JOB_LOST = "JobLost";
  static final String JOB_FAILED = "JobFailed";
  static final String RESULT_MISSING = "ResultMissing";

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private RunStatus() {}

  static UserDataPurgeStatus blocked(UserDataPurge resource, String reason, String message) {
    UserDataPurgeStatus status = base(resource, Phase.Blocked);
    status.setReason(reason);
    status.setMessage(message);
    return status;
  }

  static UserDataPurgeStatus jobLost(UserDataPurge resource, RunMode mode, String jobName) {
    UserDataPurgeStatus status = base(resource, Phase.Failed);
    status.setJobName(jobName);
    status.setDryRun(mode == RunMode.Plan);
    status.setReason(JOB_LOST);
    status.setMessage("Job " + jobName + " disappeared before its result was read, so the outcome is"
        + " unknown. Check the database, then change spec.runId to run again.");
    return status;
  }

  /**
   * How a run whose Job exists stands, in order of precedence: the first that applies wins. The
   * evidence is the Job's conditions, its one pod (backoffLimit 0, restartPolicy Never) and the
   * result in that pod's termination message.
   */
  enum Verdict {
    /** Neither the Job nor its pod has ended (a pod stopped by deletion or the deadline waits for the Job). */
    InProgress,
    /** Ended with a readable result and no error: the plan, the dry run or the committed purge. */
    Succeeded,
    /** A purge that ended with a result that says it did not commit. */
    NotCommitted,
    /** The purge reported its own error: its reason becomes the status reason. */
    PurgeError,
    /** The Job controller stopped the Job at activeDeadlineSeconds. */
    DeadlineExceeded,
    /** The container ended without a readable result: ResultMissing if it succeeded, JobFailed if not. */
    NoResult,
    /** The Job failed with no pod to tell why. */
    JobFailed;

    static Verdict of(RunMode mode, Evidence e) {
      PurgeResult.Failure error = e.result().map(PurgeResult::error).orElse(null);
      if (!e.done() && !e.broke()) {
        return InProgress;
      }
      if (e.done() && e.result().isPresent() && error == null) {
        return mode == RunMode.Purge && !Boolean.TRUE.equals(e.result().get().committed()) ? NotCommitted : Succeeded;
      }
      if (error != null) {
        return PurgeError;
      }
      if (e.failed().map(c -> DEADLINE_EXCEEDED.equals(c.getReason())).orElse(false)) {
        return DeadlineExceeded;
      }
      return e.terminated().isPresent() ? NoResult : JobFailed;
    }
  }

  /** What the Job and its pods show about the run. */
  record Evidence(Optional<JobCondition> complete, Optional<JobCondition> failed,
      Optional<ContainerStateTerminated> terminated, Optional<PurgeResult> result, Optional<Pod> podEnd) {

    static Evidence of(Job job, Collection<Pod> pods) {
      Optional<ContainerStateTerminated> terminated = RunStatus.terminated(pods);
      return new Evidence(condition(job, "Complete"), condition(job, "Failed"), terminated,
          terminated.map(ContainerStateTerminated::getMessage).flatMap(RunStatus::parse), RunStatus.ended(pods));
    }

    /**
     * Seen on the pod, the end needs no wait for the Job controller, which batches pod updates for about a
     * second; and a purge container that exited 0 with its result needs no wait for the pod's phase, which
     * the kubelet reports only after tearing the pod down (~1 s later on the real node): with
     * restartPolicy Never that container state is final.
     */
    boolean done() {
      return complete.isPresent() || podEnd.filter(p -> "Succeeded".equals(p.getStatus().getPhase())).isPresent()
          || terminated.filter(t -> Integer.valueOf(0).equals(t.getExitCode())).isPresent()
              && result.filter(r -> r.error() == null).isPresent();
    }

    /**
     * A pod that was stopped (deleted with its Job, or at the deadline: it has a deletionTimestamp) or
     * failed without the purge's own error waits for the Job, which names the cause.
     */
    boolean broke() {
      return failed.isPresent()
          || podEnd.filter(p -> "Failed".equals(p.getStatus().getPhase()) && p.getMetadata().getDeletionTimestamp() == null)
              .isPresent() && result.map(PurgeResult::error).isPresent();
    }
  }

  /** The status of a run whose Job exists, by its {@link Verdict}. */
  static UserDataPurgeStatus of(UserDataPurge resource, RunMode mode, Job job, Collection<Pod> pods) {
    return of(resource, mode, job, pods, List.of());
  }

  /** With the kubelet's FailedMount Events for the resource's pods: a missing seed ConfigMap is named. */
  static UserDataPurgeStatus of(UserDataPurge resource, RunMode mode, Job job, Collection<Pod> pods,
      Collection<Event> mountFailures) {
    String jobName = job.getMetadata().getName();
    String db = resource.getSpec().getDatabase().getName();
    Evidence e = Evidence.of(job, pods);
    Verdict verdict = Verdict.of(mode, e);
    if (verdict == Verdict.InProgress) {
      return inProgress(resource, mode, job, pods, mountFailures);
    }
    UserDataPurgeStatus status = base(resource, Phase.Failed);
    status.setJobName(jobName);
    status.setStartTime(startTime(job));
    status.setCompletionTime(job.getStatus() != null && job.getStatus().getCompletionTime() != null
        ? job.getStatus().getCompletionTime()
        : e.complete().or(e::failed).map(JobCondition::getLastTransitionTime)
            .orElseGet(() -> e.terminated().map(ContainerStateTerminated::getFinishedAt).orElse(null)));
    status.setDryRun(mode == RunMode.Plan);
    e.result().ifPresent(r -> counts(status, r));
    switch (verdict) {
      case Succeeded -> succeeded(resource, mode, status);
      case NotCommitted -> {
        status.setReason(RESULT_MISSING);
        status.setMessage("The purge of " + db + " ended without committing; nothing was deleted.");
      }
      case PurgeError -> {
        PurgeResult.Failure error = e.result().get().error();
        status.setReason(error.reason());
        status.setMessage(error.message() + advice(error.failureReason(), resource));
      }
      case DeadlineExceeded -> {
        status.setReason(DEADLINE_EXCEEDED);
        status.setMessage("Job " + jobName + " ran longer than its deadline of "
            + job.getSpec().getActiveDeadlineSeconds() + "s and was stopped; PostgreSQL rolls back an"
            + " uncommitted purge. Look for locks on the tables or raise --job-deadline, then change"
            + " spec.runId to run again.");
      }
      case NoResult -> {
        status.setReason(e.done() ? RESULT_MISSING : JOB_FAILED);
        status.setMessage("The purge container exited with code " + e.terminated().get().getExitCode()
            + " without a readable result; see kubectl logs job/" + jobName + ".");
      }
      default -> {
        status.setReason(JOB_FAILED);
        status.setMessage("Job " + jobName + " failed: "
            + e.failed().map(c -> c.getReason() + ": " + c.getMessage()).orElse("no pod result")
            + "; see kubectl describe job/" + jobName + ".");
      }
    }
    return status;
  }

  /** Planning or Running; a pod waiting for a missing Secret or seed ConfigMap says which one to create. */
  private static UserDataPurgeStatus inProgress(UserDataPurge resource, RunMode mode, Job job, Collection<Pod> pods,
      Collection<Event> mountFailures) {
    String jobName = job.getMetadata().getName();
    String db = resource.getSpec().getDatabase().getName();
    UserDataPurgeStatus status = base(resource, mode == RunMode.Plan ? Phase.Planning : Phase.Running);
    status.setJobName(jobName);
    status.setStartTime(startTime(job));
    status.setDryRun(mode == RunMode.Plan);
    Optional<ContainerStateWaiting> secretMissing = waiting(pods)
        .filter(w -> "CreateContainerConfigError".equals(w.getReason()));
    Optional<String> seedMissing = secretMissing.isPresent() ? Optional.empty()
        : missingSeed(resource, pods, mountFailures);
    if (seedMissing.isPresent()) {
      status.setReason(CONFIG_MAP_NOT_FOUND);
      status.setMessage("Job " + jobName + " is waiting for " + seedMissing.get() + ". Create it in namespace "
          + resource.getMetadata().getNamespace() + "; the Job starts as soon as it exists.");
      return status;
    }
    if (secretMissing.isEmpty()) {
      status.setMessage(mode == RunMode.Plan
          ? "Counting the rows of " + db + " in Job " + jobName + "; nothing is deleted."
          : "Purging " + db + " in Job " + jobName + ".");
      return status;
    }
    var secret = resource.getSpec().getDatabase().getCredentialsSecret();
    var auth0 = resource.getSpec().getAuth0();
    String waitingFor = Objects.toString(secretMissing.get().getMessage(), "");
    // The kubelet says: secret "NAME" not found, or: couldn't find key KEY in Secret NAMESPACE/NAME.
    boolean auth0Secret = auth0 != null && (waitingFor.contains("\"" + auth0.getCredentialsSecret().getName() + "\"")
        || waitingFor.endsWith("/" + auth0.getCredentialsSecret().getName()));
    status.setReason(SECRET_NOT_FOUND);
    status.setMessage("Job " + jobName + " is waiting for Secret " + (auth0Secret
        ? auth0.getCredentialsSecret().getName() + " with keys " + auth0.getCredentialsSecret().getClientIdKey()
            + " and " + auth0.getCredentialsSecret().getClientSecretKey()
        : secret.getName() + " with keys " + secret.getUsernameKey() + " and " + secret.getPasswordKey()) + " ("
        + Objects.toString(secretMissing.get().getMessage(), "not found") + "). Create it in namespace "
        + resource.getMetadata().getNamespace() + "; the Job starts as soon as it exists.");
    return status;
  }

  /**
   * The spec.seed entry a pod of this run cannot mount, from the kubelet's FailedMount Event: it says
   * {@code configmap "NAME" not found} or {@code configmap references non-existent config key: KEY}. Only
   * while the container has not started: once the ConfigMap exists the pod runs and old Events are stale.
   */
  static Optional<String> missingSeed(UserDataPurge resource, Collection<Pod> pods, Collection<Event> mountFailures) {
    var seed = resource.getSpec().getSeed();
    if (seed == null || seed.isEmpty() || mountFailures.isEmpty()) {
      return Optional.empty();
    }
    List<String> waitingPods = pods.stream()
        .filter(p -> p.getStatus() == null || "Pending".equals(p.getStatus().getPhase()))
        .filter(p -> purgeStates(List.of(p)).allMatch(st -> st.getWaiting() != null))
        .map(p -> p.getMetadata().getName()).toList();
    for (Event event : mountFailures) {
      String message = Objects.toString(event.getMessage(), "");
      if (!FAILED_MOUNT.equals(event.getReason()) || event.getInvolvedObject() == null
          || !waitingPods.contains(event.getInvolvedObject().getName())) {
        continue;
      }
      for (int i = 0; i < seed.size(); i++) {
        var s = seed.get(i);
        boolean noConfigMap = message.contains("configmap \"" + s.getConfigMap() + "\" not found");
        boolean noKey = message.contains("non-existent config key: " + s.getKey())
            && seed.stream().filter(o -> o.getKey().equals(s.getKey())).count() == 1;
        if (noConfigMap || noKey) {
          return Optional.of("ConfigMap " + s.getConfigMap() + " with key " + s.getKey() + " (spec.seed[" + i + "]; "
              + (noConfigMap ? "the ConfigMap does not exist" : "the ConfigMap has no key " + s.getKey()) + ")");
        }
      }
      if (message.contains("configmap")) {
        return Optional.of("a ConfigMap of spec.seed (" + message + ")");
      }
    }
    return Optional.empty();
  }

  private static void succeeded(UserDataPurge resource, RunMode mode, UserDataPurgeStatus status) {
    String db = Objects.requireNonNullElse(status.getDatabase(), resource.getSpec().getDatabase().getName());
    int tables = status.getTables().size();
    long before = status.getTotals() == null ? 0 : status.getTotals().getBefore();
    long after = status.getTotals() == null ? 0 : status.getTotals().getAfter();
    status.setReason(null);
    Auth0Status a = status.getAuth0();
    String auth0Users = a == null ? "" : " and " + a.getBefore() + " Auth0 users of " + a.getDomain();
    Long seeded = status.getTotals() == null ? null : status.getTotals().getSeeded();
    if (mode == RunMode.Purge) {
      status.setPhase(Phase.Succeeded);
      long kept = seeded == null ? after : after - seeded;
      status.setMessage("Purged " + db + ": " + (before - kept) + " rows deleted from " + tables + " tables"
          + (seeded == null ? "" : ", " + seeded + " rows seeded") + " (" + before + " before, " + after + " after)."
          + (a == null ? "" : " Auth0 " + a.getDomain() + ": " + a.getDeleted() + " users deleted (" + a.getBefore()
              + " before, " + a.getAfter() + " after)."));
    } else if (Boolean.TRUE.equals(resource.getSpec().getDryRun())) {
      status.setPhase(Phase.Succeeded);
      status.setMessage("Dry run of " + db + ": " + wouldDelete(status) + " rows in " + tables
          + " tables" + auth0Users + " would be deleted" + seedPlan(status) + "; nothing was deleted.");
    } else {
      status.setPhase(Phase.AwaitingConfirmation);
      status.setMessage("Plan for " + db + ": " + wouldDelete(status) + " rows in " + tables
          + " tables" + auth0Users + " would be deleted" + seedPlan(status) + ". To purge, set spec.confirm to "
          + db + ".");
    }
  }

  /** What a plan says about the seed it parsed: its statements run after the delete, in the same transaction. */
  private static String seedPlan(UserDataPurgeStatus status) {
    Integer statements = status.getSeedStatements();
    return statements == null ? "" : ", then the seed's " + statements + " statements would run";
  }

  /** "N" rows, or "N of M" when a predicate (spec.where) keeps some of them. */
  private static String wouldDelete(UserDataPurgeStatus status) {
    Totals t = status.getTotals();
    if (t == null) return "0";
    if (t.getDeleted() == null || t.getDeleted().equals(t.getBefore())) return String.valueOf(t.getBefore());
    return t.getDeleted() + " of " + t.getBefore();
  }

  /** verify-ca/verify-full without the server's CA cannot work; say so before the generic checks. */
  private static String caAdvice(UserDataPurge resource) {
    var db = resource.getSpec().getDatabase();
    boolean verifies = db.getSslMode() == SslMode.VERIFY_CA || db.getSslMode() == SslMode.VERIFY_FULL;
    return verifies && db.getCaSecret() == null
        ? " sslMode " + db.getSslMode().value() + " verifies the server's certificate: set spec.database.caSecret"
            + " to a Secret holding the CA that signed it (key ca.crt)."
        : "";
  }

  private static String advice(FailureReason reason, UserDataPurge resource) {
    String secret = resource.getSpec().getDatabase().getCredentialsSecret().getName();
    return switch (reason) {
      case AuthFailed -> " Check the user and password in Secret " + secret + ".";
      case ConnectionFailed -> caAdvice(resource) + " Check spec.database.host, port and sslMode, and that the"
          + " server is up; change spec.runId to retry.";
      case LockTimeout -> " Another session holds a lock on the tables; retry when it is gone by"
          + " changing spec.runId.";
      case Auth0Failed -> resource.getSpec().getAuth0() == null ? ""
          : " Check spec.auth0.domain and the client id and secret in Secret "
              + resource.getSpec().getAuth0().getCredentialsSecret().getName() + "; change spec.runId to retry.";
      case Auth0Incomplete -> " Change spec.runId to run again: the database part finds nothing left to delete"
          + " and the Auth0 part continues where this one stopped.";
      default -> "";
    };
  }

  private static void counts(UserDataPurgeStatus status, PurgeResult result) {
    if (result.database() != null) {
      status.setDatabase(result.database());
    }
    if (result.tables() != null) {
      status.setTables(result.tables().stream().map(t -> {
        TableStatus table = new TableStatus(t.table(), t.role(), t.before(), t.after(), t.deleted(), t.method());
        table.setSeeded(t.seeded());
        return table;
      }).toList());
    }
    if (result.totals() != null) {
      Totals totals = new Totals(result.totals().before(), result.totals().after(), result.totals().deleted());
      totals.setSeeded(result.totals().seeded());
      status.setTotals(totals);
    }
    if (result.seed() != null) {
      status.setSeedStatements(result.seed().stream().mapToInt(PurgeResult.SeedFile::statements).sum());
    }
    if (result.keyChecks() != null) {
      KeyChecksStatus k = new KeyChecksStatus();
      k.setMode(result.keyChecks().mode());
      k.setBatch(result.keyChecks().batch());
      k.setPerRow(result.keyChecks().perRow());
      k.setWhy(result.keyChecks().why());
      status.setKeyChecks(k);
    }
    if (result.auth0() != null) {
      Auth0Status a = new Auth0Status();
      a.setDomain(result.auth0().domain());
      a.setConnection(result.auth0().connection());
      a.setBefore(result.auth0().before());
      a.setDeleted(result.auth0().deleted());
      a.setAfter(result.auth0().after());
      a.setMessage(result.auth0().error());
      status.setAuth0(a);
    }
  }

  static Optional<PurgeResult> parse(String message) {
    if (message == null || message.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(message, PurgeResult.class));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static UserDataPurgeStatus base(UserDataPurge resource, Phase phase) {
    UserDataPurgeStatus status = new UserDataPurgeStatus();
    status.setPhase(phase);
    status.setObservedGeneration(resource.getMetadata().getGeneration());
    status.setDatabase(resource.getSpec().getDatabase().getName());
    return status;
  }

  private static String startTime(Job job) {
    return job.getStatus() != null && job.getStatus().getStartTime() != null
        ? job.getStatus().getStartTime()
        : job.getMetadata().getCreationTimestamp();
  }

  static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  static boolean finished(Job job) {
    return condition(job, "Complete").isPresent() || condition(job, "Failed").isPresent();
  }

  /** A purge pod that has ended (phase Succeeded or Failed), if any. */
  private static Optional<Pod> ended(Collection<Pod> pods) {
    return pods.stream().filter(p -> p.getStatus() != null
            && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())))
        .findFirst();
  }

  private static Optional<ContainerStateTerminated> terminated(Collection<Pod> pods) {
    return purgeStates(pods).map(ContainerState::getTerminated).filter(Objects::nonNull)
        .filter(t -> t.getMessage() != null && !t.getMessage().isBlank())
        .findFirst()
        .or(() -> purgeStates(pods).map(ContainerState::getTerminated).filter(Objects::nonNull).findFirst());
  }

  private static Optional<ContainerStateWaiting> waiting(Collection<Pod> pods) {
    return purgeStates(pods).map(ContainerState::getWaiting).filter(Objects::nonNull).findFirst();
  }

  private static java.util.stream.Stream<ContainerState> purgeStates(Collection<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null)
        .flatMap(p -> p.getStatus().getContainerStatuses().stream())
        .filter(c -> PurgeJob.CONTAINER.equals(c.getName()))
        .map(ContainerStatus::getState)
        .filter(Objects::nonNull);
  }
}
