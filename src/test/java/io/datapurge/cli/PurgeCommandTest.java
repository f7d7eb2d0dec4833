package io.datapurge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.api.Strategy;
import io.datapurge.purge.ConnectionSettings;
import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import io.datapurge.purge.PurgeRequest;
import io.datapurge.purge.ResultJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flag parsing and connection settings, without a server. */
class PurgeCommandTest {
  @Test
  void durationsReadLikePostgresAndKubectlWriteThem() {
    DurationConverter c = new DurationConverter();
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(c.convert("30")).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> c.convert("ten seconds")).hasMessageContaining("10s");
  }

  @Test
  void purgeIsASubcommandWithTheContractFlags() {
    CommandLine cl = Main.commandLine();
    CommandLine purge = cl.getSubcommands().get("purge");
    assertThat(purge).isNotNull();
    for (String flag : new String[] {"--url", "--user", "--password-file", "--table", "--keep", "--no-dependents",
        "--strategy", "--dry-run", "--confirm", "--force", "--lock-timeout", "--statement-timeout", "--result-file",
        "--reset-sequences", "--backup-schema", "--protected-pattern", "--allow-protected", "--run-id", "--print-sql",
        "--where", "--auth0-user-id-column", "--auth0-email-column"}) {
      assertThat(purge.getCommandSpec().findOption(flag)).as(flag).isNotNull();
    }
    assertThat(cl.getSubcommands()).containsKey("restore");
  }

  @Test
  void aCommandLineBuildsOnlyTheSubcommandItNamesAndHelpListsThemAll() {
    assertThat(Main.commandLine("purge", "--dry-run").getSubcommands()).containsOnlyKeys("purge");
    assertThat(Main.commandLine("operator").getSubcommands()).containsOnlyKeys("operator");
    assertThat(Main.commandLine("--help").getSubcommands().keySet()).containsExactly("operator", "purge", "restore");
    assertThat(Main.commandLine("purg").getSubcommands().keySet()).containsExactly("operator", "purge", "restore");

    String[] args = {"purge", "--table", "auth_user", "--strategy", "TRUNCATE"};
    CommandLine purge = Main.commandLine(args);
    purge.parseArgs(args);
    assertThat(((PurgeCommand) purge.getSubcommands().get("purge").getCommand()).request().strategy())
        .as("settings reach the subcommand built on demand").isEqualTo(Strategy.Truncate);

    StringWriter err = new StringWriter();
    int code = Main.commandLine("purg").setErr(new PrintWriter(err)).execute("purg");
    assertThat(code).isEqualTo(FailureReason.Usage.exitCode());
    assertThat(err.toString()).contains("Run 'user-data-purge --help'");
  }

  @Test
  void whereSplitsAtTheFirstEqualsSignAndRefusesWhatIsNotTablePredicate() {
    CommandLine main = Main.commandLine();
    main.parseArgs("purge", "--table", "auth_user", "--where", "auth_user=id = 4711", "--where", "App.\"T\"=a = 'x=y'");
    PurgeCommand purge = (PurgeCommand) main.getSubcommands().get("purge").getCommand();

    assertThat(purge.request().where()).containsExactly(
        java.util.Map.entry(io.datapurge.purge.TableName.parse("auth_user"), "id = 4711"),
        java.util.Map.entry(new io.datapurge.purge.TableName("app", "T"), "a = 'x=y'"));

    assertThatThrownBy(parsed("purge", "--table", "auth_user", "--where", "id = 4711")::request)
        .hasMessageContaining("must be TABLE=PREDICATE");
    assertThatThrownBy(parsed("purge", "--table", "auth_user", "--where", "auth_user=true", "--where", "auth_user=false")::request)
        .hasMessageContaining("names auth_user twice");
  }

  @Test
  void aPredicateWithAuth0NeedsAMappingColumn() {
    assertThatThrownBy(parsed("purge", "--table", "auth_user", "--where", "auth_user=id = 1", "--auth0-domain",
        "t.eu.auth0.com")::request).hasMessageContaining("--auth0-user-id-column").hasMessageContaining("Nothing was deleted");

    assertThat(parsed("purge", "--table", "auth_user", "--where", "auth_user=id = 1", "--auth0-domain", "t.eu.auth0.com",
        "--auth0-email-column", "email").request().identityColumn())
        .isEqualTo(new io.datapurge.purge.PurgeRequest.IdentityColumn("email", true));
  }

  static PurgeCommand parsed(String... args) {
    CommandLine main = Main.commandLine();
    main.parseArgs(args);
    return (PurgeCommand) main.getSubcommands().get("purge").getCommand();
  }

  @Test
  void strategyIsTheResourcesEnumSpelledInLowerCase() {
    CommandLine main = Main.commandLine();
    main.parseArgs("purge", "--table", "t", "--strategy", "truncate");
    CommandLine purge = main.getSubcommands().get("purge");

    assertThat(purge.getCommandSpec().findOption("--strategy").type()).isEqualTo(Strategy.class);
    assertThat(((PurgeCommand) purge.getCommand()).strategy).isEqualTo(Strategy.Truncate);
    assertThat(Strategy.Truncate.label()).isEqualTo("truncate");
    assertThat(Strategy.Delete.label()).isEqualTo("delete");
  }

  @Test
  void protectedPatternDefaultsToTheSharedConstant() {
    CommandLine main = Main.commandLine();
    main.parseArgs("purge", "--table", "t");
    CommandLine purge = main.getSubcommands().get("purge");

    assertThat(((PurgeCommand) purge.getCommand()).protectedPattern).isEqualTo(PurgeRequest.DEFAULT_PROTECTED_PATTERN);
    assertThat(((PurgeCommand) purge.getCommand()).strategy).isEqualTo(Strategy.Delete);
  }

  @Test
  void printSqlWithoutDryRunIsAUsageErrorBeforeAnyConnection(@TempDir Path dir) throws Exception {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()));
    Path result = dir.resolve("result.json");

    int code = cl.execute("purge", "--url", "jdbc:postgresql://127.0.0.1:9/nowhere", "--table", "t", "--print-sql",
        "--force", "--result-file", result.toString());

    assertThat(code).isEqualTo(FailureReason.Usage.exitCode());
    assertThat(err.toString()).contains("--print-sql", "--dry-run");
    assertThat(ResultJson.read(Files.readString(result)).error().reason()).isEqualTo(FailureReason.Usage.name());
  }

  @Test
  void unknownFlagIsAUsageErrorThatDoesNotEchoWhatFollowsIt() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine().setErr(new PrintWriter(err));
    int code = cl.execute("purge", "--table", "t", "--pasword=hunter2");
    assertThat(code).isEqualTo(FailureReason.Usage.exitCode());
    assertThat(err.toString()).contains("--pasword").doesNotContain("hunter2");
  }

  @Test
  void libpqEnvironmentBuildsTheUrlAndTheSslSettings() {
    ConnectionSettings s = ConnectionSettings.resolve(null, null, null, "run-7", Map.of(
        "PGHOST", "db.example", "PGPORT", "6432", "PGDATABASE", "my app", "PGUSER", "purger",
        "PGPASSWORD", "pw", "PGSSLMODE", "verify-full", "PGSSLROOTCERT", "/ca.crt"));
    assertThat(s.url()).isEqualTo("jdbc:postgresql://db.example:6432/my+app");
    assertThat(s.user()).isEqualTo("purger");
    assertThat(s.toString()).doesNotContain("pw");
    assertThat(s.scrub("failed with pw inside")).isEqualTo("failed with ******** inside");
  }

  @Test
  void passwordInTheUrlAndAnUnknownSslModeAreRefused() {
    assertThatThrownBy(() -> ConnectionSettings.resolve("jdbc:postgresql://h/db?user=u&password=x", null, null, null, Map.of()))
        .isInstanceOfSatisfying(PurgeException.class, e -> assertThat(e.getMessage()).contains("PGPASSWORD"));
    assertThatThrownBy(() -> ConnectionSettings.resolve(null, null, null, null, Map.of("PGSSLMODE", "maybe")))
        .hasMessageContaining("verify-full");
  }
}
