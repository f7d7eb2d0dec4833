package io.datapurge.operator;

import static io.datapurge.operator.RunStatusTest.job;
import static io.datapurge.operator.RunStatusTest.terminated;
import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Auth0CredentialsSecret;
import io.datapurge.api.Auth0Spec;
import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** spec.auth0 reaches the Job as flags and Secret references, and the Auth0 counts come back into status. */
class Auth0JobAndStatusTest {

  static UserDataPurge withAuth0(String confirm, String connection) {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", confirm);
    Auth0Spec auth0 = new Auth0Spec();
    auth0.setDomain("staging-tenant.eu.auth0.com");
    auth0.setConnection(connection);
    auth0.setCredentialsSecret(new Auth0CredentialsSecret("auth0-purge"));
    resource.getSpec().setAuth0(auth0);
    return resource;
  }

  static Container container(UserDataPurge resource, RunMode mode) {
    return PurgeJob.desired(resource, mode, Resources.SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @Test
  void auth0TenantAndConnectionBecomeFlagsAndTheClientCredentialsSecretReferences() {
    Container c = container(withAuth0("pyfactor", "Username-Password-Authentication"), RunMode.Purge);

    assertThat(c.getArgs()).containsSubsequence("--auth0-domain", "staging-tenant.eu.auth0.com",
        "--auth0-connection", "Username-Password-Authentication", "--auth0-time-limit", "1380s");
    assertThat(c.getEnv()).extracting(EnvVar::getName)
        .containsExactly("PGUSER", "PGPASSWORD", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET");
    assertThat(c.getEnv().subList(2, 4)).allSatisfy(e -> {
      assertThat(e.getValue()).isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("auth0-purge");
    });
    assertThat(c.getEnv().subList(2, 4)).extracting(e -> e.getValueFrom().getSecretKeyRef().getKey())
        .containsExactly("client_id", "client_secret");
  }

  @Test
  void withoutAuth0TheJobHasNoAuth0FlagsOrEnv() {
    Container c = container(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge);
    assertThat(c.getArgs()).noneMatch(a -> a.startsWith("--auth0"));
    assertThat(c.getEnv()).extracting(EnvVar::getName).containsExactly("PGUSER", "PGPASSWORD");
  }

  @Test
  void planCountsAuth0UsersBesideTheTables() {
    String plan = """
        {"database":"pyfactor","strategy":"delete","dryRun":true,"committed":false,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":1200}],
         "totals":{"before":1200,"after":1200},"durationMs":35,
         "auth0":{"domain":"staging-tenant.eu.auth0.com","before":1180,"deleted":0,"alreadyDeleted":0,"after":1180}}""";
    UserDataPurgeStatus status = RunStatus.of(withAuth0(null, null), RunMode.Plan, job("Complete", null),
        List.of(terminated(0, plan)));

    assertThat(status.getPhase()).isEqualTo(Phase.AwaitingConfirmation);
    assertThat(status.getAuth0().getBefore()).isEqualTo(1180L);
    assertThat(status.getAuth0().getAfter()).isEqualTo(1180L);
    assertThat(status.getMessage()).contains("1200 rows in 1 tables and 1180 Auth0 users of staging-tenant.eu.auth0.com"
        + " would be deleted");
  }

  @Test
  void purgeThatCompletedBothSidesSucceedsWithAuth0Counts() {
    String done = """
        {"database":"pyfactor","strategy":"delete","dryRun":false,"committed":true,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":0}],
         "totals":{"before":1200,"after":0},"durationMs":80,
         "auth0":{"domain":"staging-tenant.eu.auth0.com","connection":"Username-Password-Authentication",
                  "before":1180,"deleted":1180,"alreadyDeleted":0,"after":0}}""";
    UserDataPurgeStatus status = RunStatus.of(withAuth0("pyfactor", "Username-Password-Authentication"),
        RunMode.Purge, job("Complete", null), List.of(terminated(0, done)));

    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getAuth0().getConnection()).isEqualTo("Username-Password-Authentication");
    assertThat(status.getAuth0().getDeleted()).isEqualTo(1180L);
    assertThat(status.getAuth0().getAfter()).isZero();
    assertThat(status.getMessage()).endsWith("Auth0 staging-tenant.eu.auth0.com: 1180 users deleted (1180 before, 0 after).");
  }

  @Test
  void auth0FailureAfterTheDatabaseCommitFailsWithAuth0IncompleteAndTheRemainingCount() {
    String partial = """
        {"database":"pyfactor","strategy":"delete","dryRun":false,"committed":true,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":0}],
         "totals":{"before":1200,"after":0},"durationMs":80,
         "error":{"reason":"Auth0Incomplete","message":"Database pyfactor was purged and committed (1200 rows deleted), but 700 users remain in Auth0 tenant staging-tenant.eu.auth0.com after deleting 480: Auth0 answered 500."},
         "auth0":{"domain":"staging-tenant.eu.auth0.com","before":1180,"deleted":480,"alreadyDeleted":0,"after":700,
                  "error":"Auth0 answered 500 when trying to delete user auth0|1 (Internal Server Error: Internal error)."}}""";
    UserDataPurgeStatus status = RunStatus.of(withAuth0("pyfactor", null), RunMode.Purge,
        job("Failed", "BackoffLimitExceeded"), List.of(terminated(7, partial)));

    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo("Auth0Incomplete");
    assertThat(status.getMessage()).contains("purged and committed", "700 users remain", "Change spec.runId");
    assertThat(status.getTotals().getAfter()).as("the database side is shown as done").isZero();
    assertThat(status.getAuth0().getAfter()).isEqualTo(700L);
    assertThat(status.getAuth0().getDeleted()).isEqualTo(480L);
    assertThat(status.getAuth0().getMessage()).contains("500");
  }

  @Test
  void missingAuth0SecretIsNamedWhileThePodWaits() {
    var waiting = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus()
        .addNewContainerStatus().withName("purge").withNewState().withNewWaiting()
        .withReason("CreateContainerConfigError").withMessage("secret \"auth0-purge\" not found")
        .endWaiting().endState().endContainerStatus().endStatus().build();
    UserDataPurgeStatus status = RunStatus.of(withAuth0("pyfactor", null), RunMode.Purge, job(null, null),
        List.of(waiting));

    assertThat(status.getReason()).isEqualTo("SecretNotFound");
    assertThat(status.getMessage()).contains("waiting for Secret auth0-purge with keys client_id and client_secret");
  }
}
