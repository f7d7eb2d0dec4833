package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** The Lease's timing and its hand-over: what a standby, or the next Pod of a rollout, sees. */
class LeaderLeaseTest {
  static final Instant NOW = Instant.parse("2026-12-01T21:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  static Lease heldBy(String holder) {
    ZonedDateTime acquired = ZonedDateTime.parse("2026-12-01T20:00:00Z");
    return new LeaseBuilder().withNewMetadata().withName("user-data-purge-operator").withNamespace("ops")
        .withResourceVersion("42").endMetadata()
        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(40).withLeaseTransitions(3)
        .withAcquireTime(acquired).withRenewTime(acquired.plusMinutes(59)).endSpec().build();
  }

  @Test
  void theHolderReleasesItsLeaseForTheNextReplicaToTakeAtOnce() {
    Lease free = LeaderLease.released(heldBy("pod-a"), "pod-a", CLOCK).orElseThrow();

    assertThat(free.getSpec().getHolderIdentity()).isNull();
    assertThat(free.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
    assertThat(free.getSpec().getRenewTime().toInstant()).isEqualTo(NOW);
    assertThat(free.getSpec().getLeaseTransitions()).as("transitions kept").isEqualTo(3);
    assertThat(free.getMetadata().getResourceVersion()).as("optimistic lock on the Lease read").isEqualTo("42");
  }

  @Test
  void aReplicaNeverReleasesALeaseAnotherReplicaHolds() {
    assertThat(LeaderLease.released(heldBy("pod-b"), "pod-a", CLOCK)).isEmpty();
    assertThat(LeaderLease.released(heldBy(null), "pod-a", CLOCK)).isEmpty();
    assertThat(LeaderLease.released(new LeaseBuilder().withNewMetadata().withName("x").endMetadata().build(),
        "pod-a", CLOCK)).isEmpty();
    assertThat(LeaderLease.released(null, "pod-a", CLOCK)).isEmpty();
  }

  @Test
  void theLeaderRidesOutAnApiServerRestartAndStepsDownBeforeAStandbyCanLead() {
    // A kube-apiserver restart here keeps it away ~13 s (hack/cluster.sh restart-apiserver).
    assertThat(LeaderLease.RENEW_DEADLINE).isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(25));
    // Renewals stop before the lease can expire: never two leaders.
    assertThat(LeaderLease.RENEW_DEADLINE.plus(LeaderLease.RETRY_PERIOD)).isLessThan(LeaderLease.DURATION);
    var config = new LeaderLease("user-data-purge-operator", "ops", "pod-a").configuration().build();
    assertThat(config.getLeaseDuration()).isEqualTo(LeaderLease.DURATION);
    assertThat(config.getRenewDeadline()).isEqualTo(LeaderLease.RENEW_DEADLINE);
    assertThat(config.getRetryPeriod()).isEqualTo(LeaderLease.RETRY_PERIOD);
    assertThat(config.getIdentity()).contains("pod-a");
    assertThat(config.getLeaseNamespace()).contains("ops");
  }

  @Test
  void theIdentityIsThePodNameOrElseUnique() {
    assertThat(LeaderLease.identity("operator-7f9c-abcde")).isEqualTo("operator-7f9c-abcde");
    assertThat(LeaderLease.identity("")).isNotEqualTo(LeaderLease.identity(""));
    assertThat(LeaderLease.identity(null)).isNotBlank();
  }
}
