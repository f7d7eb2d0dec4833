package io.datapurge.operator;

import static io.datapurge.operator.UserDataPurgeIT.counts;
import static io.datapurge.operator.UserDataPurgeIT.kubectl;
import static io.datapurge.operator.UserDataPurgeIT.newDatabase;
import static io.datapurge.operator.UserDataPurgeIT.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.cli.OperatorCommand;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.Kubectl;
import io.datapurge.testing.FakeAuth0;
import io.datapurge.testing.PostgresServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * spec.auth0 end to end: manifests applied with kubectl, the operator in this JVM, the purge Job run
 * by the local pod runner with the real jar (its Auth0 credentials resolved from a Secret by
 * secretKeyRef), the real PostgreSQL, and a fake Auth0 tenant the Job reaches over HTTP.
 */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Auth0OperatorIT {
  static final String DOMAIN = "pyfactor-staging.eu.auth0.com";
  static final String CLIENT_ID = "m2m-purge";
  static final String SECRET = "it-client-secret-Xy91";
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  final KubernetesClient client;
  String namespace;
  FakeAuth0 auth0;
  OperatorCommand.Running operator;

  Auth0OperatorIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void start() throws Exception {
    Kubectl.applyCrds();
    namespace = ControlPlane.createNamespace(client, "auth0-it");
    kubectl("""
        apiVersion: v1
        kind: Secret
        metadata: {name: pg-purge, namespace: %s}
        stringData: {username: %s, password: %s}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: auth0-purge, namespace: %s}
        stringData: {client_id: %s, client_secret: %s}
        """.formatted(namespace, PostgresServer.user(), PostgresServer.password(), namespace, CLIENT_ID, SECRET),
        "apply", "-f", "-");
    auth0 = new FakeAuth0(DOMAIN, CLIENT_ID, SECRET);
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", namespace, "--purge-image", UserDataPurgeIT.IMAGE,
        "--http-port", "0", "--auth0-base-url", auth0.baseUrl().toString());
    operator = command.start(ControlPlane.adminClient());
  }

  @AfterAll
  void stop() {
    if (operator != null) operator.close();
    if (auth0 != null) auth0.close();
    client.namespaces().withName(namespace).delete();
  }

  void apply(String name, String db, String confirm, String runId) {
    kubectl("""
        apiVersion: datapurge.io/v1alpha1
        kind: UserDataPurge
        metadata: {name: %s, namespace: %s}
        spec:
          database:
            host: %s
            port: %s
            name: %s
            credentialsSecret: {name: pg-purge}
          tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]
          %s
          runId: "%s"
          auth0:
            domain: %s
            credentialsSecret: {name: auth0-purge}
        """.formatted(name, namespace, PostgresServer.host(), PostgresServer.port(), db,
        confirm == null ? "" : "confirm: " + confirm, runId, DOMAIN), "apply", "-f", "-");
  }

  @Test
  void planCountsAuth0UsersAndTheConfirmedPurgeDeletesThemAfterTheDatabase() {
    String db = newDatabase();
    Map<String, Long> before = counts(db);
    auth0.addUsers(1300, "Username-Password-Authentication", Instant.parse("2025-05-01T00:00:00Z"),
        Duration.ofSeconds(30));
    apply("reset", db, null, "1");

    UserDataPurgeStatus plan = awaitStatus("reset", s -> s.getPhase() == Phase.AwaitingConfirmation);
    assertThat(plan.getAuth0().getBefore()).isEqualTo(1300L);
    assertThat(plan.getAuth0().getAfter()).isEqualTo(1300L);
    assertThat(plan.getMessage()).contains("and 1300 Auth0 users of " + DOMAIN + " would be deleted");
    assertThat(auth0.userCount()).as("a plan deletes nothing").isEqualTo(1300);

    apply("reset", db, db, "1");
    UserDataPurgeStatus done = awaitStatus("reset", s -> s.getPhase().isFinal() && s.getPhase() != Phase.AwaitingConfirmation);

    assertThat(done.getPhase()).as(done.getMessage()).isEqualTo(Phase.Succeeded);
    assertThat(done.getTotals().getBefore()).isEqualTo(sum(before));
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    assertThat(done.getAuth0().getBefore()).isEqualTo(1300L);
    assertThat(done.getAuth0().getDeleted()).isEqualTo(1300L);
    assertThat(done.getAuth0().getAfter()).isZero();
    assertThat(auth0.userCount()).isZero();
    assertThat(kubectl(null, "-n", namespace, "get", "purge", "reset", "-o", "jsonpath={.status.auth0}"))
        .contains("\"after\":0", "\"deleted\":1300");
    assertThat(kubectl(null, "-n", namespace, "get", "purge", "reset", "-o", "yaml")).doesNotContain(SECRET);
  }

  @Test
  void auth0FailureAfterTheCommitIsAuth0IncompleteAndANewRunIdFinishes() {
    String db = newDatabase();
    auth0.addUsers(60, "Username-Password-Authentication", Instant.parse("2025-06-01T00:00:00Z"),
        Duration.ofMinutes(5));
    auth0.failDeletesWith(500);
    apply("partial", db, db, "1");

    UserDataPurgeStatus failed = awaitStatus("partial", s -> s.getPhase() == Phase.Failed);
    assertThat(failed.getReason()).isEqualTo("Auth0Incomplete");
    assertThat(failed.getMessage()).contains("was purged and committed", "60 users remain", "Change spec.runId");
    assertThat(failed.getTotals().getAfter()).isZero();
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    assertThat(failed.getAuth0().getAfter()).isEqualTo(60L);
    assertThat(failed.getAuth0().getMessage()).contains("500");

    auth0.failDeletesWith(0);
    apply("partial", db, db, "2");
    UserDataPurgeStatus rerun = awaitStatus("partial", s -> s.getPhase() == Phase.Succeeded);
    assertThat(rerun.getTotals().getBefore()).as("the database was already empty").isZero();
    assertThat(rerun.getAuth0().getDeleted()).isEqualTo(60L);
    assertThat(rerun.getAuth0().getAfter()).isZero();
  }

  UserDataPurgeStatus awaitStatus(String name, Predicate<UserDataPurgeStatus> done) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).until(() -> {
      UserDataPurge r = client.resources(UserDataPurge.class).inNamespace(namespace).withName(name).get();
      return r == null || r.getStatus() == null
          || !Objects.equals(r.getStatus().getObservedGeneration(), r.getMetadata().getGeneration())
          ? null : r.getStatus();
    }, s -> s != null && s.getPhase() != null && done.test(s));
  }
}
