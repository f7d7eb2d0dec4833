package io.datapurge.reliability;

import static io.datapurge.reliability.PurgeHarness.awaitPurgeAtTheGate;
import static io.datapurge.reliability.PurgeHarness.installGate;
import static io.datapurge.reliability.PurgeHarness.openGate;
import static io.datapurge.reliability.PurgeHarness.counts;
import static io.datapurge.reliability.PurgeHarness.lockUsers;
import static io.datapurge.reliability.PurgeHarness.newDatabase;
import static io.datapurge.reliability.PurgeHarness.purgeSessions;
import static io.datapurge.reliability.PurgeHarness.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeProcess;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults around a running purge, on the local plane and PostgreSQL: the operator killed (SIGKILL)
 * or restarted, the API server restarted, the purge process killed, a lock held, a trigger, the
 * database stopped, the resource deleted, two purges at once. Every test checks that the database
 * is either untouched (checksum) or fully purged, and that there is exactly one Job per run.
 */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReliabilityFaultsIT {

  static final String IDENTITY = "operator-a";
  static final ObjectMapper JSON = new ObjectMapper();

  final KubernetesClient client;
  PurgeHarness h;
  PurgeHarness.OperatorProcess operator;

  ReliabilityFaultsIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void start() throws Exception {
    h = new PurgeHarness(client, "rel-faults");
    operator = h.startOperator(IDENTITY);
  }

  @AfterAll
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  /** Restarts the operator under the same identity (as a restarted container), so it may take the Lease at once. */
  /** A test that failed after killing the operator must not leave the next tests without one. */
  @org.junit.jupiter.api.BeforeEach
  void operatorRuns() throws Exception {
    if (!operator.process.isAlive()) {
      restartOperator();
    }
  }

  void restartOperator() throws Exception {
    operator = h.startOperator(IDENTITY);
    await().atMost(PurgeHarness.TIMEOUT).until(() -> operator.log().contains("Operator started"));
  }

  @Test
  void operatorKilledAfterCreatingTheJobBeforeWritingStatusEndsWithOneJobAndTheCounts() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    // The operator may create Jobs but not write status: it dies (SIGKILL) between the two.
    var role = client.rbac().clusterRoles().withName(h.clusterRoleName());
    var rules = role.get().getRules();
    role.edit(r -> {
      r.getRules().removeIf(rule -> rule.getResources().contains("userdatapurges/status"));
      return r;
    });
    try {
      h.apply(h.manifest("crash-after-create", db, true));
      await().atMost(PurgeHarness.TIMEOUT).until(() -> operator.log().contains("Created Job")
          && operator.log().contains("userdatapurges/status") && operator.log().contains("forbidden"));
      operator.kill();
      assertThat(h.jobsOf("crash-after-create")).hasSize(1);
      // The CRD defaults status to {observedGeneration: 0} (so Flux waits): nothing of the operator's.
      var status = h.resource("crash-after-create").getStatus();
      assertThat(status == null ? null : status.getPhase()).as("no status was written").isNull();
    } finally {
      role.edit(r -> {
        r.setRules(rules);
        return r;
      });
    }
    String jobName = h.jobsOf("crash-after-create").get(0).getMetadata().getName();

    restartOperator();
    UserDataPurgeStatus done = h.awaitPhase("crash-after-create", Phase.Succeeded);

    assertThat(names(h.jobsOf("crash-after-create"))).as("the Job was adopted, not duplicated").containsExactly(jobName);
    assertThat(done.getJobName()).isEqualTo(jobName);
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(done.getTotals().getAfter()).isZero();
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
  }

  @Test
  void operatorKilledWhileTheJobFinishesFillsStatusOnRestartWithoutANewJob() throws Exception {
    String db = newDatabase();
    installGate(db);
    Map<String, Long> before = counts(db);
    h.apply(h.manifest("down-at-finish", db, true));
    String jobName = h.awaitPhase("down-at-finish", Phase.Running).getJobName();
    awaitPurgeAtTheGate(db);
    operator.kill();
    openGate(db);
    await().atMost(PurgeHarness.TIMEOUT).until(() -> {
      Job job = client.batch().v1().jobs().inNamespace(h.namespace).withName(jobName).get();
      return job.getStatus() != null && Integer.valueOf(1).equals(job.getStatus().getSucceeded());
    });
    assertThat(h.resource("down-at-finish").getStatus().getPhase()).as("nobody wrote it yet").isEqualTo(Phase.Running);

    restartOperator();
    UserDataPurgeStatus done = h.awaitPhase("down-at-finish", Phase.Succeeded);
    assertThat(names(h.jobsOf("down-at-finish"))).containsExactly(jobName);
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
  }

  @Test
  void restartAfterCompletionEvenWithTheJobGoneCreatesNoJobAndLeavesStatusUnchanged() throws Exception {
    String db = newDatabase();
    h.apply(h.manifest("finished", db, true));
    UserDataPurgeStatus done = h.awaitPhase("finished", Phase.Succeeded);
    String uid = h.resource("finished").getMetadata().getUid();
    String statusBefore = JSON.writeValueAsString(h.resource("finished").getStatus());
    String resourceVersion = h.resource("finished").getMetadata().getResourceVersion();
    // As ttlSecondsAfterFinished would: the finished Job and its pod disappear.
    h.kubectlIn(null, "delete", "job", done.getJobName(), "--cascade=foreground");
    PostgresServer.run(db, "insert into auth_user (password, username, email, date_joined) select 'x', 'late' || u,"
        + " 'late' || u || '@example.test', now() from generate_series(1, 5) u"); // a second run would delete them

    operator.kill();
    restartOperator();
    // The restarted operator lists every resource at start; give it time to reconcile them all.
    await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(30))
        .until(() -> h.jobsOwnedBy(uid).isEmpty());

    assertThat(h.resource("finished").getMetadata().getResourceVersion()).as("nothing was written")
        .isEqualTo(resourceVersion);
    assertThat(JSON.writeValueAsString(h.resource("finished").getStatus())).isEqualTo(statusBefore);
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).as("not purged twice").isEqualTo(5);
  }

  @Test
  void apiServerRestartedMidRunIsSurvivedWithOneJobAndTheCounts() throws Exception {
    String db = newDatabase();
    installGate(db);
    Map<String, Long> before = counts(db);
    h.apply(h.manifest("apiserver-restart", db, true));
    h.awaitPhase("apiserver-restart", Phase.Running);
    awaitPurgeAtTheGate(db);
    // Down for 10 s plus its start (serving after ~3 s): longer than client-go's 10 s renew deadline, which would have
    // the leader give up its Lease and exit; within the operator's (LeaderLease.RENEW_DEADLINE).
    Process restart = new ProcessBuilder("hack/cluster.sh", "restart-apiserver", "10").redirectErrorStream(true)
        .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> !apiServerAnswers());
    openGate(db); // the purge finishes while the API server is down
    String out = new String(restart.getInputStream().readAllBytes());
    assertThat(restart.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(restart.exitValue()).as(out).isZero();

    UserDataPurgeStatus done = h.awaitPhase("apiserver-restart", Phase.Succeeded);
    assertThat(h.jobsOf("apiserver-restart")).hasSize(1);
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    assertThat(operator.process.isAlive()).isTrue();
  }

  @Test
  void purgeProcessKilledMidTransactionFailsWithAReasonAndLeavesTheDatabaseUntouched() throws Exception {
    String db = newDatabase();
    installGate(db);
    Map<String, String> before = DatabaseChecksum.of(db);
    h.apply(h.manifest("killed", db, true));
    String jobName = h.awaitPhase("killed", Phase.Running).getJobName();
    awaitPurgeAtTheGate(db); // the children are deleted, the transaction is open

    ControlPlane.containerProcess(client, h.podsOf(jobName).get(0)).destroyForcibly(); // SIGKILL: no rollback sent, no result written

    UserDataPurgeStatus failed = h.awaitPhase("killed", Phase.Failed);
    assertThat(failed.getReason()).isEqualTo("JobFailed");
    assertThat(failed.getMessage()).contains("exited with code 137");
    await().atMost(Duration.ofSeconds(30)).until(() -> purgeSessions(db, null) == 0);
    assertThat(DatabaseChecksum.of(db)).as("rolled back: every row is as it was").isEqualTo(before);
    assertThat(h.jobsOf("killed")).as("never retried").hasSize(1);
  }

  @Test
  void tableLockedByAnotherSessionFailsWithLockTimeoutAndDeletesNothing() throws Exception {
    String db = newDatabase();
    Map<String, String> before = DatabaseChecksum.of(db);
    try (Connection blocker = lockUsers(db)) {
      h.apply(h.manifest("locked", db, true));
      UserDataPurgeStatus failed = h.awaitPhase("locked", Phase.Failed);
      assertThat(failed.getReason()).isEqualTo("LockTimeout");
      assertThat(failed.getMessage()).contains("nothing was deleted", "spec.runId");
      blocker.rollback();
    }
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void rowReinsertedByATriggerFailsVerificationAndIsRolledBack() throws Exception {
    String db = newDatabase();
    PostgresServer.run(db, """
        create function tenant_again() returns trigger language plpgsql as $$
        begin insert into custom_auth_tenant (name) values ('reappeared'); return null; end $$;
        create trigger tenant_again after delete on auth_user for each statement execute function tenant_again();
        """);
    Map<String, String> before = withoutSequences(DatabaseChecksum.of(db));

    h.apply(h.manifest("trigger", db, true));
    UserDataPurgeStatus failed = h.awaitPhase("trigger", Phase.Failed);

    assertThat(failed.getReason()).isEqualTo("VerificationFailed");
    assertThat(failed.getMessage()).contains("public.custom_auth_tenant", "rolled back");
    assertThat(withoutSequences(DatabaseChecksum.of(db))).isEqualTo(before);
  }

  @Test
  void stoppedDatabaseFailsWithConnectionFailedLosesNothingAndALaterRunWorks() throws Exception {
    String db = newDatabase();
    Map<String, String> before = DatabaseChecksum.of(db);
    Map<String, Long> counts = counts(db);
    pg("down");
    try {
      h.apply(h.manifest("pg-down", db, true, "runId: first"));
      UserDataPurgeStatus failed = h.awaitPhase("pg-down", Phase.Failed);
      assertThat(failed.getReason()).isEqualTo("ConnectionFailed");
      assertThat(failed.getMessage()).contains("spec.database.host", "spec.runId");
    } finally {
      pg("up");
    }
    assertThat(DatabaseChecksum.of(db)).as("nothing lost").isEqualTo(before);

    h.kubectlIn(null, "patch", "purge", "pg-down", "--type=merge", "-p", "{\"spec\":{\"runId\":\"second\"}}");
    UserDataPurgeStatus done = h.awaitPhase("pg-down", Phase.Succeeded);
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(counts));
    assertThat(h.jobsOf("pg-down")).hasSize(2);
  }

  @Test
  void resourceDeletedMidRunGarbageCollectsJobAndPodAndLeavesTheDatabaseUntouched() throws Exception {
    String db = newDatabase();
    installGate(db);
    Map<String, String> before = DatabaseChecksum.of(db);
    h.apply(h.manifest("deleted", db, true));
    String jobName = h.awaitPhase("deleted", Phase.Running).getJobName();
    awaitPurgeAtTheGate(db);
    String uid = h.resource("deleted").getMetadata().getUid();

    h.kubectlIn(null, "delete", "purge", "deleted");
    await().atMost(PurgeHarness.TIMEOUT).until(() -> h.jobsOwnedBy(uid).isEmpty() && h.podsOf(jobName).isEmpty());
    await().atMost(Duration.ofSeconds(30)).until(() -> purgeSessions(db, null) == 0);
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);
  }

  @Test
  void twoPurgesOfOneDatabaseNeverInterleaveTheSecondIsBusy() throws Exception {
    String db = newDatabase();
    installGate(db);
    Map<String, Long> before = counts(db);
    h.apply(h.manifest("first", db, true));
    awaitPurgeAtTheGate(db); // holds the purge lock of db, mid-transaction
    h.apply(h.manifest("second", db, true));

    UserDataPurgeStatus second = h.awaitPhase("second", Phase.Failed);
    assertThat(second.getReason()).isEqualTo("Busy");
    assertThat(second.getMessage()).contains("Another purge of database " + db);
    openGate(db);
    UserDataPurgeStatus first = h.awaitPhase("first", Phase.Succeeded);
    assertThat(first.getTotals().getBefore()).as("the first counted every row: nothing was taken by the second")
        .isEqualTo(sum(before));
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
  }

  @Test
  void podCommandExecutedTwiceCannotReplaceTheFirstRunsCountsNorDeleteAgain() throws Exception {
    String db = newDatabase();
    installGate(db);
    Map<String, Long> before = counts(db);
    h.apply(h.manifest("twice", db, true));
    String jobName = h.awaitPhase("twice", Phase.Running).getJobName();
    awaitPurgeAtTheGate(db);
    operator.kill(); // nobody reads the first execution's result
    openGate(db);
    await().atMost(PurgeHarness.TIMEOUT).until(() -> {
      Job job = client.batch().v1().jobs().inNamespace(h.namespace).withName(jobName).get();
      return job.getStatus() != null && Integer.valueOf(1).equals(job.getStatus().getSucceeded());
    });
    Pod pod = h.podsOf(jobName).get(0);
    PostgresServer.run(db, "insert into auth_user (password, username, email, date_joined) select 'x', 'late' || u,"
        + " 'late' || u || '@example.test', now() from generate_series(1, 5) u"); // a second purge would take them

    // The same container again, on the node, with the pod's spec (args, env from the Secret,
    // volumes): what a node that re-executes it would run. Its result is then reported as the
    // first pod's termination message.
    Pod again = client.pods().inNamespace(h.namespace).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("twice-again").endMetadata()
        .withSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder(pod.getSpec()).withNodeName(null).build())
        .build()).create();
    Pod ranAgain = client.pods().resource(again).waitUntilCondition(
        p -> p != null && p.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState().getTerminated() != null),
        120, TimeUnit.SECONDS);
    var terminated = ranAgain.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(ranAgain.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
    assertThat(terminated.getExitCode()).as(terminated.getMessage()).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).as("deleted nothing").isEqualTo(5);
    client.pods().inNamespace(h.namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
      p.getStatus().getContainerStatuses().get(0).getState().getTerminated().setMessage(terminated.getMessage());
      return p;
    });

    restartOperator();
    UserDataPurgeStatus done = h.awaitPhase("twice", Phase.Succeeded);
    assertThat(done.getTotals().getBefore()).as("the counts of the run that deleted the rows").isEqualTo(sum(before));
    assertThat(done.getTotals().getAfter()).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from datapurge_runs")).isEqualTo(1);
  }

  @Test
  void purgeCommandRunTwiceWithOneRunIdDeletesOnceAndRepeatsTheFirstResult() {
    String db = newDatabase();
    long users = PostgresServer.queryLong(db, "select count(*) from auth_user");
    String[] args = {"purge", "--table", "auth_user", "--confirm", db, "--run-id", "run-1", "--run-ledger", "ops.purge_runs"};
    PostgresServer.run(db, "create schema ops");

    PurgeProcess.Run first = PurgeProcess.run(PostgresServer.libpqEnv(db), args);
    PostgresServer.run(db, "insert into auth_user (password, username, email, date_joined) values ('x', 'late', 'l@x', now())");
    PurgeProcess.Run second = PurgeProcess.run(PostgresServer.libpqEnv(db), args);
    PurgeProcess.Run usage = PurgeProcess.run(PostgresServer.libpqEnv(db),
        "purge", "--table", "auth_user", "--confirm", db, "--run-ledger", "ops.purge_runs");

    assertThat(first.exitCode()).as(first.allOutput()).isZero();
    assertThat(first.result().totals().before()).isGreaterThanOrEqualTo(users);
    assertThat(second.exitCode()).as(second.allOutput()).isZero();
    assertThat(second.resultJson()).isEqualTo(first.resultJson());
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).as("the late user is kept").isEqualTo(1);
    assertThat(usage.exitCode()).isEqualTo(2);
    assertThat(usage.result().error().message()).contains("--run-id");
  }

  @Test
  void purgeRoleWithoutCreateOnTheSchemaRecordsItsRunInAPreCreatedLedger() {
    String db = newDatabase();
    String role = "purger_" + db.replaceAll("[^a-z0-9_]", "");
    PostgresServer.run(db, "create role " + role + " login password 'purger-pw';"
        + " revoke create on schema public from public;"
        + " grant usage on schema public to " + role + ";"
        + " grant select, delete, update on all tables in schema public to " + role + ";"
        + " create table datapurge_runs (run_id text primary key, database text not null,"
        + "   finished_at timestamptz not null default now(), result jsonb not null);"
        + " grant select, insert on datapurge_runs to " + role + ";");
    Map<String, String> env = new java.util.HashMap<>(PostgresServer.libpqEnv(db));
    env.put("PGUSER", role);
    env.put("PGPASSWORD", "purger-pw");

    PurgeProcess.Run run = PurgeProcess.run(env, "purge", "--table", "auth_user", "--confirm", db,
        "--run-id", "least-privilege", "--run-ledger", "datapurge_runs");

    assertThat(run.exitCode()).as(run.allOutput()).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isZero();
    assertThat(PostgresServer.queryLong(db, "select count(*) from datapurge_runs where run_id = 'least-privilege'"))
        .isEqualTo(1);
  }

  // --- helpers

  /** Whether kube-apiserver accepts connections (a plain socket: the client itself would retry). */
  boolean apiServerAnswers() {
    java.net.URI url = java.net.URI.create(client.getConfiguration().getMasterUrl());
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(url.getHost(), url.getPort()), 1000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  static Map<String, String> withoutSequences(Map<String, String> checksum) {
    checksum.keySet().removeIf(k -> k.endsWith("_seq")); // nextval in a trigger is not transactional
    return checksum;
  }

  static void pg(String command) throws Exception {
    Process p = new ProcessBuilder("hack/pg.sh", command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("hack/pg.sh " + command + ": " + out).isZero();
  }

  static List<String> names(List<Job> jobs) {
    return jobs.stream().map(j -> j.getMetadata().getName()).toList();
  }
}
