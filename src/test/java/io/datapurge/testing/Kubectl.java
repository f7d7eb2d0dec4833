package io.datapurge.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** kubectl on PATH (hack/test.sh: the cluster's release, target/cluster/bin) against the local plane's admin kubeconfig, as a user runs it (and {@link #exec} for other CLIs). */
public final class Kubectl {
  private Kubectl() {}

  public record Result(int exitCode, String output) {}

  /** Runs {@code kubectl ARGS} with {@code stdin} (null or empty: none); never throws on a non-zero exit. */
  public static Result run(String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", ControlPlane.kubeconfig().toString()));
    command.addAll(List.of(args));
    return exec(command, stdin);
  }

  /** Runs a command with {@code stdin} (null: none), stderr merged into its output. */
  public static Result exec(List<String> command, String stdin) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * This checkout's CRDs (crds/: both kinds), server-side and forced over whatever version the plane
   * holds. The operator watches UserDataPurgeSchedules too: started without their CRD, it stops.
   */
  public static void applyCrds() {
    ok(null, "apply", "--server-side", "--force-conflicts", "-k", "crds");
  }

  /** Runs {@code kubectl ARGS}, asserting exit code 0; returns its output. */
  public static String ok(String stdin, String... args) {
    Result r = run(stdin, args);
    assertThat(r.exitCode()).as("kubectl " + String.join(" ", args) + ": " + r.output()).isZero();
    return r.output();
  }
}
