package io.datapurge.operator;

import static io.datapurge.operator.UserDataPurgeIT.counts;
import static io.datapurge.operator.UserDataPurgeIT.kubectl;
import static io.datapurge.operator.UserDataPurgeIT.newDatabase;
import static io.datapurge.operator.UserDataPurgeIT.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.cli.OperatorCommand;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.Kubectl;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeResources;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import picocli.CommandLine;

/**
 * UserDataPurgeSchedule end to end on the local plane: schedules applied with kubectl from
 * deploy/examples/schedule.yaml, the operator in this JVM with exactly the RBAC of deploy/ (as
 * UserDataPurgeIT runs it), the runs' Jobs from the image on the node, a real PostgreSQL.
 *
 * <p>Ticks are real minutes, so the scenarios run at once (separate schedules and databases, one
 * namespace and one operator; the SIGKILL scenario has a namespace and operator processes of its own):
 * the class takes about as long as its slowest scenario, under 3 minutes.
 */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(ExecutionMode.CONCURRENT)
class UserDataPurgeScheduleIT {

  static final String IMAGE = ControlPlane.image();
  static final String SERVICE_ACCOUNT = "user-data-purge-operator";
  /** Long enough for the next minute tick, the run's Job and a cancelled pod's shutdown. */
  static final Duration TICK = Duration.ofSeconds(150);

  final KubernetesClient client;
  String namespace;
  volatile OperatorCommand.Running operator;

  UserDataPurgeScheduleIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void startOperator() throws Exception {
    Kubectl.applyCrds();
    namespace = ControlPlane.createNamespace(client, "schedule-it");
    prepare(namespace);
    operator = operator();
  }

  @AfterAll
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    cleanUp(namespace);
  }

  /** The RBAC of deploy/ for the operator's ServiceAccount there, and the example credentials Secret. */
  void prepare(String ns) throws IOException {
    grantDeployRbac(ns);
    kubectl(example(ns, "secret.yaml", Map.of("username: purge", "username: " + PostgresServer.user(),
        "password: change-me", "password: " + PostgresServer.password())), "apply", "-f", "-");
  }

  void cleanUp(String ns) {
    client.rbac().clusterRoleBindings().withName(clusterRoleName(ns)).delete();
    client.rbac().clusterRoles().withName(clusterRoleName(ns)).delete();
    client.namespaces().withName(ns).delete();
  }

  @Test
  void everyMinuteOneRunPurgesARestartCreatesNoDuplicateAndHistoryIsPrunedWithItsJobs() throws Exception {
    String db = newDatabase();
    long before = sum(counts(db));
    applySchedule("every-minute", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"* * * * *\"",
        "successfulRunsHistoryLimit: 3", "successfulRunsHistoryLimit: 1"));

    UserDataPurge first = awaitRuns("every-minute", runs -> !runs.isEmpty()).get(0);
    // Within the tick's minute: stop the operator and start another; it must see the tick as done.
    synchronized (this) {
      operator.close();
      operator = operator();
    }
    UserDataPurgeStatus firstDone = awaitRunPhase(first.getMetadata().getName(), Phase.Succeeded);
    assertThat(firstDone.getTotals().getBefore()).isEqualTo(before);
    assertThat(sum(counts(db))).isZero();
    assertThat(runs("every-minute")).as("no second run for the first tick").hasSize(1);
    String firstUid = first.getMetadata().getUid();
    List<Job> firstJobs = purges().jobsOwnedBy(firstUid);
    assertThat(firstJobs).hasSize(1);

    PostgresServer.run(db, "insert into auth_user (password, username) select 'x', 'again' || u from generate_series(1, 10) u");
    long reseeded = sum(counts(db));
    long firstMinute = minutes(first);
    UserDataPurge second = awaitRuns("every-minute", runs -> runs.stream().anyMatch(r -> minutes(r) > firstMinute))
        .stream().filter(r -> minutes(r) > firstMinute).findFirst().orElseThrow();
    assertThat(minutes(second)).as("the next minute's run").isEqualTo(firstMinute + 1);
    assertThat(awaitRunPhase(second.getMetadata().getName(), Phase.Succeeded).getTotals().getBefore()).isEqualTo(reseeded);
    assertThat(sum(counts(db))).isZero();

    // successfulRunsHistoryLimit 1: the first run goes, and with it (owner references) its Job.
    await().atMost(TICK).until(() -> purges().get(first.getMetadata().getName()) == null
        && purges().jobsOwnedBy(firstUid).isEmpty());
    UserDataPurgeScheduleStatus status = awaitSchedule("every-minute",
        s -> s.getLastRun() != null && second.getMetadata().getName().equals(s.getLastRun().getName())
            && s.getLastRun().getPhase() == Phase.Succeeded);
    suspend("every-minute");
    assertThat(status.getLastSuccessfulTime()).isNotBlank();
    assertThat(status.getLastScheduleTime()).isEqualTo(ScheduleDecision.format(Instant.ofEpochSecond(minutes(second) * 60)));
    assertThat(status.getLastRun().getTotals().getBefore()).isEqualTo(reseeded);
    assertThat(status.condition("Ready").getStatus()).isEqualTo("True");
    assertThat(second.getMetadata().getLabels()).containsEntry("datapurge.io/schedule", "every-minute");
    assertThat(second.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("UserDataPurgeSchedule"));
    assertThat(runs("every-minute")).allSatisfy(r -> assertThat(purges().jobsOwnedBy(r.getMetadata().getUid()))
        .as("one Job per run").hasSizeLessThanOrEqualTo(1));
    assertThat(kubectl(null, "-n", namespace, "get", "purgeschedule", "every-minute"))
        .containsPattern("SCHEDULE\\s+SUSPEND\\s+LAST RUN\\s+LAST PHASE\\s+NEXT")
        .containsPattern("every-minute\\s+\\* \\* \\* \\* \\*\\s+(true|false)\\s+" + second.getMetadata().getName() + "\\s+Succeeded");
    assertThat(metrics()).contains("datapurge_schedule_runs_total{outcome=\"created\",schedule=\"" + namespace + "/every-minute\"}")
        .contains("datapurge_schedule_runs_total{outcome=\"succeeded\",schedule=\"" + namespace + "/every-minute\"}")
        .contains("datapurge_schedule_next_tick_seconds{schedule=\"" + namespace + "/every-minute\"}");
  }

  @Test
  void anOperatorProcessKilledWithinTheTicksMinuteAndRestartedCreatesNoSecondRun() throws Exception {
    String ns = ControlPlane.createNamespace(client, "schedule-it-kill");
    Process first = null;
    Process second = null;
    try {
      prepare(ns);
      String db = newDatabase();
      long before = sum(counts(db));
      applySchedule(ns, "killed", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"* * * * *\""));
      first = operatorProcess(ns, "first");

      UserDataPurge run = await().atMost(TICK).pollInterval(Duration.ofMillis(100))
          .until(() -> runs(ns, "killed"), runs -> !runs.isEmpty()).get(0);
      first.destroyForcibly(); // SIGKILL right after the tick's run was created: no Lease release, maybe no status
      first.waitFor();
      second = operatorProcess(ns, "second");

      PurgeResources purges = new PurgeResources(client, ns, TICK);
      assertThat(purges.awaitPhase(run.getMetadata().getName(), Phase.Succeeded).getTotals().getBefore()).isEqualTo(before);
      List<UserDataPurge> runs = await().atMost(TICK).until(() -> runs(ns, "killed"),
          r -> r.stream().anyMatch(x -> minutes(x) == minutes(run) + 1));
      kubectl(null, "-n", ns, "patch", "purgeschedule", "killed", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
      assertThat(runs).as("one run per tick, none twice").extracting(UserDataPurgeScheduleIT::minutes)
          .containsExactly(minutes(run), minutes(run) + 1);
      assertThat(purges.jobsOwnedBy(run.getMetadata().getUid())).as("the killed operator's run has one Job").hasSize(1);
      assertThat(sum(counts(db))).isZero();
    } finally {
      for (Process p : new Process[] {first, second}) {
        if (p != null) {
          p.destroyForcibly();
        }
      }
      cleanUp(ns);
    }
  }

  /** {@code java -jar user-data-purge.jar operator}, as the image runs it, with a ServiceAccount kubeconfig. */
  Process operatorProcess(String ns, String identity) throws IOException {
    Path kubeconfig = ControlPlane.writeServiceAccountKubeconfig(client, ns, SERVICE_ACCOUNT,
        Files.createTempFile("schedule-operator", ".kubeconfig"));
    Path jar = Path.of(System.getProperty("purge.jar", "target/user-data-purge.jar")).toAbsolutePath();
    ProcessBuilder builder = new ProcessBuilder("java", "-Xmx192m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
        "operator", "--namespaces", ns, "--purge-image", IMAGE, "--http-port", "0", "--leader-election",
        "--lease-namespace", ns)
        .redirectErrorStream(true).redirectOutput(Files.createTempFile("schedule-operator-" + identity, ".log").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("PG"));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("HOSTNAME", identity);
    Process process = builder.start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return process;
  }

  @Test
  void aSuspendedScheduleRunsNothingAndAfterResumingOnlyLaterTicksRun() throws Exception {
    String db = newDatabase();
    applySchedule("suspended", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"* * * * *\"",
        "suspend: false", "suspend: true", "      confirm: " + db + "\n", ""));

    UserDataPurgeScheduleStatus suspended = awaitSchedule("suspended",
        s -> s.condition("Ready") != null && "Suspended".equals(s.condition("Ready").getReason()));
    assertThat(suspended.getNextScheduleTime()).isNull();
    Instant now = Instant.now();
    Thread.sleep(Duration.between(now, now.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(70)).toMillis());
    assertThat(runs("suspended")).as("no run while suspended, across a tick").isEmpty();

    Instant resumed = Instant.now();
    kubectl(null, "-n", namespace, "patch", "purgeschedule", "suspended", "--type=merge", "-p", "{\"spec\":{\"suspend\":false}}");
    UserDataPurge run = awaitRuns("suspended", runs -> !runs.isEmpty()).get(0);
    suspend("suspended");
    assertThat(ScheduleDecision.scheduledTime(run)).as("a tick after resuming").isAfter(resumed);
    assertThat(schedule("suspended").getStatus().getLastSkip().getReason()).as("the tick passed while suspended")
        .isEqualTo("Suspended");
    // Without confirm, each run is a scheduled plan.
    assertThat(awaitRunPhase(run.getMetadata().getName(), Phase.AwaitingConfirmation).getTotals().getBefore())
        .isEqualTo(sum(counts(db)));
    assertThat(runs("suspended")).hasSize(1);
  }

  @Test
  void forbidSkipsTheTickWhileARunHoldsItsLocksAndRecordsTheSkip() throws Exception {
    String db = slowOnceDatabase();
    applySchedule("forbid", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"* * * * *\""));

    UserDataPurge first = awaitRuns("forbid", runs -> !runs.isEmpty()).get(0);
    awaitRunPhase(first.getMetadata().getName(), Phase.Running);
    String skippedTick = ScheduleDecision.format(Instant.ofEpochSecond((minutes(first) + 1) * 60));
    UserDataPurgeScheduleStatus status = awaitSchedule("forbid",
        s -> s.getLastSkip() != null && skippedTick.equals(s.getLastSkip().getScheduledTime()));
    suspend("forbid");

    assertThat(status.getLastSkip().getReason()).isEqualTo("ConcurrencyForbid");
    assertThat(status.getActive()).containsExactly(first.getMetadata().getName());
    assertThat(runs("forbid")).extracting(r -> r.getMetadata().getName()).containsExactly(first.getMetadata().getName());
    assertThat(eventReasons("forbid")).contains("Scheduled", "SkippedConcurrencyForbid");
    assertThat(awaitRunPhase(first.getMetadata().getName(), Phase.Succeeded).getTotals().getAfter()).isZero();
  }

  @Test
  void replaceCancelsTheRunThatHoldsItsLocksBeforeTheNextTickRuns() throws Exception {
    String db = slowOnceDatabase();
    long before = sum(counts(db));
    applySchedule("replace", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"* * * * *\"",
        "concurrencyPolicy: Forbid", "concurrencyPolicy: Replace"));

    UserDataPurge first = awaitRuns("replace", runs -> !runs.isEmpty()).get(0);
    String firstUid = first.getMetadata().getUid();
    awaitRunPhase(first.getMetadata().getName(), Phase.Running);
    assertThat(purges().jobsOwnedBy(firstUid)).hasSize(1);

    UserDataPurge second = awaitRuns("replace", runs -> runs.stream().anyMatch(r -> minutes(r) > minutes(first)))
        .stream().filter(r -> minutes(r) > minutes(first)).findFirst().orElseThrow();
    suspend("replace");
    assertThat(purges().get(first.getMetadata().getName())).as("the replaced run is gone").isNull();
    assertThat(purges().jobsOwnedBy(firstUid)).as("and its Job").isEmpty();
    assertThat(awaitRunPhase(second.getMetadata().getName(), Phase.Succeeded).getTotals().getBefore()).isEqualTo(before);
    assertThat(PostgresServer.queryLong(db, "select count(*) from datapurge_runs"))
        .as("only the second run committed: the cancelled one rolled back").isEqualTo(1);
    assertThat(eventReasons("replace")).contains("Replacing");
  }

  @Test
  void failedRunsBeyondTheLimitArePrunedWithTheirJobsAndTheScheduleShowsTheFailure() throws Exception {
    String db = newDatabase();
    applySchedule("failing", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"* * * * *\"",
        "port: 5432", "port: " + UserDataPurgeIT.closedPort(), "failedRunsHistoryLimit: 1", "failedRunsHistoryLimit: 0"));

    UserDataPurge run = awaitRuns("failing", runs -> !runs.isEmpty()).get(0);
    suspend("failing"); // one failed run is enough; a suspended schedule still prunes its history
    String uid = run.getMetadata().getUid();
    UserDataPurgeScheduleStatus status = awaitSchedule("failing",
        s -> s.getLastRun() != null && s.getLastRun().getPhase() == Phase.Failed);
    await().atMost(TICK).until(() -> purges().get(run.getMetadata().getName()) == null && purges().jobsOwnedBy(uid).isEmpty());
    assertThat(status.getLastRun().getName()).isEqualTo(run.getMetadata().getName());
    assertThat(schedule("failing").getStatus().getLastRun().getPhase()).as("kept after pruning").isEqualTo(Phase.Failed);
  }

  @Test
  void kubectlApplyRefusesSixFieldsFieldsOutOfRangeMalformedZonesAndLongNamesAndUnknownZonesStall() throws Exception {
    String db = "refused";
    assertThatThrownBy(() -> applySchedule("six-fields", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"0 0 3 * * *\"")))
        .hasMessageContaining("spec.schedule has 6 or more fields").hasMessageContaining("no seconds field");
    assertThatThrownBy(() -> applySchedule("words", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"every night\"")))
        .hasMessageContaining("spec.schedule must be 5 cron fields");
    assertThatThrownBy(() -> applySchedule("out-of-range", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"61 * * * *\"")))
        .hasMessageContaining("spec.schedule has a field out of range");
    assertThatThrownBy(() -> applySchedule("bad-zone", db, Map.of("timeZone: Europe/Berlin", "timeZone: \"Berlin time\"")))
        .hasMessageContaining("spec.timeZone must be an IANA time zone name");
    assertThatThrownBy(() -> applySchedule("n".repeat(64), db, Map.of()))
        .hasMessageContaining("at most 63 characters");
    assertThat(client.resources(UserDataPurgeSchedule.class).inNamespace(namespace).list().getItems())
        .noneMatch(s -> List.of("six-fields", "words", "out-of-range", "bad-zone").contains(s.getMetadata().getName()));

    applySchedule("unknown-zone", db, Map.of("timeZone: Europe/Berlin", "timeZone: Mars/Olympus"));
    applySchedule("unknown-name", db, Map.of("schedule: \"0 3 * * *\"", "schedule: \"0 3 * * FOO\""));
    UserDataPurgeScheduleStatus zone = awaitSchedule("unknown-zone",
        s -> s.condition("Stalled") != null && "True".equals(s.condition("Stalled").getStatus()));
    assertThat(zone.condition("Stalled").getReason()).isEqualTo("InvalidTimeZone");
    assertThat(zone.condition("Stalled").getMessage()).contains("Mars/Olympus");
    assertThat(zone.getNextScheduleTime()).isNull();
    UserDataPurgeScheduleStatus range = awaitSchedule("unknown-name",
        s -> s.condition("Stalled") != null && "True".equals(s.condition("Stalled").getStatus()));
    assertThat(range.condition("Stalled").getReason()).isEqualTo("InvalidSchedule");
  }

  // --- schedules and their runs

  void applySchedule(String name, String db, Map<String, String> edits) {
    applySchedule(namespace, name, db, edits);
  }

  void applySchedule(String ns, String name, String db, Map<String, String> edits) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("host: postgres.staging.svc", "host: " + PostgresServer.host());
    all.put("name: pyfactor", "name: " + db);
    all.put("confirm: pyfactor", "confirm: " + db);
    all.put("name: reset-staging-nightly", "name: " + name);
    all.putAll(edits);
    if (!all.containsKey("port: 5432")) {
      all.put("port: 5432", "port: " + PostgresServer.port());
    }
    kubectl(example(ns, "schedule.yaml", all), "apply", "-f", "-");
  }

  void suspend(String name) {
    kubectl(null, "-n", namespace, "patch", "purgeschedule", name, "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
  }

  UserDataPurgeSchedule schedule(String name) {
    return client.resources(UserDataPurgeSchedule.class).inNamespace(namespace).withName(name).get();
  }

  UserDataPurgeScheduleStatus awaitSchedule(String name, Predicate<UserDataPurgeScheduleStatus> done) {
    return await().atMost(TICK.multipliedBy(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
      UserDataPurgeSchedule s = schedule(name);
      return s == null || s.getStatus() == null
          || !Objects.equals(s.getStatus().getObservedGeneration(), s.getMetadata().getGeneration()) ? null : s.getStatus();
    }, s -> s != null && done.test(s));
  }

  List<UserDataPurge> runs(String schedule) {
    return runs(namespace, schedule);
  }

  List<UserDataPurge> runs(String ns, String schedule) {
    return client.resources(UserDataPurge.class).inNamespace(ns).withLabel("datapurge.io/schedule", schedule)
        .list().getItems().stream().sorted(Comparator.comparing(UserDataPurgeScheduleIT::minutes)).toList();
  }

  List<UserDataPurge> awaitRuns(String schedule, Predicate<List<UserDataPurge>> done) {
    return await().atMost(TICK).pollInterval(Duration.ofMillis(250)).until(() -> runs(schedule), done);
  }

  UserDataPurgeStatus awaitRunPhase(String run, Phase phase) {
    return purges().awaitPhase(run, phase);
  }

  PurgeResources purges() {
    return new PurgeResources(client, namespace, TICK);
  }

  static long minutes(UserDataPurge run) {
    String name = run.getMetadata().getName();
    return Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
  }

  List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
  }

  /** A Django database whose first DELETE from auth_user sleeps 75 s, holding the purge's locks past the next tick. */
  static String slowOnceDatabase() {
    String db = newDatabase();
    PostgresServer.run(db, "create sequence slow_once");
    PostgresServer.run(db, "create function slow_delete() returns trigger language plpgsql as $$ begin"
        + " if nextval('slow_once') = 1 then perform pg_sleep(75); end if; return null; end $$");
    PostgresServer.run(db, "create trigger slow_delete before delete on auth_user for each statement"
        + " execute function slow_delete()");
    // A cancelled purge's pod closes its connection; PostgreSQL notices within a second even in pg_sleep.
    PostgresServer.run(db, "alter database " + db + " set client_connection_check_interval = '1s'");
    return db;
  }

  // --- the operator, as UserDataPurgeIT runs it

  OperatorCommand.Running operator() throws Exception {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", namespace, "--purge-image", IMAGE, "--http-port", "0",
        "--leader-election", "--lease-namespace", namespace);
    return command.start(ControlPlane.serviceAccountClient(client, namespace, SERVICE_ACCOUNT));
  }

  void grantDeployRbac(String namespace) {
    ControlPlane.grantDeployRbac(client, namespace, SERVICE_ACCOUNT, clusterRoleName(namespace));
  }

  static String clusterRoleName(String namespace) {
    return namespace + "-user-data-purge-operator";
  }

  String metrics() throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.http().port() + "/metrics")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  String example(String ns, String file, Map<String, String> edits) {
    try {
      String text = Files.readString(Path.of("deploy/examples", file)).replace("namespace: staging", "namespace: " + ns);
      for (var e : edits.entrySet()) {
        text = text.replace(e.getKey(), e.getValue());
      }
      return text;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
