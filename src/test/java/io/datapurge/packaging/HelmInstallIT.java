package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.datapurge.api.Phase;
import io.datapurge.api.TableStatus;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.Kubectl;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeResources;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator as a user installs it: {@code helm install} of the chart (the real Helm, through
 * helm-java) with the image built from the Dockerfile, the operator's Deployment Available on the
 * kubelet's node, talking to the API server through the {@code kubernetes} Service (kube-proxy),
 * and a {@code kubectl apply}'d purge ending Succeeded with its counts.
 */
@ExtendWith(ControlPlane.class)
class HelmInstallIT {

  @Test
  void helmInstalledOperatorPurgesAKubectlAppliedResource(KubernetesClient client) throws Exception {
    String release = "helm-e2e";
    String system = ControlPlane.createNamespace(client, "helm-e2e-system");
    // As docs/install.md says: the release namespace enforces restricted Pod Security (the chart
    // refuses one that does not), labelled like deploy/namespace.yaml.
    java.util.Map<String, String> restricted = restrictedLabels();
    client.namespaces().withName(system).edit(ns -> {
      ns.getMetadata().getLabels().putAll(restricted);
      return ns;
    });
    String apps = ControlPlane.createNamespace(client, "helm-e2e-apps");
    String image = ControlPlane.image();
    String db = PostgresServer.createDatabase("helm", "schemas/django.sql");
    PostgresServer.run(db, "select seed_django(50)");
    long users = PostgresServer.queryLong(db, "select count(*) from auth_user");
    // The CRD as the other tests apply it (Helm skips a CRD that exists). --force-conflicts because
    // the plane is shared: another branch may have applied a different CRD; the unchanged file no
    // longer conflicts with Helm's or a client-side apply's field manager (CrdApplyIT).
    Kubectl.applyCrds();
    try {
      Helm.install(RenderedChart.CHART.toAbsolutePath().toString())
          .withKubeConfig(ControlPlane.kubeconfig())
          .withName(release)
          .withNamespace(system)
          .set("image.repository", image.substring(0, image.lastIndexOf(':')))
          .set("image.tag", image.substring(image.lastIndexOf(':') + 1))
          .set("watchNamespaces[0]", apps)
          .set("logFormat", "plain")
          .waitReady()
          .withTimeout(180)
          .call();

      Deployment deployment = client.apps().deployments().inNamespace(system).list().getItems().get(0);
      assertThat(deployment.getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Available=True"));
      Pod operator = client.pods().inNamespace(system).list().getItems().get(0);
      assertThat(operator.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
      assertThat(operator.getStatus().getContainerStatuses().get(0).getImageID()).isNotBlank();

      client.secrets().inNamespace(apps).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
          .withNewMetadata().withName("pg-purge").endMetadata()
          .addToStringData("username", PostgresServer.user()).addToStringData("password", PostgresServer.password())
          .build()).create();
      Kubectl.ok("""
          apiVersion: datapurge.io/v1alpha1
          kind: UserDataPurge
          metadata: {name: reset, namespace: %s}
          spec:
            database: {host: %s, port: %s, name: %s, credentialsSecret: {name: pg-purge}}
            tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]
            confirm: %s
          """.formatted(apps, PostgresServer.host(), PostgresServer.port(), db, db), "apply", "-f", "-");

      UserDataPurgeStatus status = new PurgeResources(client, apps, Duration.ofSeconds(180))
          .awaitPhase("reset", Phase.Succeeded);
      assertThat(status.getTables()).filteredOn(t -> t.getTable().equals("public.auth_user"))
          .extracting(TableStatus::getBefore, TableStatus::getAfter).containsExactly(org.assertj.core.groups.Tuple.tuple(users, 0L));
      assertThat(status.getTotals().getAfter()).isZero();
      assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).isZero();
      Pod purge = client.pods().inNamespace(apps).withLabel("job-name", status.getJobName()).list().getItems().get(0);
      assertThat(purge.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
      assertThat(purge.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isZero();
      assertThat(purge.getSpec().getContainers().get(0).getImage()).isEqualTo(image);
    } finally {
      Helm.uninstall(release).withKubeConfig(ControlPlane.kubeconfig()).withNamespace(system).call();
      client.namespaces().withName(apps).delete();
      client.namespaces().withName(system).delete();
      PostgresServer.dropDatabase(db);
    }
  }

  static java.util.Map<String, String> restrictedLabels() throws IOException {
    return DeployManifestsTest.read(java.nio.file.Path.of("deploy", "namespace.yaml"),
        io.fabric8.kubernetes.api.model.Namespace.class).getMetadata().getLabels();
  }
}
