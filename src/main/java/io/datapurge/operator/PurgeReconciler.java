package io.datapurge.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSpec;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link UserDataPurge} per generation: refuse (Blocked), or create (or adopt) the
 * run's Job and map the Job, its pod and the result in the termination message to status.
 *
 * <p>The Job is created explicitly rather than through a dependent resource: its name depends on
 * the mode and generation, and a 409 on create is the one place where "adopt, never duplicate" is
 * decided. A run in a final phase for the current generation is never looked at again, so a
 * restarted operator does not re-create a Job whose TTL removed it.
 */
@ControllerConfiguration(name = "userdatapurge", informer = @Informer(itemStore = PrunedItemStore.ForUserDataPurge.class))
public class PurgeReconciler implements Reconciler<UserDataPurge> {

  private static final Logger LOG = LoggerFactory.getLogger(PurgeReconciler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final OperatorSettings settings;
  private final PurgeMetrics metrics;
  /** uid → last published (generation, phase, reason): one Event and one count per transition. */
  private final Map<String, String> published = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 10_000;
    }
  };

  public PurgeReconciler(OperatorSettings settings, PurgeMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, UserDataPurge>> prepareEventSources(EventSourceContext<UserDataPurge> context) {
    var jobs = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, UserDataPurge.class)
        .withName("jobs")
        .withLabelSelector(PurgeJob.SELECTOR)
        .withNamespacesInheritedFromController()
        .withItemStore(new PrunedItemStore<>())
        .build(), context);
    // Pods tell us about a missing Secret (no Job status change) and carry the result.
    var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, UserDataPurge.class)
        .withName("pods")
        .withLabelSelector(PurgeJob.SELECTOR)
        .withNamespacesInheritedFromController()
        .withItemStore(new PrunedItemStore<>())
        .withSecondaryToPrimaryMapper(pod -> {
          String owner = pod.getMetadata().getAnnotations() == null ? null
              : pod.getMetadata().getAnnotations().get(PurgeJob.RESOURCE_ANNOTATION);
          return owner == null ? Set.of() : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
        })
        .build(), context);
    return List.of(jobs, pods);
  }

  @Override
  public UpdateControl<UserDataPurge> reconcile(UserDataPurge resource, Context<UserDataPurge> context) {
    UserDataPurgeStatus previous = resource.getStatus();
    long generation = resource.getMetadata().getGeneration();
    if (previous != null && previous.getPhase() != null && previous.getPhase().isFinal()
        && Objects.equals(previous.getObservedGeneration(), generation)) {
      return UpdateControl.noUpdate();
    }
    return publish(resource, previous, observe(resource, previous, context), context);
  }

  private UserDataPurgeStatus observe(UserDataPurge resource, UserDataPurgeStatus previous,
      Context<UserDataPurge> context) {
    cancelSupersededRun(resource, previous, context.getClient());
    Optional<UserDataPurgeStatus> refusal = refusal(resource);
    if (refusal.isPresent()) {
      return refusal.get();
    }
    RunMode mode = RunMode.of(resource);
    String jobName = JobNames.of(resource, mode);
    KubernetesClient client = context.getClient();
    String namespace = resource.getMetadata().getNamespace();
    Job job = context.getSecondaryResources(Job.class).stream()
        .filter(j -> jobName.equals(j.getMetadata().getName())).findFirst()
        // The informer may not yet have seen a Job created moments ago: one the status already names
        // is looked up before it is called lost. Any other is created; a 409 adopts it (restart).
        .orElseGet(() -> previous != null && jobName.equals(previous.getJobName())
            ? client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get() : null);
    if (job == null) {
      if (previous != null && jobName.equals(previous.getJobName())) {
        return RunStatus.jobLost(resource, mode, jobName);
      }
      job = createOrAdopt(client, PurgeJob.desired(resource, mode, settings));
    }
    Collection<Pod> pods = RunStatus.finished(job)
        ? client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems()
        : context.getSecondaryResources(Pod.class).stream()
            .filter(p -> jobName.equals(p.getMetadata().getLabels().get("job-name"))).toList();
    return RunStatus.of(resource, mode, job, pods);
  }

  /**
   * A spec change while a run is still working (Planning/Running) ends that run: its Job is deleted,
   * its pod stopped, and PostgreSQL rolls back the open transaction. Otherwise removing `confirm`
   * (or any edit meant to stop a purge) would start the next run while the old Job still deletes.
   * Foreground: the Job stays (with a deletionTimestamp) until the kubelet has stopped its pod, so
   * "the Job is gone" means "its purge is no longer running" (background deletion removed the Job
   * at once while a real kubelet was still about to send SIGTERM).
   */
  private static void cancelSupersededRun(UserDataPurge resource, UserDataPurgeStatus previous,
      KubernetesClient client) {
    if (previous == null || previous.getJobName() == null || previous.getPhase() == null
        || previous.getPhase().isFinal()
        || Objects.equals(previous.getObservedGeneration(), resource.getMetadata().getGeneration())) {
      return;
    }
    LOG.info("Spec changed during run {} ({}): deleting its Job", previous.getJobName(), previous.getPhase());
    client.batch().v1().jobs().inNamespace(resource.getMetadata().getNamespace())
        .withName(previous.getJobName()).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
  }

  /** What the operator refuses before any Job exists; the schema already rejects malformed specs. */
  Optional<UserDataPurgeStatus> refusal(UserDataPurge resource) {
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

  private Job createOrAdopt(KubernetesClient client, Job desired) {
    try {
      Job created = client.resource(desired).create();
      LOG.info("Created Job {}", desired.getMetadata().getName());
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      Job existing = client.resource(desired).get();
      if (existing == null) {
        throw e;
      }
      LOG.info("Adopted existing Job {}", desired.getMetadata().getName());
      return existing;
    }
  }

  private UpdateControl<UserDataPurge> publish(UserDataPurge resource, UserDataPurgeStatus previous,
      UserDataPurgeStatus next, Context<UserDataPurge> context) {
    Conditions.apply(next, resource.getMetadata().getGeneration(), previous);
    if (previous != null && JSON.valueToTree(previous).equals(JSON.valueToTree(next))) {
      return UpdateControl.noUpdate();
    }
    String transition = next.getObservedGeneration() + "/" + next.getPhase() + "/" + next.getReason();
    String uid = resource.getMetadata().getUid();
    boolean firstTime;
    synchronized (published) {
      firstTime = !transition.equals(published.put(uid, transition));
    }
    boolean changed = previous == null || previous.getPhase() != next.getPhase()
        || !Objects.equals(previous.getReason(), next.getReason())
        || !Objects.equals(previous.getObservedGeneration(), next.getObservedGeneration());
    if (changed && firstTime) {
      LOG.info("Phase {}{}: {}", next.getPhase(), next.getReason() == null ? "" : " (" + next.getReason() + ")",
          next.getMessage());
      new PhaseEvents(context.getClient()).record(resource, next);
      if (next.getPhase().isFinal()) {
        metrics.finished(next);
      }
    }
    return UpdateControl.patchStatus(statusOnly(resource, next));
  }

  @Override
  public ErrorStatusUpdateControl<UserDataPurge> updateErrorStatus(UserDataPurge resource,
      Context<UserDataPurge> context, Exception e) {
    UserDataPurgeStatus previous = resource.getStatus();
    UserDataPurgeStatus next = new UserDataPurgeStatus();
    // Keep what this generation's run already showed; a new generation starts clean, so the last
    // run's Job and counts never appear under the new observedGeneration.
    if (previous != null && Objects.equals(previous.getObservedGeneration(), resource.getMetadata().getGeneration())) {
      next = JSON.convertValue(previous, UserDataPurgeStatus.class);
    }
    if (next.getPhase() == null || next.getPhase().isFinal()) {
      // A final phase would end the run for this generation; an error must leave it retryable.
      next.setPhase(Phase.Pending);
    }
    next.setObservedGeneration(resource.getMetadata().getGeneration());
    next.setReason("ReconcileError");
    next.setMessage("The operator could not reconcile: " + e.getMessage() + " (retrying).");
    Conditions.apply(next, resource.getMetadata().getGeneration(), previous);
    return ErrorStatusUpdateControl.patchStatus(statusOnly(resource, next));
  }

  private static UserDataPurge statusOnly(UserDataPurge resource, UserDataPurgeStatus status) {
    UserDataPurge fresh = new UserDataPurge();
    fresh.setMetadata(new ObjectMetaBuilder()
        .withName(resource.getMetadata().getName())
        .withNamespace(resource.getMetadata().getNamespace())
        .build());
    fresh.setStatus(status);
    return fresh;
  }
}
