package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.ControlPlane;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator Pods of deploy/ and of the chart, submitted (server-side dry run) to a real
 * kube-apiserver into a namespace labelled like deploy/namespace.yaml: Pod Security admission
 * enforces "restricted" there and would refuse, or warn about, any field that breaks it.
 */
class PodSecurityIT {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final String NAMESPACE = "pod-security-it";

  /** The plane's admin kubeconfig, for every kubectl this test runs. */
  static Path kubeconfig;

  @BeforeAll
  static void restrictedNamespace() throws Exception {
    kubeconfig = ControlPlane.kubeconfigFor(PodSecurityIT.class);
    Namespace deployed = DeployManifestsTest.read(Path.of("deploy", "namespace.yaml"), Namespace.class);
    Namespace ns = new NamespaceBuilder().withNewMetadata().withName(NAMESPACE)
        .withLabels(deployed.getMetadata().getLabels()).endMetadata().build();
    assertThat(ns.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    kubectl(SERIALIZATION.asYaml(ns), "apply", "-f", "-");
    // The ServiceAccount admission plugin wants the Pod's account to exist.
    kubectl(SERIALIZATION.asYaml(new ServiceAccountBuilder().withNewMetadata()
        .withName("user-data-purge-operator").withNamespace(NAMESPACE).endMetadata().build()), "apply", "-f", "-");
  }

  @AfterAll
  static void removeNamespace() throws Exception {
    if (kubeconfig != null) {
      kubectl("", "delete", "namespace", NAMESPACE, "--ignore-not-found", "--timeout=60s");
    }
  }

  @Test
  void deployManifestsOperatorPodIsAdmittedAsRestricted() throws Exception {
    Deployment d = SERIALIZATION.unmarshal(Files.readString(Path.of("deploy", "deployment.yaml")), Deployment.class);

    assertThat(submit(d)).isEmpty();
  }

  @Test
  void chartOperatorPodIsAdmittedAsRestricted() throws Exception {
    for (Map<String, ?> values : List.<Map<String, ?>>of(Map.of(), Map.of("replicaCount", 2))) {
      assertThat(submit(RenderedChart.render(values).one(Deployment.class))).as("values %s", values).isEmpty();
    }
  }

  @Test
  void aPodThatBreaksTheRestrictedProfileIsRefusedThere() throws Exception {
    Deployment d = RenderedChart.render(Map.of("securityContext", Map.of("allowPrivilegeEscalation", true)))
        .one(Deployment.class);

    assertThat(kubectlResult(SERIALIZATION.asYaml(pod(d)), "apply", "--dry-run=server", "-f", "-"))
        .contains("violates PodSecurity \"restricted");
  }

  /** Server-side dry run of the Deployment's Pod; returns the warnings kubectl printed. */
  private static String submit(Deployment d) throws Exception {
    return kubectl(SERIALIZATION.asYaml(pod(d)), "apply", "--dry-run=server", "-f", "-");
  }

  private static Pod pod(Deployment d) {
    return new PodBuilder().withNewMetadata().withName("operator").withNamespace(NAMESPACE).endMetadata()
        .withSpec(d.getSpec().getTemplate().getSpec()).build();
  }

  /** Runs kubectl with {@code stdin}; fails unless it succeeds; returns stderr (warnings). */
  private static String kubectl(String stdin, String... args) throws Exception {
    Process p = start(stdin, args);
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl %s: %s%s", String.join(" ", args), out, err).isZero();
    return err.strip();
  }

  /** Runs kubectl, expecting it to fail; returns what it printed. */
  private static String kubectlResult(String stdin, String... args) throws Exception {
    Process p = start(stdin, args);
    String out = new String(p.getInputStream().readAllBytes()) + new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl %s should fail: %s", String.join(" ", args), out).isNotZero();
    return out;
  }

  private static Process start(String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p = builder.start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes());
    }
    return p;
  }
}
