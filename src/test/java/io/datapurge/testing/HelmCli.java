package io.datapurge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The real Helm CLIs, majors 3 and 4, built from Go modules by hack/helm/build.sh (once, cached
 * under ~/.cache/user-data-purge/helm), run against the local plane's admin kubeconfig.
 */
public final class HelmCli {

  private static final Map<Integer, Path> BINARIES = new HashMap<>();

  private final Path binary;

  private HelmCli(Path binary) {
    this.binary = binary;
  }

  /** Helm {@code major} (3 or 4), building it on first use. */
  public static synchronized HelmCli major(int major) {
    Path binary = BINARIES.computeIfAbsent(major, HelmCli::build);
    return new HelmCli(binary);
  }

  /** Runs {@code helm ARGS --kubeconfig <plane>}; never throws on a non-zero exit. */
  public Result run(String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--kubeconfig", ControlPlane.kubeconfig().toString()));
    Kubectl.Result r = Kubectl.exec(command, null);
    return new Result(r.exitCode(), r.output());
  }

  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  private static Path build(int major) {
    try {
      Process p = new ProcessBuilder("bash", "hack/helm/build.sh", Integer.toString(major))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("hack/helm/build.sh " + major + " failed");
      }
      String prefix = "HELM" + major + "=";
      Path binary = out.lines().filter(l -> l.startsWith(prefix)).map(l -> Path.of(l.substring(prefix.length())))
          .findFirst().orElseThrow(() -> new IllegalStateException("hack/helm/build.sh printed no " + prefix));
      if (!Files.isExecutable(binary)) {
        throw new IllegalStateException(binary + " is not executable");
      }
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
