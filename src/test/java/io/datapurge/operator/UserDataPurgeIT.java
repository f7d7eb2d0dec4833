package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.TableStatus;
import io.datapurge.api.UserDataPurge;
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
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The operator end to end: the manifests of deploy/examples applied with kubectl, the operator
 * running in this JVM with exactly the RBAC of deploy/ (a ServiceAccount's token), Jobs run by the
 * local pod runner with the real jar, and a real PostgreSQL holding a Django-shaped database.
 * Needs {@code hack/pg.sh up} (PG* env) and the plane (KUBECONFIG, or started on demand).
 */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserDataPurgeIT {

  static final String IMAGE = ControlPlane.image();
  static final String SERVICE_ACCOUNT = "user-data-purge-operator";
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** The Django schema's user tables: the three roots and the tables referencing them. */
  static final List<String> PURGED = List.of("auth_user", "custom_auth_tenant", "custom_auth_onboardingprogress",
      "accounts_profile", "auth_user_groups", "auth_user_user_permissions", "django_admin_log");

  final KubernetesClient client;
  String namespace;
  OperatorCommand.Running operator;

  UserDataPurgeIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void startOperator() throws Exception {
    Kubectl.applyCrds();
    namespace = ControlPlane.createNamespace(client, "purge-it");
    grantDeployRbac();
    kubectl(example("secret.yaml", Map.of("username: purge", "username: " + PostgresServer.user(),
        "password: change-me", "password: " + PostgresServer.password())), "apply", "-f", "-");
    operator = operator();
  }

  @AfterAll
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    client.rbac().clusterRoleBindings().withName(clusterRoleName()).delete();
    client.rbac().clusterRoles().withName(clusterRoleName()).delete();
    client.namespaces().withName(namespace).delete();
  }

  @Test
  void planAwaitsConfirmationThenConfirmedPurgeEmptiesEveryUserTable() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    apply("plan-only.yaml", "reset", db, Map.of());

    UserDataPurgeStatus plan = awaitPhase("reset", Phase.AwaitingConfirmation);
    assertThat(plan.getDryRun()).isTrue();
    assertThat(perTable(plan, TableStatus::getBefore)).isEqualTo(before);
    assertThat(plan.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(counts(db)).as("a plan deletes nothing").isEqualTo(before);
    assertThat(plan.getMessage()).contains("set spec.confirm to " + db);

    kubectl(null, "-n", namespace, "patch", "purge", "reset", "--type=merge",
        "-p", "{\"spec\":{\"confirm\":\"" + db + "\"}}");
    UserDataPurgeStatus done = awaitPhase("reset", Phase.Succeeded);

    assertThat(counts(db)).as("every user table is empty").allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    assertThat(perTable(done, TableStatus::getBefore)).isEqualTo(before);
    assertThat(perTable(done, TableStatus::getAfter)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(done.getTotals().getAfter()).isZero();
    assertThat(done.getDryRun()).isFalse();
    // the keys among the purged tables were checked once each, none per deleted row
    assertThat(done.getKeyChecks()).extracting("mode", "perRow").containsExactly("batch", 0);
    assertThat(done.getKeyChecks().getBatch()).isPositive().isEqualTo(plan.getKeyChecks().getBatch());
    assertThat(done.getObservedGeneration()).isEqualTo(2L);
    assertThat(done.getStartTime()).isNotBlank();
    assertThat(done.getCompletionTime()).isNotBlank();
    assertThat(done.condition("Ready").getStatus()).isEqualTo("True");
    assertThat(jobsOf("reset")).extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrder(plan.getJobName(), done.getJobName());

    assertThat(kubectl(null, "-n", namespace, "get", "purge", "reset"))
        .containsPattern("reset\\s+Succeeded\\s+" + sum(before) + "\\s+0\\s+");
    assertThat(eventReasons("reset")).contains("Planning", "AwaitingConfirmation", "Running", "Succeeded");
    assertThat(metrics()).contains("datapurge_runs_total{outcome=\"succeeded\"}")
        .containsPattern("datapurge_rows_deleted_total \\d+");
  }

  @Test
  void keepStaffExamplePurgesEveryoneButTheStaffAndReportsDeletedPerTable() throws Exception {
    String db = newDatabase();
    PostgresServer.run(db, "update auth_user set is_staff = true where id in (1, 11); update auth_user set"
        + " is_superuser = true where id = 21");
    Map<String, Long> before = counts(db);
    applyThisBranchesCrd();
    apply("keep-staff.yaml", "keep-staff", db, Map.of());

    UserDataPurgeStatus done = awaitPhase("keep-staff", Phase.Succeeded);

    Map<String, Long> after = counts(db);
    assertThat(after.get("public.auth_user")).isEqualTo(3);
    assertThat(after.get("public.custom_auth_tenant")).as("the tenants the staff own").isEqualTo(3);
    assertThat(after.get("public.accounts_profile")).isEqualTo(3);
    assertThat(after.get("public.django_admin_log")).isEqualTo(9);
    assertThat(perTable(done, TableStatus::getBefore)).isEqualTo(before);
    assertThat(perTable(done, TableStatus::getAfter)).isEqualTo(after)
        .allSatisfy((t, n) -> assertThat(n).as(t).isPositive());
    assertThat(done.getTables()).allSatisfy(t -> {
      assertThat(t.getBefore() - t.getDeleted()).as(t.getTable()).isEqualTo(t.getAfter());
      assertThat(t.getMethod()).as(t.getTable()).isEqualTo("delete");
    });
    assertThat(done.getTables()).filteredOn(t -> t.getTable().equals("public.auth_user")).singleElement()
        .satisfies(t -> assertThat(t.getDeleted()).isEqualTo(97));
    assertThat(done.getTotals().getDeleted()).isEqualTo(sum(before) - sum(after));
    assertThat(done.getTotals().getAfter()).isEqualTo(sum(after));
    assertThat(done.getMessage()).contains((sum(before) - sum(after)) + " rows deleted");
  }

  @Test
  void whereNamingATableOutsideTablesIsRefusedByTheApiServerNamingIt() {
    String db = "refused_where";
    applyThisBranchesCrd();
    assertThatThrownBy(() -> apply("erase-user.yaml", "erase-refused", db, Map.of("    auth_user: id = 4711",
        "    auth_users: id = 4711")))
        .hasMessageContaining("spec.where names auth_users, which is not in spec.tables");
    assertThat(client.resources(UserDataPurge.class).inNamespace(namespace).withName("erase-refused").get()).isNull();
  }

  /**
   * The CRD is cluster-wide and other branches' tests apply their own version of it on the shared
   * plane; apply this one again right before a test that needs its newer fields (spec.where).
   */
  static void applyThisBranchesCrd() {
    kubectl(null, "apply", "--server-side", "--force-conflicts", "-f", "crds/userdatapurges.datapurge.io-v1.yml");
    kubectl(null, "wait", "--for=condition=Established", "--timeout=30s", "crd/userdatapurges.datapurge.io");
  }

  @Test
  void leaderKeepsRenewingItsLeaseWithTheRbacOfDeploy() {
    var lease = client.leases().inNamespace(namespace).withName(OperatorCommand.LEASE_NAME);
    var first = await().atMost(TIMEOUT).until(lease::get, l -> l != null && l.getSpec().getRenewTime() != null);
    await().atMost(Duration.ofSeconds(20)).until(() -> !first.getSpec().getRenewTime().equals(lease.get().getSpec().getRenewTime()));
    assertThat(lease.get().getSpec().getHolderIdentity()).isEqualTo(first.getSpec().getHolderIdentity());
  }

  @Test
  void dryRunEndsSucceededWithTheCountsAndDeletesNothing() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    apply("dry-run.yaml", "dry-run", db, Map.of());

    UserDataPurgeStatus status = awaitPhase("dry-run", Phase.Succeeded);
    assertThat(status.getDryRun()).isTrue();
    assertThat(status.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(status.getMessage()).startsWith("Dry run of " + db);
    assertThat(counts(db)).isEqualTo(before);
    assertThat(jobsOf("dry-run")).singleElement()
        .satisfies(j -> assertThat(j.getMetadata().getName()).contains("-plan-"));
  }

  @Test
  void confirmationNamingAnotherDatabaseIsBlockedAndRunsNothing() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    apply("purge.yaml", "wrong-confirm", db, Map.of("confirm: " + db, "confirm: " + db + "x"));

    UserDataPurgeStatus status = awaitPhase("wrong-confirm", Phase.Blocked);
    assertThat(status.getReason()).isEqualTo("ConfirmationMismatch");
    assertThat(status.getMessage()).contains("set confirm to " + db);
    assertThat(status.condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(jobsOf("wrong-confirm")).isEmpty();
    assertThat(counts(db)).isEqualTo(before);
  }

  @Test
  void protectedDatabaseIsBlockedWithoutAJob() {
    apply("purge.yaml", "protected", "shop_production", Map.of());

    UserDataPurgeStatus status = awaitPhase("protected", Phase.Blocked);
    assertThat(status.getReason()).isEqualTo("ProtectedDatabase");
    assertThat(status.getMessage()).contains("shop_production");
    assertThat(jobsOf("protected")).isEmpty();
  }

  @Test
  void missingSecretIsReportedAndTheRunProceedsOnceItExists() throws Exception {
    String db = newDatabase();
    apply("plan-only.yaml", "late-secret", db, Map.of("name: pg-purge", "name: pg-late"));

    UserDataPurgeStatus waiting = awaitStatus("late-secret", s -> "SecretNotFound".equals(s.getReason()));
    assertThat(waiting.getPhase()).isEqualTo(Phase.Planning);
    assertThat(waiting.getMessage()).contains("pg-late", namespace);
    assertThat(waiting.condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(waiting.condition("Stalled").getStatus()).isEqualTo("False");

    kubectl(example("secret.yaml", Map.of("name: pg-purge", "name: pg-late",
        "username: purge", "username: " + PostgresServer.user(),
        "password: change-me", "password: " + PostgresServer.password())), "apply", "-f", "-");
    UserDataPurgeStatus plan = awaitPhase("late-secret", Phase.AwaitingConfirmation);
    assertThat(plan.getTotals().getBefore()).isEqualTo(sum(counts(db)));
  }

  @Test
  void missingSeedConfigMapIsReportedAndThePlanProceedsOnceItExists() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    // the example as a plan (no confirm) whose seed names a ConfigMap that does not exist yet
    apply("reset-and-seed.yaml", "late-seed", db, Map.of("configMap: seed-admin", "configMap: seed-late",
        "confirm: pyfactor", "dryRun: false"));

    UserDataPurgeStatus waiting = awaitStatus("late-seed", s -> "ConfigMapNotFound".equals(s.getReason()));
    assertThat(waiting.getPhase()).isEqualTo(Phase.Planning);
    assertThat(waiting.getMessage()).contains("ConfigMap seed-late with key admin.sql", "spec.seed[0]",
        "does not exist", "Create it in namespace " + namespace);
    assertThat(waiting.condition("Stalled").getStatus()).isEqualTo("False");

    String configMap = example("reset-and-seed.yaml", Map.of("name: seed-admin", "name: seed-late")).split("(?m)^---$")[1];
    kubectl(configMap, "apply", "-f", "-");
    UserDataPurgeStatus plan = awaitPhase("late-seed", Phase.AwaitingConfirmation);
    assertThat(plan.getReason()).isNull();
    assertThat(plan.getSeedStatements()).isEqualTo(3);
    assertThat(plan.getMessage()).contains("then the seed's 3 statements would run");
    assertThat(counts(db)).as("a plan neither deletes nor seeds").isEqualTo(before);
  }

  @Test
  void resetAndSeedExampleLeavesTheAdminAndTwoTestUsersAndReportsSeededRows() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    apply("reset-and-seed.yaml", "reset-and-seed", db, Map.of());

    UserDataPurgeStatus done = awaitPhase("reset-and-seed", Phase.Succeeded);

    assertThat(perTable(done, TableStatus::getBefore)).isEqualTo(before);
    assertThat(perTable(done, TableStatus::getSeeded)).containsEntry("public.auth_user", 3L)
        .containsEntry("public.custom_auth_tenant", 1L).containsEntry("public.custom_auth_onboardingprogress", 3L)
        .containsEntry("public.django_admin_log", 0L);
    assertThat(perTable(done, TableStatus::getAfter)).isEqualTo(perTable(done, TableStatus::getSeeded));
    assertThat(done.getTotals().getSeeded()).isEqualTo(7L);
    assertThat(done.getTotals().getAfter()).isEqualTo(7L);
    assertThat(done.getMessage()).contains(sum(before) + " rows deleted", "7 rows seeded");
    assertThat(counts(db)).containsEntry("public.auth_user", 3L).containsEntry("public.accounts_profile", 0L);
    try (Connection c = PostgresServer.connect(db); var st = c.createStatement();
        var rs = st.executeQuery("select id, password from auth_user where username = 'admin' and is_superuser")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).as("resetSequences: the admin is user 1").isEqualTo(1L);
      assertThat(io.datapurge.testing.DjangoPasswords.djangoChecks("change-me", rs.getString(2)))
          .as("Django accepts the example admin's password").isEqualTo("True pbkdf2_sha256 False");
    }
  }

  @Test
  void unreachableDatabaseFailsWithConnectionFailedAndStaysFailed() throws Exception {
    String db = newDatabase();
    apply("plan-only.yaml", "db-down", db, Map.of("port: " + PostgresServer.port(), "port: " + closedPort()));

    UserDataPurgeStatus failed = awaitPhase("db-down", Phase.Failed);
    assertThat(failed.getReason()).isEqualTo("ConnectionFailed");
    assertThat(failed.getMessage()).contains("spec.database.host");
    assertThat(failed.condition("Ready").getStatus()).isEqualTo("False");
    assertThat(failed.condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(jobsOf("db-down")).hasSize(1);
  }

  @Test
  void operatorRestartedWhileThePurgeRunsAdoptsItsJobAndPurgesOnce() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    try (Connection blocker = PostgresServer.connect(db)) {
      // Holds the purge at its lock (lock timeout 10s) while the operator goes away.
      blocker.setAutoCommit(false);
      blocker.createStatement().execute("lock table auth_user in access exclusive mode");
      apply("purge.yaml", "restart", db, Map.of());
      awaitPhase("restart", Phase.Running);
      operator.close();
      operator = null;
      blocker.commit();
    }
    await().atMost(TIMEOUT).until(() -> jobsOf("restart").stream().allMatch(RunStatus::finished));

    operator = operator();
    UserDataPurgeStatus done = awaitPhase("restart", Phase.Succeeded);
    assertThat(jobsOf("restart")).as("exactly one Job: adopted, not re-created").hasSize(1);
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
  }

  @Test
  void removingConfirmDuringARunningPurgeCancelsItsJobAndDeletesNothing() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    try (Connection blocker = PostgresServer.connect(db)) {
      blocker.setAutoCommit(false);
      blocker.createStatement().execute("lock table auth_user in access exclusive mode");
      apply("purge.yaml", "cancel", db, Map.of());
      String purgeJob = awaitPhase("cancel", Phase.Running).getJobName();

      kubectl(null, "-n", namespace, "patch", "purge", "cancel", "--type", "json",
          "-p", "[{\"op\":\"remove\",\"path\":\"/spec/confirm\"}]");
      await().atMost(TIMEOUT).until(() -> jobsOf("cancel").stream()
          .noneMatch(j -> j.getMetadata().getName().equals(purgeJob)));
      blocker.commit();
    }
    UserDataPurgeStatus plan = awaitPhase("cancel", Phase.AwaitingConfirmation);
    assertThat(plan.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(counts(db)).as("the cancelled purge deleted nothing").isEqualTo(before);
  }

  @Test
  void jobDeletedBeforeItsResultWasReadFailsWithJobLostAndIsNotRecreated() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    try (Connection blocker = PostgresServer.connect(db)) {
      blocker.setAutoCommit(false);
      blocker.createStatement().execute("lock table auth_user in access exclusive mode");
      apply("purge.yaml", "lost", db, Map.of());
      String job = awaitPhase("lost", Phase.Running).getJobName();
      kubectl(null, "-n", namespace, "delete", "job", job, "--cascade=foreground", "--wait=false");

      UserDataPurgeStatus status = awaitPhase("lost", Phase.Failed);
      assertThat(status.getReason()).isEqualTo("JobLost");
      assertThat(status.getMessage()).contains(job, "spec.runId");
      blocker.rollback();
    }
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> jobsOf("lost").isEmpty());
    assertThat(counts(db)).as("the killed purge committed nothing").isEqualTo(before);
  }

  @Test
  void purgePastTheJobDeadlineFailsWithDeadlineExceededAndCommitsNothing() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    String other = ControlPlane.createNamespace(client, "purge-it-deadline");
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", other, "--purge-image", IMAGE, "--http-port", "0",
        "--job-deadline", "3s");
    try (OperatorCommand.Running shortDeadline = command.start(ControlPlane.adminClient());
        Connection blocker = PostgresServer.connect(db)) {
      blocker.setAutoCommit(false);
      blocker.createStatement().execute("lock table auth_user in access exclusive mode");
      kubectl(example("secret.yaml", Map.of("namespace: " + namespace, "namespace: " + other,
          "username: purge", "username: " + PostgresServer.user(),
          "password: change-me", "password: " + PostgresServer.password())), "apply", "-f", "-");
      kubectl(example("purge.yaml", Map.of("namespace: " + namespace, "namespace: " + other,
          "host: postgres.staging.svc", "host: " + PostgresServer.host(), "port: 5432", "port: " + PostgresServer.port(),
          "name: pyfactor", "name: " + db, "confirm: pyfactor", "confirm: " + db)), "apply", "-f", "-");

      UserDataPurge failed = await().atMost(TIMEOUT).until(
          () -> client.resources(UserDataPurge.class).inNamespace(other).withName("reset-staging").get(),
          r -> r.getStatus() != null && r.getStatus().getPhase() == Phase.Failed);
      assertThat(failed.getStatus().getReason()).isEqualTo("DeadlineExceeded");
      assertThat(failed.getStatus().getMessage()).contains("deadline of 3s");
      blocker.rollback();
    } finally {
      client.namespaces().withName(other).delete();
    }
    assertThat(counts(db)).isEqualTo(before);
  }

  @Test
  void deletingTheResourceGarbageCollectsItsJobs() throws Exception {
    String db = newDatabase();
    apply("plan-only.yaml", "delete-me", db, Map.of());
    awaitPhase("delete-me", Phase.AwaitingConfirmation);
    assertThat(jobsOf("delete-me")).hasSize(1);
    String uid = resource("delete-me").getMetadata().getUid();

    kubectl(null, "-n", namespace, "delete", "purge", "delete-me");
    await().atMost(TIMEOUT).until(() -> client.batch().v1().jobs().inNamespace(namespace).list().getItems()
        .stream().noneMatch(j -> j.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()))));
  }

  // --- the operator, as the Deployment runs it, but in this JVM and watching only the test namespace

  OperatorCommand.Running operator() throws Exception {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", namespace, "--purge-image", IMAGE, "--http-port", "0",
        "--leader-election", "--lease-namespace", namespace);
    return command.start(ControlPlane.serviceAccountClient(client, namespace, SERVICE_ACCOUNT));
  }

  /** The rules of deploy/clusterrole.yaml and deploy/role.yaml, bound to a ServiceAccount here. */
  void grantDeployRbac() {
    ControlPlane.grantDeployRbac(client, namespace, SERVICE_ACCOUNT, clusterRoleName());
  }

  String clusterRoleName() {
    return namespace + "-user-data-purge-operator";
  }

  String metrics() throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.http().port() + "/metrics")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  // --- Kubernetes

  PurgeResources purges() {
    return new PurgeResources(client, namespace, TIMEOUT);
  }

  UserDataPurge resource(String name) {
    return purges().get(name);
  }

  UserDataPurgeStatus awaitPhase(String name, Phase phase) {
    return purges().awaitPhase(name, phase);
  }

  UserDataPurgeStatus awaitStatus(String name, Predicate<UserDataPurgeStatus> done) {
    return purges().awaitStatus(name, done);
  }

  List<Job> jobsOf(String name) {
    return purges().jobsOf(name);
  }

  List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason).toList();
  }

  /** Applies deploy/examples/FILE as a user would, pointed at this namespace and database. */
  void apply(String file, String name, String database, Map<String, String> edits) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("host: postgres.staging.svc", "host: " + PostgresServer.host());
    all.put("port: 5432", "port: " + PostgresServer.port());
    all.put("name: pyfactor", "name: " + database);
    all.put("confirm: pyfactor", "confirm: " + database);
    all.putAll(edits);
    String text = example(file, all).replaceFirst("(?m)^  name: .*$", "  name: " + name);
    kubectl(text, "apply", "-f", "-");
  }

  String example(String file, Map<String, String> edits) {
    try {
      String text = Files.readString(Path.of("deploy/examples", file))
          .replace("namespace: staging", "namespace: " + namespace);
      for (var e : edits.entrySet()) {
        text = text.replace(e.getKey(), e.getValue());
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String kubectl(String stdin, String... args) {
    try {
      List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", ControlPlane.kubeconfig().toString()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed:\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // --- PostgreSQL

  /** A fresh database with the Django schema and 100 users (one tenant per 10 users). */
  static String newDatabase() {
    String db = PostgresServer.createDatabase("purge_it", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(100)");
    return db;
  }

  static Map<String, Long> counts(String db) {
    return PURGED.stream().collect(Collectors.toMap(t -> "public." + t,
        t -> PostgresServer.queryLong(db, "select count(*) from " + t), (a, b) -> a, LinkedHashMap::new));
  }

  static Map<String, Long> perTable(UserDataPurgeStatus status, Function<TableStatus, Long> count) {
    return status.getTables().stream().collect(Collectors.toMap(TableStatus::getTable, count));
  }

  static long sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
