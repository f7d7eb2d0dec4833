package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.operator.ScheduleDecision.CreateRun;
import io.datapurge.operator.ScheduleDecision.Decision;
import io.datapurge.operator.ScheduleDecision.DeleteRun;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  /**
   * Events and counts already announced: a reconcile on a status read from the cache before our last
   * write would decide the same skip or the same finished run again; each is announced once.
   */
  private final Map<String, Boolean> announced = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  };

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
    String key = namespace + "/" + schedule.getMetadata().getName();
    List<UserDataPurge> runs = new ArrayList<>(context.getSecondaryResources(UserDataPurge.class));
    // A run created moments ago may not be in the cache yet: the status names it, the API knows it.
    UserDataPurgeScheduleStatus previous = schedule.getStatus();
    if (previous != null && previous.getActive() != null) {
      previous.getActive().stream()
          .filter(name -> runs.stream().noneMatch(r -> name.equals(r.getMetadata().getName())))
          .map(name -> client.resources(UserDataPurge.class).inNamespace(namespace).withName(name).get())
          .filter(Objects::nonNull).forEach(runs::add);
    }

    Decision decision = ScheduleDecision.decide(schedule, runs, clock.instant());
    for (var action : decision.actions()) {
      if (action instanceof DeleteRun delete) {
        LOG.info(delete.cancel() ? "Cancelling run {} (Replace)" : "Deleting run {} beyond the history limit", delete.name());
        client.resources(UserDataPurge.class).inNamespace(namespace).withName(delete.name())
            .withPropagationPolicy(delete.cancel() ? DeletionPropagation.FOREGROUND : DeletionPropagation.BACKGROUND)
            .delete();
      } else if (action instanceof CreateRun create) {
        create(client, create.run());
      }
    }
    String uid = schedule.getMetadata().getUid();
    decision.notes().stream().filter(note -> firstTime(uid + "/" + note.reason() + "/" + note.message()))
        .forEach(note -> PhaseEvents.event(client, schedule, note.warning(), note.reason(), note.message(), clock.instant()));
    decision.outcomes().stream().filter(o -> firstTime(uid + "/" + o.outcome() + "/" + o.subject()))
        .forEach(o -> metrics.count(key, o.outcome()));
    metrics.nextTick(key, decision.next());

    if (decision.status() != null) {
      // Read our own write: the next reconcile (a run's event may come at once) must not decide on the
      // status as it was before this one, or it would write an older lastRun or active list back.
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(schedule, statusOnly(schedule, decision.status()), context);
    }
    UpdateControl<UserDataPurgeSchedule> control = UpdateControl.noUpdate();
    decision.wakeAfter().ifPresent(d -> control.rescheduleAfter(Math.max(1, d.toMillis())));
    return control;
  }

  private boolean firstTime(String key) {
    synchronized (announced) {
      return announced.put(key, Boolean.TRUE) == null;
    }
  }

  @Override
  public ErrorStatusUpdateControl<UserDataPurgeSchedule> updateErrorStatus(UserDataPurgeSchedule schedule,
      Context<UserDataPurgeSchedule> context, Exception e) {
    var retry = context.getRetryInfo();
    return ErrorStatusUpdateControl.patchStatus(statusOnly(schedule, ScheduleDecision.onError(schedule, e,
        retry.map(r -> r.getAttemptCount() + 1).orElse(null), retry.map(r -> r.isLastAttempt()).orElse(false),
        clock.instant())));
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

  /** A fresh object with only name, namespace and status: server-side apply owns nothing else. */
  private static UserDataPurgeSchedule statusOnly(UserDataPurgeSchedule schedule, UserDataPurgeScheduleStatus status) {
    UserDataPurgeSchedule fresh = new UserDataPurgeSchedule();
    fresh.setMetadata(new ObjectMetaBuilder().withName(schedule.getMetadata().getName())
        .withNamespace(schedule.getMetadata().getNamespace()).build());
    fresh.setStatus(status);
    return fresh;
  }
}
