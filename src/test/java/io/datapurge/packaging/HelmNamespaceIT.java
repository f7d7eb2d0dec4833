package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.HelmCli;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where the Helm path puts the operator (the real Helm through helm-java, and the Helm 3 and 4 CLIs
 * of hack/helm/build.sh, on the local plane): never
 * in a namespace that does not enforce the restricted Pod Security Standard, which docs/security.md
 * promises for the install namespace. Releases install {@code replicaCount=0} and watch only their
 * own namespace, so no operator runs and nothing cluster-wide is granted.
 */
@ExtendWith(ControlPlane.class)
class HelmNamespaceIT {

  @Test
  void installWithCreateNamespaceIsRefusedWithTheFixAndLeavesNoNamespace(KubernetesClient client) {
    String ns = "helm-pss-new-" + suffix();
    try {
      assertThatThrownBy(() -> install("pss-new", ns).createNamespace().call())
          .hasMessageContaining("namespace " + ns + " does not exist yet")
          .hasMessageContaining("kubectl apply -f deploy/namespace.yaml")
          .hasMessageContaining("pod-security.kubernetes.io/enforce=restricted");

      assertThat(client.namespaces().withName(ns).get()).isNull();
    } finally {
      client.namespaces().withName(ns).delete();
    }
  }

  @ParameterizedTest(name = "Helm {0} CLI")
  @ValueSource(ints = {3, 4})
  void theHelmClisRefuseCreateNamespaceToo(int major, KubernetesClient client) {
    String ns = "helm" + major + "-pss-new-" + suffix();
    try {
      HelmCli.Result install = HelmCli.major(major).run("install", "pss-cli", RenderedChart.CHART.toAbsolutePath().toString(),
          "-n", ns, "--create-namespace", "--skip-crds", "--set", "replicaCount=0", "--set", "watchNamespaces={" + ns + "}");

      assertThat(install.ok()).as(install.output()).isFalse();
      assertThat(install.output()).contains("namespace " + ns + " does not exist yet", "kubectl apply -f deploy/namespace.yaml");
      assertThat(client.namespaces().withName(ns).get()).isNull();
    } finally {
      client.namespaces().withName(ns).delete();
    }
  }

  @Test
  void installIntoANamespaceWithoutTheLabelsIsRefused(KubernetesClient client) {
    String ns = ControlPlane.createNamespace(client, "helm-pss-plain");
    try {
      assertThatThrownBy(() -> install("pss-plain", ns).call())
          .hasMessageContaining("namespace " + ns + " does not enforce the restricted Pod Security Standard");
    } finally {
      client.namespaces().withName(ns).delete();
    }
  }

  @Test
  void installIntoANamespaceLabelledLikeDeployNamespaceYamlSucceeds(KubernetesClient client) throws Exception {
    Namespace deployed = DeployManifestsTest.read(Path.of("deploy", "namespace.yaml"), Namespace.class);
    String ns = "helm-pss-restricted-" + suffix();
    client.resource(new NamespaceBuilder().withNewMetadata().withName(ns)
        .withLabels(deployed.getMetadata().getLabels()).endMetadata().build()).create();
    try {
      Release release = install("pss-restricted", ns).call();

      assertThat(release.getStatus()).isEqualTo("deployed");
      assertThat(client.apps().deployments().inNamespace(ns).list().getItems()).hasSize(1);
    } finally {
      Helm.uninstall("pss-restricted").withKubeConfig(ControlPlane.kubeconfig()).withNamespace(ns).call();
      client.namespaces().withName(ns).delete();
      client.namespaces().withName(ns).waitUntilCondition(n -> n == null, 60, TimeUnit.SECONDS);
    }
  }

  private static com.marcnuri.helm.InstallCommand install(String release, String ns) {
    return Helm.install(RenderedChart.CHART.toAbsolutePath().toString())
        .withKubeConfig(ControlPlane.kubeconfig())
        .withName(release)
        .withNamespace(ns)
        .set("replicaCount", 0)
        .set("watchNamespaces[0]", ns);
  }

  private static String suffix() {
    return Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
  }
}
