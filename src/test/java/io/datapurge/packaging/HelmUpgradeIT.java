package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.HelmCli;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upgrade and uninstall with the real Helm CLIs (3 and 4, hack/helm/build.sh) on the local plane.
 * Helm 4 applies server-side, so a field the chart left to the server's defaults survives a later
 * upgrade: the Deployment's rollingUpdate did, and turning leader election off (strategy Recreate)
 * failed half-way, leaving RBAC and a Service that no uninstall removed (issue 15, item 2).
 * Releases run {@code replicaCount=0} and watch only their own namespace: no operator runs.
 */
@ExtendWith(ControlPlane.class)
class HelmUpgradeIT {

  @ParameterizedTest(name = "Helm {0}")
  @ValueSource(ints = {3, 4})
  void turningLeaderElectionOffUpgradesToRecreateAndUninstallLeavesNothing(int major, KubernetesClient client)
      throws Exception {
    HelmCli helm = HelmCli.major(major);
    String ns = restrictedNamespace(client, "helm" + major + "-upgrade");
    String release = "up" + major;
    try {
      // --skip-crds: the plane's CRD is shared with other checkouts' tests, and Helm 4 applies
      // crds/ server-side even when the CRD exists (a conflict whenever another checkout's differs).
      HelmCli.Result install = helm.run(args("install", release, ns, "--skip-crds"));
      assertThat(install.ok()).as(install.output()).isTrue();

      HelmCli.Result upgrade = helm.run(args("upgrade", release, ns,
          "--set", "leaderElection.enabled=false", "--set", "metrics.enabled=true"));

      assertThat(upgrade.ok()).as(upgrade.output()).isTrue();
      Deployment d = client.apps().deployments().inNamespace(ns).list().getItems().get(0);
      assertThat(d.getSpec().getStrategy().getType()).isEqualTo("Recreate");
      assertThat(d.getSpec().getStrategy().getRollingUpdate()).isNull();

      HelmCli.Result uninstall = helm.run("uninstall", release, "-n", ns, "--wait");
      assertThat(uninstall.ok()).as(uninstall.output()).isTrue();
      String selector = "app.kubernetes.io/instance=" + release;
      assertThat(client.rbac().roles().inNamespace(ns).withLabel("app.kubernetes.io/instance", release).list().getItems())
          .as("Roles with %s", selector).isEmpty();
      assertThat(client.rbac().roleBindings().inNamespace(ns).withLabel("app.kubernetes.io/instance", release).list().getItems())
          .as("RoleBindings with %s", selector).isEmpty();
      assertThat(client.services().inNamespace(ns).withLabel("app.kubernetes.io/instance", release).list().getItems())
          .as("Services with %s", selector).isEmpty();
      assertThat(client.apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
    } finally {
      helm.run("uninstall", release, "-n", ns, "--ignore-not-found");
      client.namespaces().withName(ns).delete();
      client.namespaces().withName(ns).waitUntilCondition(n -> n == null, 60, TimeUnit.SECONDS);
    }
  }

  private static String[] args(String verb, String release, String ns, String... more) {
    List<String> args = new ArrayList<>(List.of(verb, release, RenderedChart.CHART.toAbsolutePath().toString(),
        "-n", ns, "--set", "replicaCount=0", "--set", "watchNamespaces={" + ns + "}", "--wait", "--timeout", "120s"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static String restrictedNamespace(KubernetesClient client, String prefix) throws Exception {
    Namespace deployed = DeployManifestsTest.read(Path.of("deploy", "namespace.yaml"), Namespace.class);
    String name = prefix + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(deployed.getMetadata().getLabels()).endMetadata().build()).create();
    return name;
  }
}
