package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How Flux judges a UserDataPurge, computed by Flux's own code: kstatus (sigs.k8s.io/cli-utils,
 * {@code healthChecks} and {@code wait: true}) and Flux's CEL health-check evaluator on the
 * {@code healthCheckExprs} of deploy/gitops/flux/purge-kustomization.yaml (hack/gitops/health,
 * built by hack/gitops/build.sh). Objects are read back from the real API server, with the
 * committed CRD applied under a group of its own so the plane's CRD is untouched.
 */
class FluxHealthIT {

  static final Path RECIPE = Path.of("deploy", "gitops", "flux", "purge-kustomization.yaml");
  static final String GROUP = "flux-health-it.datapurge.io";
  static Path tool;

  @BeforeAll
  static void buildToolAndApplyCrd() throws Exception {
    tool = build();
    String crd = CrdApplyIT.committedCrdUnderGroup(GROUP);
    CrdApplyIT.kubectl(crd, "apply", "--server-side", "--force-conflicts", "-f", "-");
    CrdApplyIT.kubectl("", "wait", "--for=condition=Established", "--timeout=60s", "crd/crdapplyitpurges." + GROUP);
  }

  @AfterAll
  static void removeCrd() throws Exception {
    // 180 s: see CrdApplyIT.removeCrd (the CRD finalizer's backoff while storage initializes)
    CrdApplyIT.kubectl("", "delete", "crd", "crdapplyitpurges." + GROUP, "--ignore-not-found", "--timeout=180s");
  }

  @Test
  void aFreshPurgeIsInProgressForKstatusAndFluxCelUntilTheOperatorWritesItsStatus() throws Exception {
    String ns = "flux-health-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    CrdApplyIT.kubectl("", "create", "namespace", ns);
    try {
      CrdApplyIT.kubectl("""
          apiVersion: %s/v1alpha1
          kind: UserDataPurge
          metadata: {name: reset-staging, namespace: %s}
          spec:
            database: {host: postgres.staging.svc, name: pyfactor, credentialsSecret: {name: pg-purge}}
            tables: [auth_user]
            confirm: pyfactor
          """.formatted(GROUP, ns), "create", "-f", "-");
      // No operator watches this group: the object is as Flux reads it before the operator's first write.
      String fresh = CrdApplyIT.kubectl("", "get", "-n", ns, "crdapplyitpurges." + GROUP, "reset-staging", "-o", "json")
          .replace("\"" + GROUP + "/v1alpha1\"", "\"datapurge.io/v1alpha1\"");

      assertThat(judge(fresh)).isEqualTo(
          "UserDataPurge/reset-staging kstatus=InProgress staging-reset-strict=InProgress");
    } finally {
      CrdApplyIT.kubectl("", "delete", "namespace", ns, "--wait=false");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "awaiting-confirmation, Current, InProgress",
      "succeeded, Current, Current",
      "running-after-runid-change, InProgress, InProgress",
      "failed-connection, Failed, Failed",
      "dry-run, Current, Failed"})
  void statusesCapturedFromRealRunsAreJudgedAsTheRecipeSays(String sample, String kstatus, String strict)
      throws Exception {
    String yaml = sample.equals("dry-run") ? dryRun() : Files.readString(statuses().resolve(sample + ".yaml"));

    assertThat(judge(yaml)).endsWith(" kstatus=" + kstatus + " staging-reset-strict=" + strict);
  }

  /** succeeded.yaml as a dry run ends: same counts before and after, dryRun in spec and status. */
  private static String dryRun() throws IOException {
    String succeeded = Files.readString(statuses().resolve("succeeded.yaml"));
    assertThat(succeeded).contains("  dryRun: false\n", "    after: 0\n    before: 1770");
    return succeeded.replace("  dryRun: false\n", "  dryRun: true\n")
        .replace("    after: 0\n    before: 1770", "    after: 1770\n    before: 1770");
  }

  private static Path statuses() {
    return Path.of("src/test/resources/packaging/statuses");
  }

  private static String judge(String objects) throws Exception {
    Process p = new ProcessBuilder(tool.toString(), "-flux", RECIPE.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().write(objects.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  private static Path build() throws Exception {
    Process p = new ProcessBuilder("bash", "hack/gitops/build.sh").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("hack/gitops/build.sh").isZero();
    return out.lines().filter(l -> l.startsWith("HEALTH=")).map(l -> Path.of(l.substring("HEALTH=".length())))
        .findFirst().orElseThrow();
  }
}
