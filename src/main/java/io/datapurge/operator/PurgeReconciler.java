package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.operator.RunDecision.Decision;
import io.datapurge.operator.RunDecision.DeleteJob;
import io.datapurge.operator.RunDecision.Observed;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.util.List;

/**
 * Drives one {@link UserDataPurge} per generation: observes the run's Job and pods, lets
 * {@link RunDecision} decide, and carries the decision out (delete, create or adopt, status, Events).
 *
 * <p>The Job is created explicitly rather than through a dependent resource: its name depends on
 * the mode and generation, and a 409 on create is the one place where "adopt, never duplicate" is
 * decided.
 */
@ControllerConfiguration(name = "userdatapurge", informer = @Informer(itemStore = PrunedItemStore.ForUserDataPurge.class))
public class PurgeReconciler implements Reconciler<UserDataPurge> {

  private final RunDecision decision;
  private final PhaseEvents events;
  private final Clock clock;

  public PurgeReconciler(OperatorSettings settings, PurgeMetrics metrics) {
    this(settings, metrics, Clock.systemUTC());
  }

  PurgeReconciler(OperatorSettings settings, PurgeMetrics metrics, Clock clock) {
    this.decision = new RunDecision(settings);
    this.events = new PhaseEvents(metrics);
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, UserDataPurge>> prepareEventSources(EventSourceContext<UserDataPurge> context) {
    return RunEventSources.of(context);
  }

  @Override
  public UpdateControl<UserDataPurge> reconcile(UserDataPurge resource, Context<UserDataPurge> context) {
    if (RunDecision.settled(resource)) {
      return UpdateControl.noUpdate();
    }
    RunJobs jobs = new RunJobs(context, resource.getMetadata().getNamespace());
    String jobName = RunDecision.jobName(resource);
    Job job = jobs.find(jobName, resource.getStatus() != null && jobName.equals(resource.getStatus().getJobName()));
    Job superseded = job != null ? null
        : RunDecision.superseded(resource).map(name -> jobs.find(name, false)).orElse(null);
    Decision next = decision.decide(new Observed(resource, job, job == null ? List.of() : jobs.pods(job),
        jobs.mountFailures(), superseded), clock.instant());
    next.actions().stream().filter(DeleteJob.class::isInstance).map(DeleteJob.class::cast)
        .forEach(delete -> jobs.delete(delete.name()));
    if (next.jobToCreate().isPresent()) {
      Job created = jobs.createOrAdopt(next.jobToCreate().get());
      next = decision.decide(new Observed(resource, created, jobs.pods(created)), clock.instant());
    }
    if (next.status() == null) {
      return UpdateControl.noUpdate();
    }
    events.publish(context.getClient(), resource, next.status(), next.transition(), clock.instant());
    return UpdateControl.patchStatus(statusOnly(resource, next.status()));
  }

  @Override
  public ErrorStatusUpdateControl<UserDataPurge> updateErrorStatus(UserDataPurge resource,
      Context<UserDataPurge> context, Exception e) {
    var retry = context.getRetryInfo();
    return ErrorStatusUpdateControl.patchStatus(statusOnly(resource, RunDecision.onError(resource, e,
        retry.map(r -> r.getAttemptCount() + 1).orElse(null), retry.map(r -> r.isLastAttempt()).orElse(false),
        clock.instant())));
  }

  /** A fresh object with only name, namespace and status: server-side apply owns nothing else. */
  private static UserDataPurge statusOnly(UserDataPurge resource, UserDataPurgeStatus status) {
    UserDataPurge fresh = new UserDataPurge();
    fresh.setMetadata(new ObjectMetaBuilder().withName(resource.getMetadata().getName())
        .withNamespace(resource.getMetadata().getNamespace()).build());
    fresh.setStatus(status);
    return fresh;
  }
}
