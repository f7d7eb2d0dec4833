package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The informers a run is observed through: the operator's Jobs and their pods, without managedFields,
 * and the kubelet's FailedMount Events on pods.
 */
final class RunEventSources {

  private RunEventSources() {}

  static List<EventSource<?, UserDataPurge>> of(EventSourceContext<UserDataPurge> context) {
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
        .withSecondaryToPrimaryMapper(pod -> owner(pod.getMetadata().getAnnotations())
            .map(name -> Set.of(new ResourceID(name, pod.getMetadata().getNamespace())))
            .orElse(Set.of()))
        .build(), context);
    // A pod whose seed ConfigMap (or key) is missing waits in ContainerCreating and its status says
    // nothing; the kubelet's FailedMount Event names it. Mapped to the resource through the pod's annotation.
    var mountFailures = new InformerEventSource<>(InformerEventSourceConfiguration.from(Event.class, UserDataPurge.class)
        .withName("mount-failures")
        .withFieldSelector(new FieldSelector(new FieldSelector.Field("involvedObject.kind", "Pod"),
            new FieldSelector.Field("reason", RunStatus.FAILED_MOUNT)))
        .withNamespacesInheritedFromController()
        .withSecondaryToPrimaryMapper(event -> pods.get(new ResourceID(event.getInvolvedObject().getName(),
                event.getInvolvedObject().getNamespace()))
            .flatMap(pod -> owner(pod.getMetadata().getAnnotations()))
            .map(name -> Set.of(new ResourceID(name, event.getInvolvedObject().getNamespace())))
            .orElse(Set.of()))
        .build(), context);
    return List.of(jobs, pods, mountFailures);
  }

  /** The resource a purge pod belongs to, from the annotation PurgeJob puts on it. */
  static Optional<String> owner(Map<String, String> annotations) {
    return Optional.ofNullable(annotations == null ? null : annotations.get(PurgeJob.RESOURCE_ANNOTATION));
  }
}
