package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.HelmCli;
import io.datapurge.testing.Kubectl;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRD upgrade docs/install.md documents, {@code kubectl apply --server-side -f crds/…}, on a
 * CRD that another field manager created first (a client-side {@code kubectl apply}, or the real
 * Helm 3 and 4 CLIs installing the chart's crds/). Server-side apply only conflicts where the applied value differs from the stored one,
 * so the committed file must be exactly what the API server stores.
 *
 * <p>The CRD is applied under a group of its own ({@code crd-apply-it.datapurge.io}), so this test
 * never changes the CRD that other tests on the same plane use.
 */
@ExtendWith(ControlPlane.class)
class CrdApplyIT {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final String GROUP = "crd-apply-it.datapurge.io";
  static final String NAME = "crdapplyitpurges." + GROUP;

  @AfterEach
  void removeCrd() throws Exception {
    // 180 s: a CRD deleted moments after its creation can meet its custom resources' storage still
    // initializing; the API server's CRD finalizer then retries with backoff (one CI run: 62 s).
    kubectl("", "delete", "crd", NAME, "--ignore-not-found", "--timeout=180s");
  }

  @Test
  void serverSideApplyOfTheUnchangedFileAfterAClientSideApplyDoesNotConflict() throws Exception {
    String crd = committedCrdUnderTestGroup();
    kubectl(crd, "apply", "-f", "-");

    Kubectl.Result upgrade = run(crd, "apply", "--server-side", "-f", "-");

    assertThat(upgrade.exitCode()).as(upgrade.output()).isZero();
    assertThat(upgrade.output()).doesNotContain("conflict");
  }

  @Test
  void theServerStoresTheVersionsExactlyAsTheFileWritesThem() throws Exception {
    String crd = committedCrdUnderTestGroup();
    kubectl(crd, "create", "-f", "-");

    CustomResourceDefinition stored = SERIALIZATION.unmarshal(
        kubectl("", "get", "crd", NAME, "-o", "yaml"), CustomResourceDefinition.class);
    CustomResourceDefinition file = SERIALIZATION.unmarshal(crd, CustomResourceDefinition.class);

    assertThat(SERIALIZATION.asJson(stored.getSpec().getVersions().get(0).getAdditionalPrinterColumns()))
        .isEqualTo(SERIALIZATION.asJson(file.getSpec().getVersions().get(0).getAdditionalPrinterColumns()));
    assertThat(SERIALIZATION.asJson(stored.getSpec().getVersions()))
        .isEqualTo(SERIALIZATION.asJson(file.getSpec().getVersions()));
  }

  @ParameterizedTest(name = "Helm {0} CLI")
  @ValueSource(ints = {3, 4})
  void serverSideApplyOfTheUnchangedFileAfterHelmInstalledTheCrdDoesNotConflict(int major, KubernetesClient client)
      throws Exception {
    // The chart with its CRD under this test's group: Helm creates it (its own field manager).
    Path chart = Path.of("target", "crd-apply-it", "chart" + major);
    copyChart(RenderedChart.CHART, chart);
    Files.writeString(chart.resolve("crds").resolve("userdatapurges.datapurge.io-v1.yml"), committedCrdUnderTestGroup());
    // Only the CRD under test: the schedule's CRD of the real group exists on the plane already,
    // applied by kubectl, and Helm 4 would server-side apply it over kubectl's fields.
    Files.delete(chart.resolve("crds").resolve("userdatapurgeschedules.datapurge.io-v1.yml"));
    String ns = "crd-apply-helm" + major + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(ns)
        .withLabels(DeployManifestsTest.read(Path.of("deploy", "namespace.yaml"), Namespace.class).getMetadata().getLabels())
        .endMetadata().build()).create();
    HelmCli helm = HelmCli.major(major);
    try {
      HelmCli.Result install = helm.run("install", "crd-apply", chart.toAbsolutePath().toString(), "-n", ns,
          "--set", "replicaCount=0", "--set", "watchNamespaces={" + ns + "}");
      assertThat(install.ok()).as(install.output()).isTrue();

      Kubectl.Result upgrade = run(committedCrdUnderTestGroup(), "apply", "--server-side", "-f", "-");

      assertThat(upgrade.exitCode()).as(upgrade.output()).isZero();
    } finally {
      helm.run("uninstall", "crd-apply", "-n", ns, "--ignore-not-found");
      client.namespaces().withName(ns).delete();
    }
  }

  private static void copyChart(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static String committedCrdUnderTestGroup() throws IOException {
    return committedCrdUnderGroup(GROUP);
  }

  /** The committed CRD file, renamed to API group {@code group}. */
  static String committedCrdUnderGroup(String group) throws IOException {
    String crd = Files.readString(Path.of("crds", "userdatapurges.datapurge.io-v1.yml"));
    assertThat(crd).contains("name: \"userdatapurges.datapurge.io\"", "group: \"datapurge.io\"");
    // Its own resource names too: kubectl caches discovery, and a cached second "purge" short name
    // (or "userdatapurges" plural) would shadow the real CRD for every later kubectl in the run.
    return crd.replace("userdatapurges.datapurge.io", "crdapplyitpurges." + group)
        .replace("group: \"datapurge.io\"", "group: \"" + group + "\"")
        .replace("plural: \"userdatapurges\"", "plural: \"crdapplyitpurges\"")
        .replace("singular: \"userdatapurge\"", "singular: \"crdapplyitpurge\"")
        .replace("- \"purge\"", "- \"crdapplyit\"");
  }

  static Kubectl.Result run(String stdin, String... args) {
    return Kubectl.run(stdin, args);
  }

  static String kubectl(String stdin, String... args) {
    return Kubectl.ok(stdin, args);
  }
}
