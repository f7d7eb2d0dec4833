package io.datapurge.testing;

import io.datapurge.purge.PurgeResult;
import io.datapurge.purge.ResultJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real jar ({@code -Dpurge.jar}, set by failsafe) as a separate process, the way a Job or
 * a person runs it: its own environment (only what the test passes, no inherited PG* variables),
 * no terminal, output captured, and a result file unless the arguments name one.
 */
public final class PurgeProcess {
  /** What the process did: exit code, stdout, stderr and the JSON result file (empty when absent). */
  public record Run(int exitCode, String stdout, String stderr, String resultJson) {
    public PurgeResult result() {
      return ResultJson.read(resultJson);
    }

    public String allOutput() {
      return stdout + "\n" + stderr + "\n" + resultJson;
    }
  }

  /** A process still running; {@link #await()} collects it. */
  public static final class Running {
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final Path result;

    Running(Process process, Path stdout, Path stderr, Path result) {
      this.process = process;
      this.stdout = stdout;
      this.stderr = stderr;
      this.result = result;
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    public Run await() {
      try {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("purge process did not finish in 120 s");
        }
        return new Run(process.exitValue(), Files.readString(stdout), Files.readString(stderr),
            Files.exists(result) ? Files.readString(result) : "");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private PurgeProcess() {}

  public static Run run(Map<String, String> env, String... args) {
    return start(env, args).await();
  }

  public static Running start(Map<String, String> env, String... args) {
    String jar = System.getProperty("purge.jar", "target/user-data-purge.jar");
    try {
      Path dir = Files.createTempDirectory("purge-run");
      Path result = dir.resolve("result.json");
      List<String> command = new ArrayList<>(List.of("java", "-jar", jar));
      command.addAll(List.of(args));
      if (args.length > 0 && args[0].equals("purge") && !List.of(args).contains("--result-file")) {
        command.add("--result-file");
        command.add(result.toString());
      } else {
        int i = List.of(args).indexOf("--result-file");
        if (i >= 0) result = Path.of(args[i + 1]);
      }
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(dir.resolve("stdout").toFile())
          .redirectError(dir.resolve("stderr").toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
      pb.environment().putAll(env);
      return new Running(pb.start(), dir.resolve("stdout"), dir.resolve("stderr"), result);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
