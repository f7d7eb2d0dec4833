package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.datapurge.packaging.DockerfileInstructions.Instruction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile's AppCDS step, run with the real jar on this machine's Java 17: the training run
 * ends as the Dockerfile expects and writes an archive the ENTRYPOINT's JVM accepts. Prints the
 * start-to-exit time of a purge with and without the archive (no assertion on time).
 */
class ClassDataSharingIT {

  static final Path JAR = Path.of(System.getProperty("purge.jar", "target/user-data-purge.jar")).toAbsolutePath();
  static final DockerfileInstructions DOCKERFILE = DockerfileInstructions.parse(Path.of("Dockerfile"));

  record Run(int exitCode, String output, long millis) {}

  @BeforeEach
  void jarHasThePurgeCommand() {
    assumeThat(JarCommandLine.create().getSubcommands()).as("the purge subcommand is not on this branch yet")
        .containsKey("purge");
    assertThat(JAR).as("run after mvn package").exists();
  }

  @Test
  void trainingRunWritesAnArchiveThatTheEntrypointJvmAccepts(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("app.jsa");
    Run training = run(onThisMachine(trainingCommand(), archive));

    assertThat(training.exitCode()).as("training run output: %s", training.output()).isEqualTo(4);
    assertThat(archive).isNotEmptyFile();

    // -Xshare:on turns "archive rejected" from a warning into a failure.
    List<String> strict = onThisMachine(entrypoint(), archive);
    strict.add(1, "-Xshare:on");
    strict.add("--version");
    Run withArchive = run(strict);
    assertThat(withArchive.exitCode()).as("java -Xshare:on with the archive: %s", withArchive.output()).isZero();
    assertThat(withArchive.output()).doesNotContain("Unable to use shared archive");
  }

  @Test
  void purgeStartsFasterWithTheArchive(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("app.jsa");
    assertThat(run(onThisMachine(trainingCommand(), archive)).exitCode()).isEqualTo(4);
    List<String> purge = applicationArgs(trainingCommand());
    List<String> with = onThisMachine(entrypoint(), archive);
    with.addAll(purge);
    List<String> without = new ArrayList<>(with);
    without.removeIf(a -> a.startsWith("-XX:SharedArchiveFile="));

    long[] plain = new long[5];
    long[] cds = new long[5];
    for (int i = 0; i < 5; i++) { // interleaved, so machine load hits both alike
      plain[i] = run(without).millis();
      cds[i] = run(with).millis();
    }
    Arrays.sort(plain);
    Arrays.sort(cds);
    System.out.printf("purge start to ConnectionFailed exit, median of 5: %d ms with AppCDS, %d ms without (baseline)%n",
        cds[2], plain[2]);
  }

  private static List<String> trainingCommand() {
    String text = DOCKERFILE.of("RUN").stream().map(Instruction::arguments)
        .filter(a -> a.contains("-XX:ArchiveClassesAtExit=")).findFirst().orElseThrow();
    List<String> words = Arrays.asList(text.split(" "));
    return new ArrayList<>(words.subList(words.indexOf("java"), words.indexOf("||")));
  }

  private static List<String> entrypoint() {
    return DOCKERFILE.last("ENTRYPOINT").execForm();
  }

  private static List<String> applicationArgs(List<String> command) {
    return command.subList(command.indexOf("-jar") + 2, command.size());
  }

  /** The image's paths mapped to this machine: its java, the built jar, a temporary archive. */
  private static List<String> onThisMachine(List<String> command, Path archive) {
    List<String> out = new ArrayList<>();
    for (String word : command) {
      out.add(word.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
          : word.equals("/app/user-data-purge.jar") ? JAR.toString()
          : word.replace("/app/user-data-purge.jsa", archive.toString())
              .replace("/tmp/training-result.json", archive.resolveSibling("result.json").toString()));
    }
    return out;
  }

  private static Run run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", "training");
    long start = System.nanoTime();
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), output, (System.nanoTime() - start) / 1_000_000);
  }
}
