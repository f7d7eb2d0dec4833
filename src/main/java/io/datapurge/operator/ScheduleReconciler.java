package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.operator.ScheduleDecision.CreateRun;
import io.datapurge.operator.ScheduleDecision.Decision;
import io.datapurge.operator.ScheduleDecision.DeleteRun;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link UserDataPurgeSchedule}: observes the runs it owns (an informer on UserDataPurges
 * labelled {@code datapurge.io/schedule}, mapped to the schedule by owner reference), lets
 * {@link ScheduleDecision} decide, carries it out, and asks JOSDK to wake it just after the next tick
 * ({@code rescheduleAfter}); any change of the schedule or of a run wakes it earlier. No timer of its own.
 */
@ControllerConfiguration(name = "userdatapurgeschedule")
public class ScheduleReconciler implements Reconciler<UserDataPurgeSchedule> {

  private static final Logger LOG = LoggerFactory.getLogger(ScheduleReconciler.class);

  private final ScheduleMetrics metrics;
  private final Clock clock;
  private final Announced announced = new Announced(10_000);

  public ScheduleReconciler(ScheduleMetrics metrics) {
    this(metrics, Clock.systemUTC());
  }

  ScheduleReconciler(ScheduleMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, UserDataPurgeSchedule>> prepareEventSources(EventSourceContext<UserDataPurgeSchedule> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration
        .from(UserDataPurge.class, UserDataPurgeSchedule.class)
        .withName("runs")
        .withLabelSelector(ScheduleDecision.LABEL)
        .withNamespacesInheritedFromController()
        .withItemStore(new PrunedItemStore<>())
        .build(), context));
  }

  @Override
  public UpdateControl<UserDataPurgeSchedule> reconcile(UserDataPurgeSchedule schedule,
      Context<UserDataPurgeSchedule> context) {
    KubernetesClient client = context.getClient();
    String namespace = schedule.getMetadata().getNamespace();
    List<UserDataPurge> runs = new ArrayList<>(context.getSecondaryResources(UserDataPurge.class));
    ScheduleDecision.unseenActive(schedule.getStatus(), runs).stream()
        .map(name -> client.resources(UserDataPurge.class).inNamespace(namespace).withName(name).get())
        .filter(Objects::nonNull).forEach(runs::add);

    Decision decision = ScheduleDecision.decide(schedule, runs, clock.instant());
    for (var action : decision.actions()) {
      if (action instanceof DeleteRun delete) {
        LOG.info(delete.cancel() ? "Cancelling run {} (Replace)" : "Deleting run {} beyond the history limit", delete.name());
        client.resources(UserDataPurge.class).inNamespace(namespace).withName(delete.name())
            .withPropagationPolicy(delete.propagation()).delete();
      } else if (action instanceof CreateRun create) {
        create(client, create.run());
      }
    }
    String uid = schedule.getMetadata().getUid();
    decision.notes().stream().filter(note -> announced.firstTime(note.key(uid)))
        .forEach(note -> PhaseEvents.event(client, schedule, note.warning(), note.reason(), note.message(), clock.instant()));
    decision.outcomes().stream().filter(o -> announced.firstTime(o.key(uid)))
        .forEach(o -> metrics.count(ScheduleDecision.key(schedule), o.outcome()));
    metrics.nextTick(ScheduleDecision.key(schedule), decision.next());

    if (decision.status() != null) {
      writeStatus(schedule, decision.status(), context);
    }
    UpdateControl<UserDataPurgeSchedule> control = UpdateControl.noUpdate();
    decision.requeueMillis().ifPresent(control::rescheduleAfter);
    return control;
  }

  /**
   * Read our own write: the next reconcile (a run's event may come at once) must not decide on the status
   * as it was before this one, or it would write an older lastRun or active list back. Server-side apply
   * as shipped; where the operator is configured without SSA (the mock API server's tier), a JSON patch
   * from the status the API holds to ours, which is what the apply amounts to for the status we own.
   */
  private static void writeStatus(UserDataPurgeSchedule schedule, UserDataPurgeScheduleStatus status,
      Context<UserDataPurgeSchedule> context) {
    if (context.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource()) {
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(schedule, ScheduleDecision.statusOnly(schedule, status), context);
    } else {
      PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(schedule, context, s -> {
        s.setStatus(status);
        return s;
      });
    }
  }

  @Override
  public ErrorStatusUpdateControl<UserDataPurgeSchedule> updateErrorStatus(UserDataPurgeSchedule schedule,
      Context<UserDataPurgeSchedule> context, Exception e) {
    return ErrorStatusUpdateControl.patchStatus(ScheduleDecision.statusOnly(schedule,
        ScheduleDecision.onError(schedule, e, context.getRetryInfo(), clock.instant())));
  }

  /** The name is the tick's: a 409 means this tick's run exists (a retry, a restart), never a second run. */
  private static void create(KubernetesClient client, UserDataPurge run) {
    try {
      client.resource(run).create();
      LOG.info("Created run {}", run.getMetadata().getName());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      LOG.info("Run {} already exists; not created again", run.getMetadata().getName());
    }
  }
}
