package io.datapurge.reliability;

import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.cli.OperatorCommand;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.Kubectl;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeResources;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One namespace on the local plane with the RBAC of deploy/, a credentials Secret, and operators
 * run as real processes ({@code java -jar user-data-purge.jar operator}, with a ServiceAccount's
 * kubeconfig) so that a test can kill one with SIGKILL and read its log. Resources are applied with
 * kubectl as a user would.
 */
final class PurgeHarness implements AutoCloseable {

  static final String IMAGE = ControlPlane.image();
  static final String SERVICE_ACCOUNT = "user-data-purge-operator";
  static final String SECRET = "pg-purge";
  static final Duration TIMEOUT = Duration.ofSeconds(150);
  static final Path JAR = Path.of(System.getProperty("purge.jar", "target/user-data-purge.jar")).toAbsolutePath();
  static final List<String> PURGED = List.of("auth_user", "custom_auth_tenant", "custom_auth_onboardingprogress",
      "accounts_profile", "auth_user_groups", "auth_user_user_permissions", "django_admin_log");

  final KubernetesClient client;
  final String namespace;
  private final List<OperatorProcess> operators = new ArrayList<>();

  PurgeHarness(KubernetesClient client, String prefix) {
    this.client = client;
    Kubectl.applyCrds();
    this.namespace = ControlPlane.createNamespace(client, prefix);
    grantDeployRbac();
    secret(SECRET, PostgresServer.user(), PostgresServer.password());
  }

  // --- operators

  /** A running {@code operator} process; its combined output goes to {@link #log}. */
  final class OperatorProcess implements AutoCloseable {
    final Process process;
    final Path log;
    final String identity;

    OperatorProcess(String identity, List<String> extraArgs) throws IOException {
      this.identity = identity;
      this.log = Files.createTempFile("operator-" + identity + "-", ".log");
      Path kubeconfig = ControlPlane.writeServiceAccountKubeconfig(client, namespace, SERVICE_ACCOUNT,
          Files.createTempFile("operator-sa", ".kubeconfig"));
      List<String> command = new ArrayList<>(List.of("java", "-Xmx192m", "-XX:TieredStopAtLevel=1",
          "-jar", JAR.toString(), "operator", "--namespaces", namespace, "--purge-image", IMAGE,
          "--http-port", "0", "--leader-election", "--lease-namespace", namespace));
      command.addAll(extraArgs);
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("PG"));
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.environment().put("HOSTNAME", identity); // the Lease holder identity, as a Pod's name
      this.process = builder.start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly)); // never outlive the tests
    }

    String log() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** SIGKILL: no shutdown hook, no Lease release, no status written on the way out. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  OperatorProcess startOperator(String identity, String... extraArgs) throws IOException {
    OperatorProcess p = new OperatorProcess(identity, List.of(extraArgs));
    operators.add(p);
    return p;
  }

  record Replicas(OperatorProcess leading, OperatorProcess standby) {}

  /** Two operator replicas ("replica-1", "replica-2"), once one of them holds the Lease. */
  Replicas startReplicas() throws IOException {
    OperatorProcess one = startOperator("replica-1");
    OperatorProcess two = startOperator("replica-2");
    String leader = await().atMost(TIMEOUT).until(this::leaseHolder, Objects::nonNull);
    return leader.equals(one.identity) ? new Replicas(one, two) : new Replicas(two, one);
  }

  /** The holder of the operator's Lease, once some replica holds it. */
  String leaseHolder() {
    var lease = client.leases().inNamespace(namespace).withName(OperatorCommand.LEASE_NAME).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  // --- resources

  /** A purge of the Django user tables of {@code db}; {@code extra} lines go under spec. */
  String manifest(String name, String db, boolean confirm, String... extraSpec) {
    StringBuilder y = new StringBuilder()
        .append("apiVersion: datapurge.io/v1alpha1\nkind: UserDataPurge\nmetadata:\n")
        .append("  name: ").append(name).append("\n  namespace: ").append(namespace).append('\n')
        .append("spec:\n  database:\n")
        .append("    host: ").append(PostgresServer.host()).append('\n')
        .append("    port: ").append(PostgresServer.port()).append('\n')
        .append("    name: ").append(db).append('\n')
        .append("    credentialsSecret: {name: ").append(SECRET).append("}\n")
        .append("  tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]\n");
    if (confirm) {
      y.append("  confirm: ").append(db).append('\n');
    }
    for (String line : extraSpec) {
      y.append("  ").append(line).append('\n');
    }
    return y.toString();
  }

  void apply(String manifest) {
    kubectl(manifest, "apply", "-f", "-");
  }

  void secret(String name, String username, String password) {
    kubectl("apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: " + namespace + "}\n"
        + "type: Opaque\nstringData:\n  username: " + username + "\n  password: '" + password.replace("'", "''") + "'\n",
        "apply", "-f", "-");
  }

  PurgeResources purges() {
    return new PurgeResources(client, namespace, TIMEOUT);
  }

  UserDataPurge resource(String name) {
    return purges().get(name);
  }

  UserDataPurgeStatus awaitPhase(String name, Phase phase) {
    try {
      return purges().awaitPhase(name, phase);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(name + " did not reach " + phase + " in " + TIMEOUT + "; " + diagnosis(name), e);
    }
  }

  /** What a wait that timed out saw: the resource's status, the namespace's pods, each operator's last lines. */
  String diagnosis(String name) {
    UserDataPurge resource = resource(name);
    UserDataPurgeStatus status = resource == null ? null : resource.getStatus();
    StringBuilder out = new StringBuilder("status: ").append(status == null ? "none"
        : status.getPhase() + " (" + status.getReason() + ") " + status.getMessage());
    for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
      out.append("\npod ").append(pod.getMetadata().getName()).append(": ").append(pod.getStatus().getPhase());
    }
    for (OperatorProcess operator : operators) {
      List<String> lines = operator.log().lines().toList();
      out.append("\n--- operator ").append(operator.identity).append(", its last lines:\n")
          .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }
    return out.toString();
  }

  UserDataPurgeStatus awaitStatus(String name, Predicate<UserDataPurgeStatus> done) {
    return purges().awaitStatus(name, done);
  }

  List<Job> jobsOf(String name) {
    return purges().jobsOf(name);
  }

  List<Job> jobsOwnedBy(String uid) {
    return purges().jobsOwnedBy(uid);
  }

  List<Pod> podsOf(String jobName) {
    return client.pods().inNamespace(namespace).withLabel("job-name", jobName).list().getItems();
  }

  void close(String name) {
    kubectl(null, "-n", namespace, "delete", "purge", name, "--wait=false");
  }

  String kubectlIn(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("-n", namespace));
    all.addAll(List.of(args));
    return kubectl(stdin, all.toArray(String[]::new));
  }

  /** Runs kubectl; throws with its output on a non-zero exit. */
  static String kubectl(String stdin, String... args) {
    Kubectl.Result r = Kubectl.run(stdin, args);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed:\n" + r.output());
    }
    return r.output();
  }

  // --- PostgreSQL

  /** A fresh database with the Django schema and 100 users. */
  static String newDatabase() {
    String db = PostgresServer.createDatabase("rel", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(100)");
    return db;
  }

  static Map<String, Long> counts(String db) {
    return PURGED.stream().collect(Collectors.toMap(t -> "public." + t,
        t -> PostgresServer.queryLong(db, "select count(*) from " + t), (a, b) -> a, LinkedHashMap::new));
  }

  static long sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** A session holding ACCESS EXCLUSIVE on auth_user, so a purge waits at its lock until released. */
  static Connection lockUsers(String db) throws SQLException {
    Connection c = PostgresServer.connect(db);
    c.setAutoCommit(false);
    c.createStatement().execute("lock table auth_user in access exclusive mode");
    return c;
  }

  /**
   * Makes the purge of {@code db} stop inside its transaction, after deleting the children of
   * auth_user, until {@link #openGate} (a statement trigger that polls a flag: no lock wait, so
   * --lock-timeout does not end it).
   */
  static void installGate(String db) {
    // A backend busy in a statement notices a vanished client only when it next talks to it; this
    // makes it check while the gate loops, so a killed purge's session ends (and rolls back) at once.
    PostgresServer.run(db, "alter database \"" + db + "\" set client_connection_check_interval = '200ms'");
    PostgresServer.run(db, """
        create table purge_gate (open boolean not null);
        insert into purge_gate values (false);
        create function wait_for_gate() returns trigger language plpgsql as $$
        begin
          loop
            exit when (select open from purge_gate);
            perform pg_sleep(0.1);
          end loop;
          return null;
        end $$;
        create trigger purge_gate before delete on auth_user for each statement execute function wait_for_gate();
        """);
  }

  static void openGate(String db) {
    PostgresServer.run(db, "update purge_gate set open = true");
  }

  /** Waits until a purge of {@code db} has deleted the children and waits at the gate, mid-transaction. */
  static void awaitPurgeAtTheGate(String db) {
    await().atMost(TIMEOUT).until(() -> purgeSessions(db, "wait_event = 'PgSleep'") >= 1);
  }

  /** Purge sessions of {@code db} (application_name starts with user-data-purge) and what they wait on. */
  static long purgeSessions(String db, String extraCondition) {
    return PostgresServer.queryLong("postgres", "select count(*) from pg_stat_activity where datname = '" + db
        + "' and application_name like 'user-data-purge%'" + (extraCondition == null ? "" : " and " + extraCondition));
  }

  // --- setup

  private void grantDeployRbac() {
    ControlPlane.grantDeployRbac(client, namespace, SERVICE_ACCOUNT, clusterRoleName());
  }

  String clusterRoleName() {
    return namespace + "-user-data-purge-operator";
  }

  @Override
  public void close() throws InterruptedException {
    for (OperatorProcess p : operators) {
      p.close();
    }
    client.rbac().clusterRoleBindings().withName(clusterRoleName()).delete();
    client.rbac().clusterRoles().withName(clusterRoleName()).delete();
    client.namespaces().withName(namespace).delete();
  }
}
