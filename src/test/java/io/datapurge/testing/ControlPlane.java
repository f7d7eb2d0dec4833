package io.datapurge.testing;

import io.datapurge.operator.OperatorSerialization;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives {@code *IT} tests a {@link KubernetesClient} (admin) for the local cluster: a real
 * kube-apiserver with etcd, kube-controller-manager, kube-scheduler and one node, a kubelet on
 * containerd running the project's image (see hack/cluster.sh and hack/image.sh).
 *
 * <p>Uses the kubeconfig named by env {@code KUBECONFIG}; when it is unset, runs {@code
 * hack/cluster.sh up} once per JVM (it builds the plane on first use and leaves it running for the
 * next run; stop it with {@code hack/cluster.sh down}). Because tests create and delete objects, a
 * kubeconfig whose server is not on this machine is refused unless {@code
 * ITS_ALLOW_REMOTE_CLUSTER=true}.
 *
 * <pre>
 * &#64;ExtendWith(ControlPlane.class)
 * class SomethingIT {
 *   &#64;Test void works(KubernetesClient client) { ... }
 * }
 * </pre>
 */
public final class ControlPlane implements ParameterResolver {

  /** The kubelet's node; the scheduler binds every pod to it. */
  public static final String NODE = "local-node";

  private static String image;

  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(ControlPlane.class);
  private static Path kubeconfig;

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // One client for the whole run; JUnit closes it (it is AutoCloseable) when the run ends.
    return context
        .getRoot()
        .getStore(STORE)
        .getOrComputeIfAbsent(KubernetesClient.class, key -> adminClient(), KubernetesClient.class);
  }

  /** The admin kubeconfig of the plane, starting the plane if {@code KUBECONFIG} is unset. */
  public static synchronized Path kubeconfig() {
    if (kubeconfig == null) {
      String env = System.getenv("KUBECONFIG");
      kubeconfig =
          env == null || env.isBlank()
              ? startLocalPlane()
              : Path.of(env.split(java.io.File.pathSeparator)[0]).toAbsolutePath();
    }
    return kubeconfig;
  }

  /**
   * The admin kubeconfig for a test that drives {@code kubectl}, after the same checks as {@link
   * #adminClient()}: it fails, never skips, when no plane can be had, naming the fix.
   */
  public static Path kubeconfigFor(Class<?> test) {
    try (KubernetesClient client = adminClient()) {
      client.getKubernetesVersion(); // reachable and answering, not just configured
      return kubeconfig();
    } catch (RuntimeException e) {
      throw new IllegalStateException(test.getSimpleName() + " needs a kube-apiserver on this machine: export"
          + " KUBECONFIG=<repo>/target/cluster/admin.kubeconfig of a running plane (hack/cluster.sh up), or leave"
          + " KUBECONFIG unset so the test starts hack/cluster.sh up itself. (" + rootCause(e) + ")", e);
    }
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) t = t.getCause();
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t;
  }

  /** A new admin client (system:masters); the caller closes it. */
  public static KubernetesClient adminClient() {
    Path path = kubeconfig();
    Config config;
    try {
      config = Config.fromKubeconfig(Files.readString(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + path, e);
    }
    String host = URI.create(config.getMasterUrl()).getHost();
    if (!isThisMachine(host) && !"true".equals(System.getenv("ITS_ALLOW_REMOTE_CLUSTER"))) {
      throw new IllegalStateException(
          "KUBECONFIG "
              + path
              + " points at "
              + config.getMasterUrl()
              + ", not at a plane on this machine, and the tests create and delete objects there."
              + " Unset KUBECONFIG to let the tests start hack/cluster.sh, or set"
              + " ITS_ALLOW_REMOTE_CLUSTER=true if that cluster is meant for tests.");
    }
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * ServiceAccount {@code account} in {@code namespace} with exactly the operator's RBAC as deploy/
   * ships it: deploy/clusterrole.yaml as ClusterRole {@code clusterRoleName} and deploy/role.yaml, each
   * bound to the account.
   */
  public static void grantDeployRbac(KubernetesClient client, String namespace, String account, String clusterRoleName) {
    try {
      client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
          .withNewMetadata().withName(account).endMetadata().build()).create();
      ClusterRole clusterRole = client.rbac().clusterRoles().load(Files.newInputStream(Path.of("deploy/clusterrole.yaml"))).item();
      clusterRole.setMetadata(new ObjectMetaBuilder().withName(clusterRoleName).build());
      client.resource(clusterRole).create();
      client.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(clusterRoleName).endMetadata()
          .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRoleName)
          .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject()
          .build()).create();
      Role role = client.rbac().roles().load(Files.newInputStream(Path.of("deploy/role.yaml"))).item();
      role.setMetadata(new ObjectMetaBuilder().withName(account).withNamespace(namespace).build());
      client.resource(role).create();
      client.resource(new RoleBindingBuilder().withNewMetadata().withName(account).withNamespace(namespace)
          .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", account)
          .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject()
          .build()).create();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A new client that authenticates as a ServiceAccount with a bound token from the TokenRequest
   * API (valid one hour), so it has exactly the RBAC of that ServiceAccount; the caller closes it.
   */
  public static KubernetesClient serviceAccountClient(
      KubernetesClient admin, String namespace, String serviceAccount) {
    Config adminConfig = admin.getConfiguration();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(adminConfig.getMasterUrl())
            .withCaCertData(adminConfig.getCaCertData())
            .withCaCertFile(adminConfig.getCaCertFile())
            .withOauthToken(serviceAccountToken(admin, namespace, serviceAccount))
            .withNamespace(namespace)
            .build();
    // The operator's own serialization, as OperatorCommand builds its client.
    return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(new OperatorSerialization()).build();
  }

  /**
   * Writes a kubeconfig that authenticates as a ServiceAccount (token valid one hour), for
   * processes such as {@code java -jar user-data-purge.jar operator} or kubectl that should run
   * with that ServiceAccount's RBAC. Requires the admin client of this plane (CA data inline).
   */
  public static Path writeServiceAccountKubeconfig(
      KubernetesClient admin, String namespace, String serviceAccount, Path file) {
    String kubeconfig =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: local-plane",
            "  cluster:",
            "    server: " + admin.getConfiguration().getMasterUrl(),
            "    certificate-authority-data: " + admin.getConfiguration().getCaCertData(),
            "users:",
            "- name: " + serviceAccount,
            "  user:",
            "    token: " + serviceAccountToken(admin, namespace, serviceAccount),
            "contexts:",
            "- name: " + serviceAccount,
            "  context: {cluster: local-plane, user: " + serviceAccount + ", namespace: " + namespace + "}",
            "current-context: " + serviceAccount,
            "");
    try {
      return Files.writeString(file, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static String serviceAccountToken(KubernetesClient admin, String namespace, String serviceAccount) {
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  /**
   * Creates a namespace named {@code prefix-xxxxx} and waits until its {@code default}
   * ServiceAccount exists (until then the API server refuses Pods there, as in any cluster).
   */
  public static String createNamespace(KubernetesClient client, String prefix) {
    String name =
        client
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withGenerateName(prefix + "-").endMetadata().build())
            .create()
            .getMetadata()
            .getName();
    client
        .serviceAccounts()
        .inNamespace(name)
        .withName("default")
        .waitUntilCondition(Objects::nonNull, 60, TimeUnit.SECONDS);
    return name;
  }

  /**
   * The image the purge pods run: env {@code PURGE_TEST_IMAGE} (hack/test.sh sets it), else the
   * reference {@code hack/image.sh} prints after building it from the Dockerfile and loading it
   * into the node.
   */
  public static synchronized String image() {
    if (image == null) {
      String env = System.getenv("PURGE_TEST_IMAGE");
      image = env == null || env.isBlank() ? lastLineOf("hack/image.sh") : env;
    }
    return image;
  }

  /** The container's log as {@code kubectl logs} serves it (through the kubelet); empty if none yet. */
  public static String containerLog(KubernetesClient client, Pod pod) {
    try {
      String log = client.pods().resource(pod).getLog();
      return log == null ? "" : log;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      return "";
    }
  }

  /**
   * The host process of the pod's (first) container: its cgroup is named after the container ID
   * that the kubelet reports in the pod's status (waited for: the kubelet reports a started
   * container a moment after it runs). Killing it is what an OOM kill or a crash does.
   */
  public static ProcessHandle containerProcess(KubernetesClient client, Pod pod) {
    Pod running = client.pods().resource(pod).waitUntilCondition(
        p -> p != null && !p.getStatus().getContainerStatuses().isEmpty()
            && p.getStatus().getContainerStatuses().get(0).getState().getRunning() != null,
        30, TimeUnit.SECONDS);
    String id = running.getStatus().getContainerStatuses().get(0).getContainerID();
    String container = id.substring(id.indexOf("://") + 3);
    return ProcessHandle.allProcesses()
        .filter(p -> {
          try {
            return Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cgroup")).contains(container);
          } catch (IOException e) {
            return false;
          }
        })
        .min(java.util.Comparator.comparingLong(ProcessHandle::pid))
        .orElseThrow(() -> new AssertionError("no process of container " + container + " runs"));
  }

  /** An address of one of this machine's interfaces (loopback, or the cluster's bridge). */
  static boolean isThisMachine(String host) {
    try {
      java.net.InetAddress address = java.net.InetAddress.getByName(host.replaceAll("^\\[|\\]$", ""));
      return address.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(address) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path startLocalPlane() {
    return Path.of(lastLineOf("hack/cluster.sh", "up"));
  }

  /** Runs a script of the repository and returns the last line it printed. */
  private static String lastLineOf(String scriptPath, String... args) {
    Path script = repositoryRoot().resolve(scriptPath);
    List<String> out = new ArrayList<>();
    try {
      List<String> command = new ArrayList<>(List.of(script.toString()));
      command.addAll(List.of(args));
      // Progress (a first build takes minutes) goes to the test output; the result is the last line.
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        reader
            .lines()
            .filter(line -> !line.isBlank())
            .forEach(
                line -> {
                  System.err.println(line);
                  out.add(line);
                });
      }
      int exit = process.waitFor();
      if (exit != 0 || out.isEmpty()) {
        throw new IllegalStateException(
            script + " " + String.join(" ", args) + " failed (exit " + exit + "): " + String.join("\n", out.subList(Math.max(0, out.size() - 20), out.size())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + script, e);
    }
    return out.get(out.size() - 1);
  }

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("hack/cluster.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "hack/cluster.sh not found above " + Path.of("").toAbsolutePath() + "; run the tests from the repository");
  }
}
