package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.datapurge.api.ApprovalStatus;
import io.datapurge.api.Phase;
import io.datapurge.api.Totals;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code kubectl describe purge} shows: one Event per transition, Warning when something is wrong. */
@EnableKubernetesMockClient(crud = true)
class PhaseEventsTest {

  static final Instant NOW = Instant.parse("2026-11-26T05:00:03.600Z");

  static {
    PurgeReconcilerTest.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  KubernetesMockServer server;
  KubernetesClient client;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final PhaseEvents events = new PhaseEvents(new PurgeMetrics(registry));
  UserDataPurge resource;

  @BeforeEach
  void resource() {
    resource = Resources.purge("reset", "pyfactor", "pyfactor");
  }

  static UserDataPurgeStatus status(Phase phase, String reason, String message) {
    UserDataPurgeStatus status = new UserDataPurgeStatus();
    status.setPhase(phase);
    status.setObservedGeneration(1L);
    status.setReason(reason);
    status.setMessage(message);
    return status;
  }

  List<Event> recorded() {
    return client.v1().events().inNamespace("staging").list().getItems();
  }

  @Test
  void phaseChangeIsANormalEventOnTheResourceNamedByThePhase() {
    events.record(client, resource, status(Phase.Running, null, "Purging pyfactor in Job j."), NOW);
    Event event = recorded().get(0);
    assertThat(event.getType()).isEqualTo("Normal");
    assertThat(event.getReason()).isEqualTo("Running");
    assertThat(event.getMessage()).isEqualTo("Purging pyfactor in Job j.");
    assertThat(event.getInvolvedObject().getName()).isEqualTo("reset");
    assertThat(event.getInvolvedObject().getUid()).isEqualTo(resource.getMetadata().getUid());
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("UserDataPurge");
    assertThat(event.getFirstTimestamp()).isEqualTo("2026-11-26T05:00:03Z");
    assertThat(event.getLastTimestamp()).isEqualTo("2026-11-26T05:00:03Z");
    assertThat(event.getCount()).isEqualTo(1);
    assertThat(event.getSource().getComponent()).isEqualTo("user-data-purge-operator");
    assertThat(event.getReportingComponent()).isEqualTo("user-data-purge-operator");
    assertThat(event.getMetadata().getName()).startsWith("reset.").hasSize("reset.".length() + 16);
  }

  @Test
  void failureRefusalOrAReasonIsAWarningNamedByTheReason() {
    events.record(client, resource, status(Phase.Failed, "LockTimeout", "could not lock"), NOW);
    events.record(client, resource, status(Phase.Blocked, null, "refused"), NOW);
    events.record(client, resource, status(Phase.Running, "SecretNotFound", "waiting"), NOW);
    assertThat(recorded()).extracting(Event::getType).containsOnly("Warning");
    assertThat(recorded()).extracting(Event::getReason)
        .containsExactlyInAnyOrder("LockTimeout", "Blocked", "SecretNotFound");
  }

  @Test
  void longMessagesAndNamesAreCutToWhatTheApiServerAccepts() {
    resource.getMetadata().setName("r".repeat(240));
    events.record(client, resource, status(Phase.Failed, "JobFailed", "x".repeat(1500)), NOW);
    events.record(client, resource, status(Phase.Planning, null, null), NOW);
    assertThat(recorded()).extracting(e -> e.getMessage().length()).containsExactlyInAnyOrder(1000, 0);
    assertThat(recorded()).allSatisfy(e -> assertThat(e.getMetadata().getName()).hasSize(200 + 1 + 16)
        .startsWith("r".repeat(200) + "."));
  }

  @Test
  void anEventTheApiServerRefusesIsLoggedNotThrown() {
    server.expect().post().withPath("/api/v1/namespaces/staging/events").andReturn(403, "forbidden").always();
    assertThatCode(() -> events.record(client, resource, status(Phase.Running, null, "m"), NOW))
        .doesNotThrowAnyException();
  }

  @Test
  void anApprovalIsAnnouncedOncePerPlanEvenWhenAStaleCacheShowsItAgain() {
    ApprovalStatus approval = new ApprovalStatus();
    approval.setPlanId("5c1f0e9a7b3d");
    approval.setApprovedAt("2026-11-26T05:00:00Z");
    events.approved(client, resource, approval);
    events.approved(client, resource, approval);
    assertThat(recorded()).extracting(Event::getReason).containsExactly("Approved");

    ApprovalStatus next = new ApprovalStatus();
    next.setPlanId("00000000aaaa");
    next.setApprovedAt("2026-11-26T06:00:00Z");
    events.approved(client, resource, next);
    assertThat(recorded()).as("a new plan's approval").hasSize(2);
  }

  @Test
  void aTransitionIsPublishedOnceEvenWhenAStaleCacheShowsItAgain() {
    UserDataPurgeStatus running = status(Phase.Running, null, "Purging");
    events.publish(client, resource, running, true, NOW);
    events.publish(client, resource, running, true, NOW);
    assertThat(recorded()).hasSize(1);

    events.publish(client, resource, status(Phase.Running, "SecretNotFound", "waiting"), true, NOW);
    UserDataPurgeStatus nextGeneration = status(Phase.Running, null, "Purging");
    nextGeneration.setObservedGeneration(2L);
    events.publish(client, resource, nextGeneration, true, NOW);
    assertThat(recorded()).hasSize(3);
  }

  @Test
  void aWriteThatIsNoTransitionPublishesNothing() {
    events.publish(client, resource, status(Phase.Running, null, "Purging"), false, NOW);
    assertThat(recorded()).isEmpty();
  }

  @Test
  void finishedRunsAreCountedOnceAndWorkingOnesNot() {
    UserDataPurgeStatus succeeded = status(Phase.Succeeded, null, "Purged");
    succeeded.setDryRun(false);
    succeeded.setTotals(new Totals(1240L, 0L));
    events.publish(client, resource, status(Phase.Running, null, "Purging"), true, NOW);
    events.publish(client, resource, succeeded, true, NOW);
    events.publish(client, resource, succeeded, true, NOW);
    assertThat(registry.find("datapurge.runs").counters()).singleElement()
        .satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
    assertThat(registry.counter("datapurge.rows.deleted").count()).isEqualTo(1240.0);
  }

  @Test
  void theMemoryOfPublishedTransitionsIsBounded() {
    UserDataPurgeStatus running = status(Phase.Running, null, "Purging");
    UserDataPurge other = Resources.purge("other", "pyfactor", null);
    assertThat(events.firstTime(resource, running)).isTrue();
    for (int i = 0; i < 9_999; i++) {
      other.getMetadata().setUid("uid-" + i);
      events.firstTime(other, running);
    }
    assertThat(events.firstTime(resource, running)).as("10,000 resources are remembered").isFalse();
    for (int i = 9_999; i < 20_000; i++) {
      other.getMetadata().setUid("uid-" + i);
      events.firstTime(other, running);
    }
    assertThat(events.firstTime(resource, running)).as("forgotten after 10,000 other resources").isTrue();
    assertThat(events.firstTime(resource, running)).isFalse();
    other.getMetadata().setUid("uid-19999");
    assertThat(events.firstTime(other, running)).as("the most recent are kept").isFalse();
  }
}
