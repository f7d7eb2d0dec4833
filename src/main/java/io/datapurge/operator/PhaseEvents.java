package io.datapurge.operator;

import io.datapurge.api.ApprovalStatus;
import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One core/v1 Event per phase (or reason) change, so {@code kubectl describe purge} tells the story,
 * and one count of each finished run.
 */
final class PhaseEvents {

  private static final Logger LOG = LoggerFactory.getLogger(PhaseEvents.class);
  static final String COMPONENT = "user-data-purge-operator";

  /** uid → last published (generation, phase, reason), uid/approved → approved plan: one Event and one count per transition. */
  private final Map<String, String> published = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 10_000;
    }
  };

  private final PurgeMetrics metrics;

  PhaseEvents(PurgeMetrics metrics) {
    this.metrics = metrics;
  }

  /** Announces a status about to be written: logged, an Event and counted, once per transition. */
  void publish(KubernetesClient client, UserDataPurge resource, UserDataPurgeStatus status, boolean transition,
      Instant now) {
    if (firstTime(resource, status) && transition) {
      LOG.info("Phase {}{}: {}", status.getPhase(), status.getReason() == null ? "" : " (" + status.getReason() + ")",
          status.getMessage());
      record(client, resource, status, now);
      if (status.getPhase().isFinal()) {
        metrics.finished(status);
      }
    }
  }

  /**
   * Remembers {@code status} as the resource's latest and says whether it is new: a stale cache can
   * hand the reconciler an old status again, and a transition already announced must stay silent.
   */
  boolean firstTime(UserDataPurge resource, UserDataPurgeStatus status) {
    String transition = status.getObservedGeneration() + "/" + status.getPhase() + "/" + status.getReason();
    synchronized (published) {
      return !transition.equals(published.put(resource.getMetadata().getUid(), transition));
    }
  }

  /**
   * The Event that records an accepted approval: which plan, and when; once per plan, also when a
   * stale cache hands the reconciler the status from before the approval again.
   */
  void approved(KubernetesClient client, UserDataPurge resource, ApprovalStatus approval) {
    synchronized (published) {
      if (approval.getPlanId().equals(published.put(resource.getMetadata().getUid() + "/approved", approval.getPlanId()))) {
        return;
      }
    }
    LOG.info("Plan {} approved through the annotation {}", approval.getPlanId(), PlanApproval.ANNOTATION);
    event(client, resource, false, "Approved", "Plan " + approval.getPlanId() + " approved through the annotation "
        + PlanApproval.ANNOTATION + " at " + approval.getApprovedAt() + "; purging "
        + resource.getSpec().getDatabase().getName() + ".", Instant.parse(approval.getApprovedAt()));
  }

  void record(KubernetesClient client, UserDataPurge resource, UserDataPurgeStatus status, Instant at) {
    boolean warning = status.getPhase() == Phase.Failed || status.getPhase() == Phase.Blocked
        || status.getReason() != null;
    String reason = status.getReason() != null ? status.getReason() : status.getPhase().name();
    event(client, resource, warning, reason, status.getMessage(), at);
  }

  /** A core/v1 Event on {@code involved} (a purge or a schedule). */
  static void event(KubernetesClient client, HasMetadata involved, boolean warning, String reason, String message,
      Instant at) {
    String text = message == null ? "" : message;
    var meta = involved.getMetadata();
    String now = at.truncatedTo(ChronoUnit.SECONDS).toString();
    String prefix = meta.getName().length() > 200 ? meta.getName().substring(0, 200) : meta.getName();
    try {
      client.v1().events().inNamespace(meta.getNamespace()).resource(new EventBuilder()
          .withNewMetadata()
            .withName(prefix + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
            .withNamespace(meta.getNamespace())
          .endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(involved.getApiVersion())
              .withKind(involved.getKind())
              .withName(meta.getName())
              .withNamespace(meta.getNamespace())
              .withUid(meta.getUid())
              .build())
          .withType(warning ? "Warning" : "Normal")
          .withReason(reason)
          .withMessage(text.length() > 1000 ? text.substring(0, 1000) : text)
          .withFirstTimestamp(now)
          .withLastTimestamp(now)
          .withCount(1)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent(COMPONENT)
          .build()).create();
    } catch (RuntimeException e) {
      // Events are a courtesy; the status already holds the same information.
      LOG.warn("Could not record event {}: {}", reason, e.getMessage());
    }
  }
}
