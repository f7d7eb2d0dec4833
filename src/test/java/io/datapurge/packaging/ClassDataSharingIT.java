package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.packaging.DockerfileInstructions.Instruction;
import io.datapurge.testing.ImageJava;
import io.datapurge.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile's AOT-cache step, run with the real jar on this machine's Java 25 (the image's JRE
 * is made from it, hack/image.sh) against the test PostgreSQL (the image build uses a throwaway
 * server of its own, src/main/docker/cds-training.sh): the training purge of the training schema
 * commits and writes a cache the ENTRYPOINT's JVM accepts. How much faster a purge starts with it is a measurement, not a pass/fail check:
 * bench/real-node.sh and bench/purge-start.sh (docs/performance.md).
 */
class ClassDataSharingIT {

  static final Path JAR = Path.of(System.getProperty("purge.jar", "target/user-data-purge.jar")).toAbsolutePath();
  static final DockerfileInstructions DOCKERFILE = DockerfileInstructions.parse(Path.of("Dockerfile"));

  record Run(int exitCode, String output) {}

  @BeforeEach
  void jarHasThePurgeCommand() {
    assertThat(JarCommandLine.create().getSubcommands()).as("the jar's subcommands")
        .containsKey("purge");
    assertThat(JAR).as("run after mvn package").exists();
  }

  @Test
  void trainingRunWritesAnArchiveThatTheEntrypointJvmAccepts(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("app.aot");
    String db = PostgresServer.createDatabase("cds_training");
    Run training;
    try {
      PostgresServer.run(db, Files.readString(Path.of("src/main/docker/cds-training.sql")));
      List<String> command = onThisMachine(trainingCommand(), archive);
      command.set(command.indexOf("--confirm") + 1, db); // the image's training database is named training
      training = run(command, PostgresServer.libpqEnv(db));
      assertThat(PostgresServer.queryLong(db, "select count(*) from auth_user")).as("the training purge deleted").isZero();
      assertThat(PostgresServer.queryLong(db, "select count(*) from audit_note")).as("SET NULL rows kept").isEqualTo(20);
    } finally {
      PostgresServer.dropDatabase(db);
    }

    assertThat(training.exitCode()).as("training run output: %s", training.output()).isZero();
    assertThat(archive.resolveSibling("result.json")).content().contains("\"committed\":true");
    assertThat(archive).isNotEmptyFile();

    // -XX:AOTMode=on turns "cache rejected" (silent by default) into a failure.
    List<String> strict = onThisMachine(entrypoint(), archive);
    strict.add(1, "-XX:AOTMode=on");
    strict.add("--version");
    Run withArchive = run(strict, Map.of());
    assertThat(withArchive.exitCode()).as("java -XX:AOTMode=on with the cache: %s", withArchive.output()).isZero();
    assertThat(withArchive.output()).doesNotContainIgnoringCase("unable to use");
  }

  private static List<String> trainingCommand() {
    String text = DOCKERFILE.of("RUN").stream().map(Instruction::arguments)
        .filter(a -> a.contains("-XX:AOTCacheOutput=")).findFirst().orElseThrow();
    List<String> words = Arrays.asList(text.split(" "));
    return new ArrayList<>(words.subList(words.indexOf("java"), words.indexOf("&&")));
  }

  private static List<String> entrypoint() {
    return DOCKERFILE.last("ENTRYPOINT").execForm();
  }

  /** The image's paths mapped to this machine: its java, the built jar, a temporary cache. */
  private static List<String> onThisMachine(List<String> command, Path archive) {
    List<String> out = new ArrayList<>();
    for (String word : command) {
      out.add(word.equals("java") ? ImageJava.java().toString()
          : word.equals("/app/user-data-purge.jar") ? JAR.toString()
          : word.replace("/app/user-data-purge.aot", archive.toString())
              .replace("/tmp/training-result.json", archive.resolveSibling("result.json").toString()));
    }
    return out;
  }

  private static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), output);
  }
}
