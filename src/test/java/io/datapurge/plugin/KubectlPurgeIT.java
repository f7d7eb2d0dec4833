package io.datapurge.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.cli.OperatorCommand;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.Kubectl;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeResources;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code kubectl purge} as a user runs it: the real kubectl (the cluster's release, first on PATH)
 * finds bin/kubectl-purge on PATH; the operator of this branch runs in this JVM, the purge Jobs on
 * the node with the image, against a real PostgreSQL with the Django schema. The approval through a
 * terminal runs under a pseudo-terminal (util-linux {@code script}), typing as a person would once the
 * prompt shows.
 */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlPurgeIT {

  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final List<String> PURGED = List.of("auth_user", "custom_auth_tenant", "custom_auth_onboardingprogress",
      "accounts_profile", "auth_user_groups", "auth_user_user_permissions", "django_admin_log");
  static final Path BIN = Path.of("bin").toAbsolutePath();

  final KubernetesClient client;
  String namespace;
  OperatorCommand.Running operator;

  KubectlPurgeIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void startOperator() throws Exception {
    Kubectl.applyCrds();
    namespace = ControlPlane.createNamespace(client, "purge-plugin-it");
    Kubectl.ok(Files.readString(Path.of("deploy/examples/secret.yaml")).replace("namespace: staging", "namespace: "
        + namespace).replace("username: purge", "username: " + PostgresServer.user())
        .replace("password: change-me", "password: " + PostgresServer.password()), "apply", "-f", "-");
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", namespace, "--purge-image", ControlPlane.image(),
        "--http-port", "0");
    operator = command.start(ControlPlane.adminClient());
  }

  @AfterAll
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
    client.namespaces().withName(namespace).delete();
  }

  @Test
  void pluginAndEachSubcommandHaveKubectlStyleHelp() {
    Run root = plugin("--help");
    assertThat(root.exitCode).isZero();
    assertThat(root.output).contains("Available Commands:", "approve", "history", "Examples:", "Usage:\n  kubectl purge",
        "--kubeconfig", "--context", "-n, --namespace");
    for (String command : List.of("status", "approve", "logs", "history", "run")) {
      Run help = plugin(command, "--help");
      assertThat(help.exitCode).as(command).isZero();
      assertThat(help.output).as(command).contains("Examples:", "Usage:\n  kubectl purge " + command);
    }
    assertThat(plugin("approve", "--help").output).contains("--confirm=''");
    Run unknown = plugin("status", "--bogus");
    assertThat(unknown.exitCode).isEqualTo(1);
    assertThat(unknown.output).contains("error: unknown flag: --bogus", "See 'kubectl purge status --help' for usage.");
  }

  @Test
  void approvalTypedOnATerminalPurgesAndAClientSideReApplyKeepsIt() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    String manifest = manifest("typed", db);
    Kubectl.ok(manifest, "apply", "-f", "-");

    Run planned = plugin("status", "typed", "-n", namespace, "-w");
    assertThat(planned.exitCode).as(planned.output).isZero();
    assertThat(planned.output).contains("Phase:       AwaitingConfirmation", "Plan (nothing deleted yet):",
        "public.auth_user", "TOTAL", "kubectl purge approve typed");
    String planId = purges().get("typed").getStatus().getPlan().getId();
    assertThat(planned.output).contains("Plan:        " + planId);

    Run wrong = onTerminal("wrongdb", "approve", "typed", "-n", namespace);
    assertThat(wrong.exitCode).as(wrong.output).isEqualTo(1);
    assertThat(wrong.output).contains("Type the database name to approve plan " + planId,
        "'wrongdb' is not the database name (" + db + "); nothing was approved.");
    assertThat(annotations("typed")).doesNotContainKey("datapurge.io/approve");
    Thread.sleep(3000);
    assertThat(counts(db)).as("a refused approval deletes nothing").isEqualTo(before);
    assertThat(purges().get("typed").getStatus().getPhase()).isEqualTo(Phase.AwaitingConfirmation);

    Run typed = onTerminal(db, "approve", "typed", "-n", namespace);
    assertThat(typed.exitCode).as(typed.output).isZero();
    assertThat(typed.output).contains("approved (plan " + planId + ", database " + db + ")");
    assertThat(annotations("typed")).containsEntry("datapurge.io/approve", planId);

    Run followed = plugin("status", "typed", "-n", namespace, "-w");
    assertThat(followed.exitCode).as(followed.output).isZero();
    assertThat(followed.output).contains("Phase:       Succeeded", "Approved:    plan " + planId, "BEFORE", "AFTER");
    assertThat(counts(db)).as("every user table is empty").allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    UserDataPurgeStatus done = purges().get("typed").getStatus();
    assertThat(done.getApproval().getPlanId()).isEqualTo(planId);
    assertThat(done.getObservedGeneration()).isEqualTo(1L);
    assertThat(eventMessages("typed")).anySatisfy(m -> assertThat(m).contains("Plan " + planId + " approved"));

    Run logs = plugin("logs", "typed", "-n", namespace);
    assertThat(logs.exitCode).as(logs.output).isZero();
    assertThat(logs.output).contains("public.auth_user");

    // The GitOps re-apply of the same plan-only file, client-side, as kubectl apply / Flux without SSA.
    String job = done.getJobName();
    Kubectl.ok(manifest, "apply", "-f", "-");
    Thread.sleep(3000);
    UserDataPurge reapplied = purges().get("typed");
    assertThat(reapplied.getMetadata().getAnnotations()).containsEntry("datapurge.io/approve", planId);
    assertThat(reapplied.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(reapplied.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(reapplied.getStatus().getJobName()).isEqualTo(job);
    assertThat(purges().jobsOf("typed")).hasSize(2);
  }

  @Test
  void scriptedApprovalFollowsARunningPurgeAndAServerSideReApplyKeepsIt() throws Exception {
    String db = newDatabase();
    String manifest = manifest("scripted", db);
    List<String> ssa = List.of("apply", "--server-side", "--field-manager=gitops-controller", "-f", "-");
    Kubectl.ok(manifest, ssa.toArray(String[]::new));
    purges().awaitPhase("scripted", Phase.AwaitingConfirmation);

    Run noTerminal = plugin("approve", "scripted", "-n", namespace);
    assertThat(noTerminal.exitCode).isEqualTo(1);
    assertThat(noTerminal.output).contains("no terminal", "--confirm " + db);

    String planId;
    try (Connection lock = PostgresServer.connect(db)) {
      // Holds the purge in Running (it waits for the lock) while the plugin follows it.
      lock.setAutoCommit(false);
      lock.createStatement().execute("lock table auth_user in access exclusive mode");
      Run approved = plugin("approve", "scripted", "-n", namespace, "--confirm", db);
      assertThat(approved.exitCode).as(approved.output).isZero();
      planId = annotations("scripted").get("datapurge.io/approve");
      purges().awaitPhase("scripted", Phase.Running);
      CompletableFuture<Run> following = CompletableFuture.supplyAsync(() -> plugin("status", "scripted", "-n",
          namespace, "--watch"));
      Thread.sleep(2500);
      assertThat(following).as("still following the running purge").isNotDone();
      lock.rollback();
      Run followed = following.get(90, TimeUnit.SECONDS);
      assertThat(followed.exitCode).as(followed.output).isZero();
      assertThat(followed.output).containsSubsequence("Phase:       Running", "Phase:       Succeeded");
    }
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());

    Kubectl.ok(manifest, ssa.toArray(String[]::new));
    Thread.sleep(3000);
    UserDataPurge reapplied = purges().get("scripted");
    assertThat(reapplied.getMetadata().getAnnotations()).containsEntry("datapurge.io/approve", planId);
    assertThat(reapplied.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(reapplied.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(purges().jobsOf("scripted")).hasSize(2);
  }

  @Test
  void approvalAfterTheSpecChangedIsRefusedAndAnOldPlanIdPurgesNothing() throws Exception {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    Kubectl.ok(manifest("respec", db), "apply", "-f", "-");
    String oldPlan = purges().awaitPhase("respec", Phase.AwaitingConfirmation).getPlan().getId();

    Kubectl.ok(null, "-n", namespace, "patch", "purge", "respec", "--type=merge", "-p", "{\"spec\":{\"runId\":\"2\"}}");
    Run refused = plugin("approve", "respec", "-n", namespace, "--confirm", db);
    assertThat(refused.exitCode).as(refused.output).isEqualTo(1);
    assertThat(refused.output).containsAnyOf("is stale", "not planned it yet", "has no plan yet");
    assertThat(annotations("respec")).doesNotContainKey("datapurge.io/approve");

    UserDataPurgeStatus replanned = purges().awaitStatus("respec",
        s -> s.getPhase() == Phase.AwaitingConfirmation && s.getObservedGeneration() == 2L);
    assertThat(replanned.getPlan().getId()).isNotEqualTo(oldPlan);
    Kubectl.ok(null, "-n", namespace, "annotate", "purge", "respec", "datapurge.io/approve=" + oldPlan);
    UserDataPurgeStatus stale = purges().awaitStatus("respec", s -> "ApprovalStale".equals(s.getReason()));
    assertThat(stale.getPhase()).isEqualTo(Phase.AwaitingConfirmation);
    assertThat(plugin("status", "respec", "-n", namespace).output).contains("Reason:      ApprovalStale",
        "the annotation names plan " + oldPlan);
    Thread.sleep(3000);
    assertThat(counts(db)).as("an approval of an older plan deletes nothing").isEqualTo(before);
    assertThat(purges().jobsOf("respec")).extracting(j -> j.getMetadata().getName())
        .noneMatch(n -> n.contains("-purge-"));

    Run history = plugin("history", "-n", namespace);
    assertThat(history.exitCode).as(history.output).isZero();
    assertThat(history.output).contains("NAME", "PHASE", "respec", "AwaitingConfirmation (ApprovalStale)");
  }

  @Test
  void historyListsTheNamespacesRunsNewestFirst() throws Exception {
    String db = newDatabase();
    Kubectl.ok(manifest("first", db), "apply", "-f", "-");
    Thread.sleep(1100); // creationTimestamp has a resolution of one second
    Kubectl.ok(manifest("second", db), "apply", "-f", "-");
    purges().awaitPhase("second", Phase.AwaitingConfirmation);
    Run history = plugin("history", "-n", namespace);
    assertThat(history.exitCode).as(history.output).isZero();
    List<String> names = history.output.lines().skip(1).map(l -> l.split("\\s+")[0]).toList();
    assertThat(names).containsSubsequence("second", "first");
    // KUBECONFIG with two files, as kubectl merges them: a context of the first (with this namespace)
    // that uses the cluster and user of the second, chosen with --context; no -n.
    String[] clusterAndUser = Kubectl.ok(null, "config", "view", "--minify", "-o",
        "jsonpath={.contexts[0].context.cluster} {.contexts[0].context.user}").trim().split(" ");
    Path contexts = Files.createTempFile("kubectl-purge-contexts", ".yaml");
    Files.writeString(contexts, """
        apiVersion: v1
        kind: Config
        contexts:
        - name: plugin-it
          context: {cluster: %s, user: %s, namespace: %s}
        """.formatted(clusterAndUser[0], clusterAndUser[1], namespace));
    Run merged = plugin(Map.of("KUBECONFIG", contexts + ":" + ControlPlane.kubeconfig()), "--context", "plugin-it",
        "history");
    Files.delete(contexts);
    assertThat(merged.exitCode).as(merged.output).isZero();
    assertThat(merged.output).contains("second", "first");
    Run noRuns = plugin("history", "nosuchschedule", "-n", namespace);
    assertThat(noRuns.exitCode).as("a schedule that does not exist (or a cluster without the kind)").isEqualTo(1);
  }

  @Test
  void runFromAScheduleCreatesOneRunFromItsTemplateAndHistoryOfTheScheduleListsIt() throws Exception {
    String db = newDatabase();
    // a suspended schedule never ticks: the only run is the one made by hand
    String plan = manifest("unused", db);
    String template = plan.substring(plan.indexOf("\nspec:\n") + "\nspec:\n".length()).lines()
        .map(l -> "      " + l).collect(Collectors.joining("\n"));
    Kubectl.ok("""
        apiVersion: datapurge.io/v1alpha1
        kind: UserDataPurgeSchedule
        metadata: {name: nightly, namespace: %s}
        spec:
          schedule: "0 3 * * *"
          suspend: true
          template:
            spec:
        %s
        """.formatted(namespace, template), "apply", "-f", "-");

    Run run = plugin("run", "--from", "schedule/nightly", "--name", "nightly-by-hand", "-n", namespace);

    assertThat(run.exitCode).as(run.output).isZero();
    purges().awaitPhase("nightly-by-hand", Phase.AwaitingConfirmation);
    UserDataPurge created = client.resources(UserDataPurge.class).inNamespace(namespace).withName("nightly-by-hand").get();
    assertThat(created.getMetadata().getLabels()).containsEntry("datapurge.io/schedule", "nightly");
    assertThat(created.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind() + "/" + o.getName()).isEqualTo("UserDataPurgeSchedule/nightly"));
    assertThat(created.getSpec().getDatabase().getName()).isEqualTo(db);
    Run history = plugin("history", "nightly", "-n", namespace);
    assertThat(history.exitCode).as(history.output).isZero();
    assertThat(history.output.lines().skip(1).map(l -> l.split("\\s+")[0]).toList()).containsExactly("nightly-by-hand");
    Run again = plugin("run", "--from", "schedule/nightly", "--name", "nightly-by-hand", "-n", namespace);
    assertThat(again.exitCode).as("a second run of the same name is refused by the API server").isNotZero();
  }

  // --- the plugin through kubectl

  record Run(int exitCode, String output) {}

  static Map<String, String> environment() {
    return Map.of("PATH", BIN + ":" + System.getenv("PATH"), "KUBECONFIG", ControlPlane.kubeconfig().toString());
  }

  /** {@code kubectl purge ARGS} with no terminal: output and errors together. */
  static Run plugin(String... args) {
    return plugin(Map.of(), args);
  }

  static Run plugin(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of("kubectl", "purge"));
    command.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(environment());
      pb.environment().putAll(env);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      System.out.println("$ kubectl purge " + String.join(" ", args) + "  (exit " + code + ")\n" + out);
      return new Run(code, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code kubectl purge ARGS} on a pseudo-terminal, typing {@code typed} once the prompt shows. */
  static Run onTerminal(String typed, String... args) throws Exception {
    String line = "kubectl purge " + String.join(" ", args);
    ProcessBuilder pb = new ProcessBuilder("script", "-qefc", line, "/dev/null").redirectErrorStream(true);
    pb.environment().putAll(environment());
    Process p = pb.start();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> copy(p.getInputStream(), seen));
    await().atMost(Duration.ofSeconds(30)).until(() -> text(seen).contains("Type the database name"));
    OutputStream keyboard = p.getOutputStream();
    keyboard.write((typed + "\r").getBytes(StandardCharsets.UTF_8));
    keyboard.flush();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ended").isTrue();
    reader.get(10, TimeUnit.SECONDS);
    keyboard.close();
    Run run = new Run(p.exitValue(), text(seen).replace("\r\n", "\n"));
    System.out.println("$ " + line + "  (on a terminal, typing " + typed + "; exit " + run.exitCode + ")\n" + run.output);
    return run;
  }

  static void copy(InputStream in, ByteArrayOutputStream to) {
    byte[] buffer = new byte[4096];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        synchronized (to) {
          to.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  static String text(ByteArrayOutputStream out) {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  // --- the cluster and the database

  PurgeResources purges() {
    return new PurgeResources(client, namespace, TIMEOUT);
  }

  Map<String, String> annotations(String name) {
    Map<String, String> a = purges().get(name).getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  List<String> eventMessages(String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).map(Event::getMessage).toList();
  }

  /** deploy/examples/plan-only.yaml, pointed at this namespace and database. */
  String manifest(String name, String db) throws IOException {
    return Files.readString(Path.of("deploy/examples/plan-only.yaml"))
        .replace("namespace: staging", "namespace: " + namespace)
        .replace("name: plan-staging", "name: " + name)
        .replace("host: postgres.staging.svc", "host: " + PostgresServer.host())
        .replace("port: 5432", "port: " + PostgresServer.port())
        .replace("name: pyfactor", "name: " + db);
  }

  static String newDatabase() {
    String db = PostgresServer.createDatabase("purge_plugin", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(100)");
    return db;
  }

  static Map<String, Long> counts(String db) {
    return PURGED.stream().collect(Collectors.toMap(t -> "public." + t,
        t -> PostgresServer.queryLong(db, "select count(*) from " + t), (a, b) -> a, LinkedHashMap::new));
  }
}
