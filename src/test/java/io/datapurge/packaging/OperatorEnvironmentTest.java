package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every setting deploy/ and the chart hand the operator is one the {@code operator} command reads.
 * The manifests configure it through environment variables, the flags' documented fallbacks.
 */
class OperatorEnvironmentTest {

  /** The operator's flags and their environment fallbacks, as agreed in the team's CLI contract. */
  static final Map<String, String> FLAG_BY_ENV = new LinkedHashMap<>();

  static {
    FLAG_BY_ENV.put("WATCH_NAMESPACES", "--namespaces");
    FLAG_BY_ENV.put("PURGE_IMAGE", "--purge-image");
    FLAG_BY_ENV.put("PROTECTED_DATABASES", "--protected-pattern");
    FLAG_BY_ENV.put("LEADER_ELECTION", "--leader-election");
    FLAG_BY_ENV.put("POD_NAMESPACE", "--lease-namespace");
    FLAG_BY_ENV.put("LEASE_NAME", "--lease-name");
    FLAG_BY_ENV.put("HTTP_PORT", "--http-port");
    FLAG_BY_ENV.put("LOG_FORMAT", "--log-format");
    FLAG_BY_ENV.put("JOB_DEADLINE", "--job-deadline");
    FLAG_BY_ENV.put("JOB_TTL", "--job-ttl");
  }

  /** Read directly (with POD_NAMESPACE) to find the operator's own Pod and image; no flag. */
  static final String POD_NAME = "POD_NAME";

  @Test
  void everyVariableTheManifestsSetIsOneTheOperatorReads() throws Exception {
    Set<String> used = new TreeSet<>();
    for (Deployment d : deployments()) {
      ChartTest.operator(d).getEnv().stream().map(EnvVar::getName).forEach(used::add);
    }

    assertThat(used).isNotEmpty().allSatisfy(name ->
        assertThat(FLAG_BY_ENV.containsKey(name) || name.equals(POD_NAME)).as(name + " is not in the contract").isTrue());
  }

  @Test
  void operatorCommandDeclaresEveryContractFlagWithItsVariable() {
    CommandSpec operator = operatorSpec();
    operator.interpolateVariables(false); // keep ${env:NAME} in default values readable

    FLAG_BY_ENV.forEach((env, flag) -> {
      OptionSpec option = operator.findOption(flag);
      assertThat(option).as("operator %s", flag).isNotNull();
      String declared = option.defaultValue() + " " + String.join(" ", option.description());
      assertThat(declared).as("%s falls back to %s", flag, env).contains(env);
    });
  }

  @Test
  void valuesTheChartRendersParseAsOperatorFlags() {
    operatorSpec();
    for (Deployment d : deployments()) {
      List<String> args = new ArrayList<>(ChartTest.operator(d).getArgs());
      ChartTest.operator(d).getEnv().stream()
          .filter(e -> e.getValue() != null && !e.getValue().isEmpty() && FLAG_BY_ENV.containsKey(e.getName()))
          .forEach(e -> {
            String flag = FLAG_BY_ENV.get(e.getName());
            if (flag.equals("--leader-election")) {
              if (Boolean.parseBoolean(e.getValue())) {
                args.add(flag); // a switch: its variable says true or false, the flag only "on"
              }
            } else {
              args.add(flag);
              args.add(e.getValue());
            }
          });

      CommandLine main = JarCommandLine.create();
      main.parseArgs(args.toArray(String[]::new));
      assertThat(main.getParseResult().subcommand().commandSpec().name()).isEqualTo("operator");
    }
  }

  private static List<Deployment> deployments() {
    try {
      return List.of(
          DeployManifestsTest.read(Path.of("deploy", "deployment.yaml"), Deployment.class),
          RenderedChart.render(Map.of()).one(Deployment.class),
          RenderedChart.render(Map.of("watchNamespaces", List.of("a", "b"), "purgeImage", "x/y:1",
              "leaderElection", Map.of("enabled", false), "logFormat", "plain")).one(Deployment.class));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static CommandSpec operatorSpec() {
    CommandLine main = JarCommandLine.create();
    assertThat(main.getSubcommands()).as("the jar's subcommands").containsKey("operator");
    return main.getSubcommands().get("operator").getCommandSpec();
  }
}
