package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Strategy;
import io.datapurge.api.UserDataPurge;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import org.junit.jupiter.api.Test;

class PurgeJobTest {

  @Test
  void confirmedResourceGetsAPurgeJobWithEveryFlagOfTheContract() {
    UserDataPurge resource = Resources.purge("reset-staging", "pyfactor", "pyfactor");
    resource.getSpec().setKeep(List.of("auth_group"));
    resource.getSpec().setStrategy(Strategy.Truncate);
    Container c = container(PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS));

    assertThat(c.getArgs()).containsExactly("purge",
        "--url", "jdbc:postgresql://postgres.staging.svc:5432/pyfactor?sslmode=require",
        "--table", "auth_user", "--table", "custom_auth_tenant",
        "--keep", "auth_group",
        "--strategy", "truncate",
        "--confirm", "pyfactor",
        "--protected-pattern", "(?i).*prod.*",
        "--run-id", "8d1f2c3e-0000-4000-8000-00000000abcd/1",
        "--run-ledger", "datapurge_runs",
        "--result-file", "/dev/termination-log");
    assertThat(c.getImage()).isEqualTo("datapurge/user-data-purge-operator:0.1.0");
    assertThat(c.getCommand()).isNullOrEmpty();
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("File");
    assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
  }

  @Test
  void perRowKeyChecksBecomeTheFlagAndBatchTheCommandsDefault() {
    UserDataPurge resource = Resources.purge("reset-staging", "pyfactor", "pyfactor");
    assertThat(container(PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS)).getArgs())
        .doesNotContain("--fk-checks");

    resource.getSpec().setForeignKeyChecks(io.datapurge.api.ForeignKeyChecks.PerRow);

    assertThat(container(PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS)).getArgs())
        .containsSubsequence("--strategy", "delete", "--fk-checks", "per-row", "--confirm");
  }

  @Test
  void unconfirmedResourceGetsADryRunWithoutConfirm() {
    UserDataPurge resource = Resources.purge("reset-staging", "pyfactor", null);
    resource.getSpec().setIncludeDependents(false);
    List<String> args = container(PurgeJob.desired(resource, RunMode.Plan, Resources.SETTINGS)).getArgs();
    assertThat(args).contains("--dry-run", "--no-dependents").doesNotContain("--confirm");
  }

  @Test
  void specWhereAndTheAuth0MappingColumnBecomeTheCommandsFlags() {
    UserDataPurge resource = Resources.purge("erase", "pyfactor", "pyfactor");
    resource.getSpec().setWhere(new java.util.LinkedHashMap<>(java.util.Map.of("auth_user", "id = 4711")));
    io.datapurge.api.Auth0Spec auth0 = new io.datapurge.api.Auth0Spec();
    auth0.setDomain("staging.eu.auth0.com");
    auth0.setUserIdColumn("auth0_user_id");
    io.datapurge.api.Auth0CredentialsSecret secret = new io.datapurge.api.Auth0CredentialsSecret();
    secret.setName("auth0");
    auth0.setCredentialsSecret(secret);
    resource.getSpec().setAuth0(auth0);

    List<String> args = container(PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS)).getArgs();

    assertThat(String.join(" ", args)).contains("--where auth_user=id = 4711")
        .contains("--auth0-user-id-column auth0_user_id").doesNotContain("--auth0-email-column");
  }

  @Test
  void credentialsComeOnlyFromTheSecretByReference() {
    Container c = container(PurgeJob.desired(Resources.purge("r", "app", "app"), RunMode.Purge, Resources.SETTINGS));
    assertThat(c.getEnv()).extracting(EnvVar::getName).containsExactly("PGUSER", "PGPASSWORD");
    assertThat(c.getEnv()).allSatisfy(e -> {
      assertThat(e.getValue()).isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("pg-purge");
    });
    assertThat(c.getEnv().get(1).getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
    assertThat(String.join(" ", c.getArgs())).doesNotContain("password");
  }

  @Test
  void jobRunsOnceUnderTheRestrictedProfileAndIsOwnedByTheResource() {
    UserDataPurge resource = Resources.purge("reset-staging", "pyfactor", "pyfactor");
    Job job = PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS);

    assertThat(job.getMetadata().getName()).isEqualTo(JobNames.of(resource, RunMode.Purge));
    assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("UserDataPurge");
      assertThat(o.getApiVersion()).isEqualTo("datapurge.io/v1alpha1");
      assertThat(o.getUid()).isEqualTo(resource.getMetadata().getUid());
      assertThat(o.getController()).isTrue();
    });
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(1800L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(86400);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getRunAsUser()).isPositive();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry(PurgeJob.MANAGED_BY, PurgeJob.MANAGED_BY_VALUE);
    assertThat(job.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(PurgeJob.RESOURCE_ANNOTATION, "reset-staging");
  }

  @Test
  void jobRunsAsTheImagesNumericUser() throws Exception {
    String user = java.nio.file.Files.readAllLines(java.nio.file.Path.of("Dockerfile")).stream()
        .filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow().substring(5).trim();
    var pod = PurgeJob.desired(Resources.purge("r", "app", null), RunMode.Plan, Resources.SETTINGS)
        .getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsUser() + ":" + pod.getSecurityContext().getRunAsGroup())
        .isEqualTo(user);
  }

  @Test
  void caSecretIsMountedReadOnlyAndNamedAsTheRootCertificate() {
    UserDataPurge resource = Resources.purge("r", "app", "app");
    resource.getSpec().getDatabase().setCaSecret(new io.datapurge.api.CaSecret("pg-ca"));
    resource.getSpec().getDatabase().getCaSecret().setKey("root.pem");
    Job job = PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS);
    PodSpec pod = job.getSpec().getTemplate().getSpec();

    assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null).singleElement().satisfies(v -> {
      assertThat(v.getSecret().getSecretName()).isEqualTo("pg-ca");
      assertThat(v.getSecret().getItems()).singleElement()
          .satisfies(i -> assertThat(i.getKey() + "->" + i.getPath()).isEqualTo("root.pem->ca.crt"));
    });
    assertThat(container(job).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/etc/datapurge/ca");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(container(job).getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
        .contains(org.assertj.core.groups.Tuple.tuple("PGSSLROOTCERT", "/etc/datapurge/ca/ca.crt"));
    assertThat(PurgeJob.desired(Resources.purge("r", "app", "app"), RunMode.Purge, Resources.SETTINGS)
        .getSpec().getTemplate().getSpec().getVolumes()).noneMatch(v -> v.getSecret() != null);
  }

  private static Container container(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }
}
