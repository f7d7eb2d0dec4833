package io.datapurge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The Auth0 flags of purge: what is refused before anything is contacted. */
class Auth0OptionsTest {
  static final Pattern PROTECTED = Pattern.compile("(?i).*prod.*");
  static final Map<String, String> CREDENTIALS = Map.of("AUTH0_CLIENT_ID", "id", "AUTH0_CLIENT_SECRET", "shh");

  static Auth0Options parse(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "purge";
    System.arraycopy(args, 0, all, 1, args.length);
    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(all);
    return ((PurgeCommand) parsed.subcommand().commandSpec().userObject()).auth0;
  }

  static FailureReason refusal(Auth0Options options, Map<String, String> env, boolean dryRun) {
    try {
      options.open(env, PROTECTED, false, dryRun);
      return null;
    } catch (PurgeException e) {
      return e.reason();
    }
  }

  @Test
  void withoutADomainThereIsNoAuth0Step() {
    assertThat(parse("--table", "t").open(Map.of(), PROTECTED, false, false)).isNull();
  }

  @Test
  void aDomainMustBeAHostNameAndAConnectionNeedsADomain() {
    assertThatThrownBy(() -> parse("--table", "t", "--auth0-domain", "https://x.auth0.com/").open(CREDENTIALS,
        PROTECTED, false, false)).hasMessageContaining("no https://");
    assertThat(refusal(parse("--table", "t", "--auth0-connection", "c"), CREDENTIALS, false))
        .isEqualTo(FailureReason.Usage);
  }

  @Test
  void credentialsMustComeFromTheEnvironment() {
    assertThatThrownBy(() -> parse("--table", "t", "--auth0-domain", "t.eu.auth0.com")
        .open(Map.of("AUTH0_CLIENT_ID", "id"), PROTECTED, false, false))
        .isInstanceOfSatisfying(PurgeException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.Usage))
        .hasMessageContaining("AUTH0_CLIENT_SECRET");
    assertThat(parse("--table", "t", "--auth0-domain", "t.eu.auth0.com").open(CREDENTIALS, PROTECTED, false, false))
        .isNotNull();
  }

  @Test
  void aProtectedTenantIsRefusedUnlessOnlyCountingOrAllowed() {
    Auth0Options prod = parse("--table", "t", "--auth0-domain", "acme-prod.us.auth0.com");
    assertThat(refusal(prod, CREDENTIALS, false)).isEqualTo(FailureReason.ProtectedDatabase);
    assertThat(refusal(prod, CREDENTIALS, true)).isNull();
    assertThat(prod.open(CREDENTIALS, PROTECTED, true, false)).isNotNull();
  }
}
