package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.testing.ControlPlane;
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

/**
 * The CRD upgrade docs/install.md documents, {@code kubectl apply --server-side -f crds/…}, on a
 * CRD that another field manager created first (a client-side {@code kubectl apply}, or Helm's
 * create). Server-side apply only conflicts where the applied value differs from the stored one,
 * so the committed file must be exactly what the API server stores.
 *
 * <p>The CRD is applied under a group of its own ({@code crd-apply-it.datapurge.io}), so this test
 * never changes the CRD that other tests on the same plane use.
 */
class CrdApplyIT {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final String GROUP = "crd-apply-it.datapurge.io";
  static final String NAME = "userdatapurges." + GROUP;

  @AfterEach
  void removeCrd() throws Exception {
    kubectl("", "delete", "crd", NAME, "--ignore-not-found", "--timeout=60s");
  }

  @Test
  void serverSideApplyOfTheUnchangedFileAfterAClientSideApplyDoesNotConflict() throws Exception {
    String crd = committedCrdUnderTestGroup();
    kubectl(crd, "apply", "-f", "-");

    Result upgrade = run(crd, "apply", "--server-side", "-f", "-");

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

  static String committedCrdUnderTestGroup() throws IOException {
    return committedCrdUnderGroup(GROUP);
  }

  /** The committed CRD file, renamed to API group {@code group}. */
  static String committedCrdUnderGroup(String group) throws IOException {
    String crd = Files.readString(Path.of("crds", "userdatapurges.datapurge.io-v1.yml"));
    assertThat(crd).contains("name: \"userdatapurges.datapurge.io\"", "group: \"datapurge.io\"");
    return crd.replace("userdatapurges.datapurge.io", "userdatapurges." + group)
        .replace("group: \"datapurge.io\"", "group: \"" + group + "\"");
  }

  record Result(int exitCode, String output) {}

  static Result run(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", ControlPlane.kubeconfig().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  static String kubectl(String stdin, String... args) throws IOException, InterruptedException {
    Result r = run(stdin, args);
    assertThat(r.exitCode()).as("kubectl " + String.join(" ", args) + ": " + r.output()).isZero();
    return r.output();
  }
}
