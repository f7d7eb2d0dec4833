package io.datapurge.reliability;

import static io.datapurge.reliability.PurgeHarness.awaitPurgeAtTheGate;
import static io.datapurge.reliability.PurgeHarness.counts;
import static io.datapurge.reliability.PurgeHarness.installGate;
import static io.datapurge.reliability.PurgeHarness.openGate;
import static io.datapurge.reliability.PurgeHarness.newDatabase;
import static io.datapurge.reliability.PurgeHarness.purgeSessions;
import static io.datapurge.reliability.PurgeHarness.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.operator.LeaderLease;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.DatabaseChecksum;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Operator replicas and the Job deadline: each test runs its own operators in its own namespace. */
@ExtendWith(ControlPlane.class)
class ReliabilityReplicasIT {

  @Test
  void leaderKilledMidRunHandsTheLeaseToTheOtherReplicaAndThereIsExactlyOneJob(KubernetesClient client)
      throws Exception {
    try (PurgeHarness h = new PurgeHarness(client, "rel-leader")) {
      var replicas = h.startReplicas();
      var leading = replicas.leading();
      var standby = replicas.standby();

      String db = newDatabase();
      installGate(db);
      Map<String, Long> before = counts(db);
      h.apply(h.manifest("failover", db, true));
      h.awaitPhase("failover", Phase.Running);
      awaitPurgeAtTheGate(db);
      leading.kill();
      openGate(db); // the purge finishes while no replica leads
      await().atMost(PurgeHarness.TIMEOUT).until(() -> standby.identity.equals(h.leaseHolder()));
      UserDataPurgeStatus done = h.awaitPhase("failover", Phase.Succeeded);

      assertThat(h.jobsOf("failover")).as("exactly one Job across both replicas").hasSize(1);
      assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
      assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
      assertThat(leading.log()).contains("Created Job " + done.getJobName());
      assertThat(standby.log()).as("the standby adopted, never created").doesNotContain("Created Job");
    }
  }

  @Test
  void leaderStoppedOnPurposeHandsTheLeaseOverAtOnceNotWhenItExpires(KubernetesClient client) throws Exception {
    try (PurgeHarness h = new PurgeHarness(client, "rel-handover")) {
      var replicas = h.startReplicas();
      var leading = replicas.leading();
      var standby = replicas.standby();
      await().atMost(PurgeHarness.TIMEOUT).until(() -> leading.log().contains("Operator started"));

      long stopped = System.nanoTime();
      leading.close(); // SIGTERM, as a rolling update sends it
      await().atMost(LeaderLease.DURATION).until(() -> standby.identity.equals(h.leaseHolder()));
      Duration handOver = Duration.ofNanos(System.nanoTime() - stopped);

      assertThat(leading.log()).contains("Released the leader lease");
      assertThat(handOver).as("the standby leads at its next retry, not after the %s lease", LeaderLease.DURATION)
          .isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  void jobPastItsDeadlineFailsWithDeadlineExceededAndRollsBack(KubernetesClient client) throws Exception {
    try (PurgeHarness h = new PurgeHarness(client, "rel-deadline")) {
      h.startOperator("deadline", "--job-deadline", "8s");
      String db = newDatabase();
      installGate(db);
      Map<String, String> before = DatabaseChecksum.of(db);
      h.apply(h.manifest("slow", db, true));
      awaitPurgeAtTheGate(db); // mid-transaction, the children deleted; the gate never opens
      UserDataPurgeStatus failed = h.awaitPhase("slow", Phase.Failed);
      assertThat(failed.getReason()).isEqualTo("DeadlineExceeded");
      assertThat(failed.getMessage()).contains("deadline of 8s", "rolls back");
      // The Job controller deleted the pod; the pod runner stopped the process; PostgreSQL rolled back.
      await().atMost(Duration.ofSeconds(60)).until(() -> purgeSessions(db, null) == 0);
      assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
      assertThat(h.jobsOf("slow")).hasSize(1);
    }
  }
}
