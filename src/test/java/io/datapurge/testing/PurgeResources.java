package io.datapurge.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.purge.FailureReason;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/** What the end-to-end tests read back from the API server about the purges in one namespace. */
public record PurgeResources(KubernetesClient client, String namespace, Duration timeout) {

  public UserDataPurge get(String name) {
    return client.resources(UserDataPurge.class).inNamespace(namespace).withName(name).get();
  }

  /**
   * Waits for the phase. A run that ended well (Succeeded, or a plan AwaitingConfirmation) also
   * proves where it ran: its Job's pod on the kubelet's node, from a real image, exit code 0; a run
   * that failed with a reason the purge reported itself ended with that reason's exit code.
   */
  public UserDataPurgeStatus awaitPhase(String name, Phase phase) {
    UserDataPurgeStatus status = awaitStatus(name, s -> s.getPhase() == phase);
    Integer exitCode = phase == Phase.Succeeded || phase == Phase.AwaitingConfirmation ? Integer.valueOf(0)
        : phase == Phase.Failed ? purgeExitCode(status.getReason()) : null;
    if (exitCode != null && (status.getJobName() != null || exitCode == 0)) {
      assertThat(status.getJobName()).as("the Job of a run that ended " + phase).isNotNull();
      List<Pod> pods = client.pods().inNamespace(namespace).withLabel("job-name", status.getJobName()).list().getItems();
      assertThat(pods).as("pods of Job " + status.getJobName()).isNotEmpty().allSatisfy(pod -> {
        assertThat(pod.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
        ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
        assertThat(container.getImageID()).as("imageID").isNotBlank();
        assertThat(container.getState().getTerminated()).as("terminated").isNotNull();
        assertThat(container.getState().getTerminated().getExitCode()).as("exit code").isEqualTo(exitCode);
      });
    }
    return status;
  }

  /** The documented exit code of a reason the purge command reports, or null for the operator's own. */
  private static Integer purgeExitCode(String reason) {
    return java.util.Arrays.stream(FailureReason.values()).filter(r -> r.name().equals(reason))
        .map(FailureReason::exitCode).findFirst().orElse(null);
  }

  /** Waits for a status of the resource's current generation that satisfies {@code done}. */
  public UserDataPurgeStatus awaitStatus(String name, Predicate<UserDataPurgeStatus> done) {
    return await().atMost(timeout).pollInterval(Duration.ofMillis(250))
        .until(() -> {
          UserDataPurge r = get(name);
          return r == null || r.getStatus() == null
              || !Objects.equals(r.getStatus().getObservedGeneration(), r.getMetadata().getGeneration())
              ? null : r.getStatus();
        }, s -> s != null && done.test(s));
  }

  /** Jobs owned by the resource (by uid), whatever their name. */
  public List<Job> jobsOf(String name) {
    return jobsOwnedBy(get(name).getMetadata().getUid());
  }

  public List<Job> jobsOwnedBy(String uid) {
    return client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
        .filter(j -> j.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid())))
        .toList();
  }
}
