package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.net.HttpURLConnection;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The reconciler's hands on the Jobs of one resource's runs: look them up, create or adopt, delete. */
final class RunJobs {

  private static final Logger LOG = LoggerFactory.getLogger(RunJobs.class);

  private final Context<UserDataPurge> context;
  private final KubernetesClient client;
  private final String namespace;

  RunJobs(Context<UserDataPurge> context, String namespace) {
    this.context = context;
    this.client = context.getClient();
    this.namespace = namespace;
  }

  /**
   * The Job {@code name} from the informer's cache. The cache may not yet hold a Job created moments
   * ago: one the status already names ({@code named}) is asked of the API before it is called lost.
   */
  Job find(String name, boolean named) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> name.equals(j.getMetadata().getName())).findFirst()
        .orElseGet(() -> named ? client.batch().v1().jobs().inNamespace(namespace).withName(name).get() : null);
  }

  /** A finished Job's pods come from the API: the pod cache may lag the Job's, and the result is on the pod. */
  Collection<Pod> pods(Job job) {
    String name = job.getMetadata().getName();
    return RunStatus.finished(job)
        ? client.pods().inNamespace(namespace).withLabel("job-name", name).list().getItems()
        : context.getSecondaryResources(Pod.class).stream()
            .filter(p -> name.equals(p.getMetadata().getLabels().get("job-name"))).toList();
  }

  /** The kubelet's FailedMount Events for this resource's pods, from the informer (see {@link RunEventSources}). */
  Collection<Event> mountFailures() {
    return context.getSecondaryResources(Event.class);
  }

  /** A Job of that name already exists (a restart, a stale cache): adopt it, never purge twice. */
  Job createOrAdopt(Job desired) {
    try {
      Job created = client.resource(desired).create();
      LOG.info("Created Job {}", desired.getMetadata().getName());
      return created;
    } catch (KubernetesClientException e) {
      Job existing = e.getCode() == HttpURLConnection.HTTP_CONFLICT ? client.resource(desired).get() : null;
      if (existing == null) {
        throw e;
      }
      LOG.info("Adopted existing Job {}", desired.getMetadata().getName());
      return existing;
    }
  }

  /** Foreground: the Job stays until the kubelet stopped its pod, so "gone" means "no longer purging". */
  void delete(String name) {
    LOG.info("Spec changed during run {}: deleting its Job", name);
    client.batch().v1().jobs().inNamespace(namespace).withName(name)
        .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
  }
}
