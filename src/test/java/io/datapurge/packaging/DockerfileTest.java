package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.packaging.DockerfileInstructions.Instruction;
import io.datapurge.testing.ImageJava;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The image the Dockerfile builds runs the jar's commands the way deploy/, the chart and the operator expect. */
class DockerfileTest {

  static final DockerfileInstructions DOCKERFILE = DockerfileInstructions.parse(Path.of("Dockerfile"));
  static final String JAR = "/app/user-data-purge.jar";

  @Test
  void buildsWithAJdk17AndRunsOnAJre25() {
    List<Instruction> froms = DOCKERFILE.of("FROM");

    assertThat(froms).hasSize(3);
    assertThat(froms.get(0).arguments()).contains("17").endsWith("AS build");
    // The AOT cache is trained on the final image's own JVM, in a stage of its own.
    assertThat(froms.get(1).arguments()).isEqualTo("eclipse-temurin:25-jre AS cds");
    assertThat(froms.get(2).arguments()).isEqualTo("eclipse-temurin:25-jre");
  }

  @Test
  void theTrainingDatabaseNeverReachesTheFinalImage() {
    int finalStage = DOCKERFILE.last("FROM").stage();
    List<Instruction> finalStageSteps = DOCKERFILE.of("RUN").stream().filter(i -> i.stage() == finalStage).toList();
    List<String> fromTraining = DOCKERFILE.of("COPY").stream()
        .filter(c -> c.stage() == finalStage && c.arguments().startsWith("--from=cds ")).map(Instruction::arguments)
        .toList();

    assertThat(finalStageSteps).as("the final stage installs nothing").isEmpty();
    assertThat(fromTraining).containsExactly("--from=cds /app/user-data-purge.jar /app/user-data-purge.aot /app/");
  }

  @Test
  void entrypointRunsTheShadedJarAndTheDefaultCommandIsTheOperator() throws Exception {
    List<String> entrypoint = DOCKERFILE.last("ENTRYPOINT").execForm();

    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", JAR);
    assertThat(DOCKERFILE.last("CMD").execForm()).containsExactly("operator");
    // The jar copied into the image is the one the pom's shade plugin builds.
    String shaded = pomFinalName() + ".jar";
    assertThat(DOCKERFILE.of("COPY")).extracting(Instruction::arguments)
        .contains("--from=build /src/target/" + shaded + " " + JAR);
    assertThat(Path.of(JAR).getFileName().toString()).isEqualTo(shaded);
  }

  @Test
  void deployManifestsAndChartStartTheSubcommandTheImageDefaultsTo() throws Exception {
    Deployment deploy = new KubernetesSerialization()
        .unmarshal(Files.readString(Path.of("deploy", "deployment.yaml")), Deployment.class);
    Container chart = ChartTest.operator(RenderedChart.render(Map.of()).one(Deployment.class));
    List<String> cmd = DOCKERFILE.last("CMD").execForm();

    assertThat(ChartTest.operator(deploy).getArgs()).isEqualTo(cmd);
    assertThat(chart.getArgs()).isEqualTo(cmd);
    // Neither overrides the ENTRYPOINT: the JVM flags and the jar path live in one place.
    assertThat(ChartTest.operator(deploy).getCommand()).isNullOrEmpty();
    assertThat(chart.getCommand()).isNullOrEmpty();
  }

  @Test
  void imageUserIsTheNumericNonRootUserTheManifestsRunAs() throws Exception {
    String user = DOCKERFILE.last("USER").arguments();
    Deployment deploy = new KubernetesSerialization()
        .unmarshal(Files.readString(Path.of("deploy", "deployment.yaml")), Deployment.class);
    Deployment chart = RenderedChart.render(Map.of()).one(Deployment.class);

    assertThat(user).isEqualTo("65532:65532");
    for (Deployment d : List.of(deploy, chart)) {
      assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).isEqualTo(65532L);
      assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsGroup()).isEqualTo(65532L);
    }
  }

  @Test
  void aotCacheIsRecordedWithTheEntrypointsJvmFlags() {
    List<String> entrypoint = DOCKERFILE.last("ENTRYPOINT").execForm();
    String archive = option(entrypoint, "-XX:AOTCache=");
    List<String> training = trainingRun();

    assertThat(archive).isEqualTo("/app/user-data-purge.aot");
    assertThat(option(training, "-XX:AOTCacheOutput=")).isEqualTo(archive);
    assertThat(jvmFlags(training)).isEqualTo(jvmFlags(entrypoint));
    assertThat(trainingRunText()).contains("test -s " + archive);
  }

  @Test
  void trainingRunIsAConfirmedPurgeOfAThrowawayDatabaseThatMustCommit() {
    String text = trainingRunText();

    assertThat(text).contains("sh /cds/cds-training.sh java ", "--confirm training")
        .contains("grep -q '\"committed\":true' /tmp/training-result.json").doesNotContain("--dry-run", "||");
    assertThat(Path.of("src/main/docker/cds-training.sh")).content().contains("pg_createcluster", "pg_dropcluster",
        "PGSSLMODE=verify-ca", "scram-sha-256");
    assertThat(Path.of("src/main/docker/cds-training.sql")).content().contains("deferrable", "on delete set null");
  }

  @Test
  void trainingRunArgumentsAreAValidPurgeCommand() {
    CommandLine main = JarCommandLine.create();
    assertThat(main.getSubcommands()).as("the jar's subcommands").containsKey("purge");
    List<String> args = applicationArgs(trainingRun());

    assertThat(args.get(0)).isEqualTo("purge");
    main.parseArgs(args.toArray(String[]::new));
    assertThat(main.getSubcommands().get("purge").getParseResult().hasMatchedOption("--confirm")).isTrue();
  }

  @Test
  void entrypointLetsAFullCollectionReturnUnusedHeapAtOnceForTheOperatorsIdleTrim() {
    List<String> flags = jvmFlags(DOCKERFILE.last("ENTRYPOINT").execForm());

    assertThat(flags).contains("-XX:+UseSerialGC", "-XX:-ShrinkHeapInSteps");
    int min = Integer.parseInt(option(flags, "-XX:MinHeapFreeRatio="));
    int max = Integer.parseInt(option(flags, "-XX:MaxHeapFreeRatio="));
    assertThat(max).as("the serial collector's default, 70, keeps 2.3x the live heap committed").isLessThanOrEqualTo(40);
    assertThat(min).isLessThan(max);
  }

  @Test
  void entrypointJvmFlagsAreAcceptedByTheImagesJava25Runtime() throws Exception {
    List<String> flags = jvmFlags(DOCKERFILE.last("ENTRYPOINT").execForm());
    List<String> command = new java.util.ArrayList<>(List.of(ImageJava.java().toString()));
    command.addAll(flags);
    command.add("-version");

    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("java %s -version: %s", flags, out).isZero();
    assertThat(out).as("the JVM the image's JRE is made from").contains("version \"25");
  }

  @Test
  void ociLabelsNameTheImageItsVersionAndSource() {
    String labels = String.join(" ", DOCKERFILE.of("LABEL").stream().map(Instruction::arguments).toList());

    assertThat(labels).contains("org.opencontainers.image.title=\"user-data-purge-operator\"",
        "org.opencontainers.image.version=\"${VERSION}\"", "org.opencontainers.image.source=");
  }

  @Test
  void buildContextHoldsOnlyWhatTheBuildCopies() throws Exception {
    List<String> ignore = Files.readAllLines(Path.of(".dockerignore")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    List<String> copiedFromContext = DOCKERFILE.of("COPY").stream()
        .filter(c -> !c.arguments().startsWith("--from="))
        .map(c -> c.arguments().split(" ")[0]).toList();

    assertThat(ignore).first().isEqualTo("*");
    assertThat(copiedFromContext).containsExactly("pom.xml", "src/main", "src/main/docker/");
    assertThat(ignore).contains("!pom.xml", "!src/main/");
  }

  private static String pomFinalName() throws Exception {
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    return XPathFactory.newInstance().newXPath().evaluate("/project/build/finalName", doc);
  }

  private static String trainingRunText() {
    return DOCKERFILE.of("RUN").stream().map(Instruction::arguments)
        .filter(a -> a.contains("-XX:AOTCacheOutput=")).findFirst()
        .orElseThrow(() -> new AssertionError("no RUN records an AOT cache"));
  }

  /** The training java command line, from "java" up to the shell's "&&". */
  private static List<String> trainingRun() {
    List<String> words = Arrays.asList(trainingRunText().split(" "));
    int java = words.indexOf("java");
    int end = words.indexOf("&&");
    return words.subList(java, end < 0 ? words.size() : end);
  }

  private static String option(List<String> command, String prefix) {
    return command.stream().filter(w -> w.startsWith(prefix)).map(w -> w.substring(prefix.length()))
        .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in " + command));
  }

  /** JVM flags that shape the heap and class layout; the cache options and logging aside. */
  private static List<String> jvmFlags(List<String> command) {
    return command.subList(1, command.indexOf("-jar")).stream()
        .filter(f -> !f.startsWith("-XX:AOTCache=") && !f.startsWith("-XX:AOTCacheOutput=")
            && !f.startsWith("-Xlog:"))
        .toList();
  }

  private static List<String> applicationArgs(List<String> command) {
    return command.subList(command.indexOf("-jar") + 2, command.size());
  }
}
