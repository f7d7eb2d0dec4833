package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.ControlPlane;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The RBAC the chart renders, applied to a real kube-apiserver (the local plane: KUBECONFIG, or
 * hack/cluster.sh up started on demand, as for every cluster IT; no plane is a failure) and asked, as the operator's ServiceAccount, every request the operator
 * makes: {@code kubectl auth can-i} goes through the server's RBAC authorizer.
 */
class RenderedChartRbacIT {

  static final List<String[]> OPERATOR_REQUESTS = List.of(
      new String[] {"get", "userdatapurges.datapurge.io"},
      new String[] {"list", "userdatapurges.datapurge.io"},
      new String[] {"watch", "userdatapurges.datapurge.io"},
      new String[] {"patch", "userdatapurges.datapurge.io"},
      new String[] {"patch", "userdatapurges.datapurge.io", "status"},
      new String[] {"update", "userdatapurges.datapurge.io", "finalizers"},
      // A schedule creates its runs and deletes them (history limits, Replace).
      new String[] {"create", "userdatapurges.datapurge.io"},
      new String[] {"delete", "userdatapurges.datapurge.io"},
      new String[] {"watch", "userdatapurgeschedules.datapurge.io"},
      new String[] {"patch", "userdatapurgeschedules.datapurge.io", "status"},
      new String[] {"update", "userdatapurgeschedules.datapurge.io", "finalizers"},
      new String[] {"create", "jobs.batch"},
      new String[] {"get", "jobs.batch"},
      new String[] {"list", "jobs.batch"},
      new String[] {"watch", "jobs.batch"},
      new String[] {"delete", "jobs.batch"},
      new String[] {"get", "pods"},
      new String[] {"list", "pods"},
      new String[] {"watch", "pods"},
      new String[] {"create", "events"},
      new String[] {"list", "events"},
      new String[] {"watch", "events"});

  static final List<String[]> NEVER = List.of(
      new String[] {"get", "secrets"}, new String[] {"list", "secrets"}, new String[] {"watch", "secrets"},
      new String[] {"get", "configmaps"}, new String[] {"create", "pods"}, new String[] {"create", "pods", "exec"},
      new String[] {"delete", "userdatapurgeschedules.datapurge.io"}, new String[] {"create", "userdatapurgeschedules.datapurge.io"},
      new String[] {"update", "customresourcedefinitions.apiextensions.k8s.io"});

  /** The plane's admin kubeconfig, for every kubectl this test runs. */
  static Path kubeconfig;

  @BeforeAll
  static void clusterWithTheCrd() throws Exception {
    kubeconfig = ControlPlane.kubeconfigFor(RenderedChartRbacIT.class);
    for (Path crd : RenderedChart.crdFiles()) {
      kubectl("apply", "--server-side", "-f", crd.toString());
    }
  }

  @Test
  void defaultInstallLetsTheOperatorWorkInEveryNamespaceAndReadNoSecret() throws Exception {
    String release = "rbac-all";
    String namespace = release + "-system";
    Path file = apply(release, namespace, Map.of("replicaCount", 2));
    try {
      String sa = serviceAccount(release, namespace);
      for (String ns : List.of("staging", "preview")) {
        for (String[] request : OPERATOR_REQUESTS) {
          assertThat(canI(sa, ns, request)).as("%s may %s in %s", sa, String.join(" ", request), ns).isTrue();
        }
        for (String[] request : NEVER) {
          assertThat(canI(sa, ns, request)).as("%s may not %s in %s", sa, String.join(" ", request), ns).isFalse();
        }
      }
      assertThat(canI(sa, null, new String[] {"watch", "userdatapurges.datapurge.io"})).as("watch in all namespaces").isTrue();
      assertThat(canI(sa, null, new String[] {"list", "secrets"})).as("list secrets cluster-wide").isFalse();
      for (String verb : List.of("get", "create", "update", "patch")) {
        assertThat(canI(sa, namespace, new String[] {verb, "leases.coordination.k8s.io"})).isTrue();
        assertThat(canI(sa, "staging", new String[] {verb, "leases.coordination.k8s.io"})).isFalse();
      }
    } finally {
      kubectl("delete", "--ignore-not-found", "-f", file.toString());
    }
  }

  @Test
  void namespacedInstallGrantsOnlyTheListedNamespaces() throws Exception {
    String release = "rbac-ns";
    String namespace = release + "-system";
    String watched = release + "-staging";
    ensureNamespace(watched);
    Path file = apply(release, namespace, Map.of("watchNamespaces", List.of(watched)));
    try {
      String sa = serviceAccount(release, namespace);
      for (String[] request : OPERATOR_REQUESTS) {
        assertThat(canI(sa, watched, request)).as("%s may %s in %s", sa, String.join(" ", request), watched).isTrue();
        assertThat(canI(sa, "default", request)).as("%s may not %s in default", sa, String.join(" ", request)).isFalse();
      }
      for (String[] request : NEVER) {
        assertThat(canI(sa, watched, request)).as("%s may not %s", sa, String.join(" ", request)).isFalse();
      }
      assertThat(canI(sa, null, new String[] {"list", "userdatapurges.datapurge.io"})).as("list cluster-wide").isFalse();
    } finally {
      kubectl("delete", "--ignore-not-found", "-f", file.toString());
    }
  }

  private static Path apply(String release, String namespace, Map<String, ?> values) throws Exception {
    ensureNamespace(namespace);
    // Without the Deployment: no operator of this release may start on a shared test cluster.
    Path file = RenderedChart.render(release, namespace, values)
        .writeTo(Path.of("target", "rbac-it", release + ".yaml"), o -> !(o instanceof Deployment));
    kubectl("apply", "--server-side", "-f", file.toString());
    return file;
  }

  private static String serviceAccount(String release, String namespace) {
    return "system:serviceaccount:" + namespace + ":" + release + "-user-data-purge-operator";
  }

  private static void ensureNamespace(String name) throws Exception {
    Process p = kubectlProcess(List.of("kubectl", "get", "namespace", name));
    p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      kubectl("create", "namespace", name);
    }
  }

  /** {@code kubectl auth can-i VERB RESOURCE [--subresource S] --as SA} in a namespace, or all when null. */
  private static boolean canI(String sa, String namespace, String[] request) throws Exception {
    List<String> command = new ArrayList<>(List.of("kubectl", "auth", "can-i", request[0], request[1], "--as", sa));
    if (request.length > 2) {
      command.add("--subresource=" + request[2]);
    }
    command.addAll(namespace == null ? List.of("--all-namespaces") : List.of("-n", namespace));
    Process p = kubectlProcess(command);
    String output = new String(p.getInputStream().readAllBytes()).strip();
    String out = output.substring(output.lastIndexOf('\n') + 1); // after any "not namespace scoped" warning
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("%s", command).isIn("yes", "no");
    return out.equals("yes");
  }

  private static Process kubectlProcess(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return builder.start();
  }

  private static void kubectl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    Process p = kubectlProcess(command);
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
  }
}
