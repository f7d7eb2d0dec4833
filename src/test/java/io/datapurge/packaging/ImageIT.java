package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.ControlPlane;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the image built from the Dockerfile prints when the node's runtime runs it. */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageIT {

  final KubernetesClient client;
  String namespace;

  ImageIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void namespace() {
    namespace = ControlPlane.createNamespace(client, "image-it");
  }

  @AfterAll
  void cleanup() {
    client.namespaces().withName(namespace).delete();
  }

  @Test
  void versionIsTheProjectVersion() {
    String version = System.getProperty("project.version");
    assertThat(version).as("failsafe passes project.version").isNotBlank();
    assertThat(run("version", "--version")).isEqualTo("user-data-purge " + version + "\n");
  }

  @Test
  void purgeHelpPrintsNoPicocliWarning() {
    String help = run("purge-help", "purge", "--help");
    assertThat(help).contains("Usage: user-data-purge purge").doesNotContain("[picocli WARN]");
    assertThat(help).containsPattern("80%\\s+of").doesNotContain("%%"); // the escaped % reads as one
  }

  /** Runs the image with these args in a restricted pod on the node; returns its log. */
  private String run(String name, String... args) {
    Pod pod = client.pods().inNamespace(namespace).resource(new PodBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false)
        .withNewSecurityContext().withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer().withName("purge").withImage(ControlPlane.image()).withImagePullPolicy("IfNotPresent")
        .withArgs(List.of(args))
        .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endContainer().endSpec().build()).create();
    Pod done = client.pods().resource(pod).waitUntilCondition(
        p -> p != null && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())),
        120, TimeUnit.SECONDS);
    assertThat(done.getStatus().getPhase()).as("pod " + name).isEqualTo("Succeeded");
    assertThat(done.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
    return ControlPlane.containerLog(client, done);
  }
}
