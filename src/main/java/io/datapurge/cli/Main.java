package io.datapurge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** One jar, two roles: {@code operator} runs the controller, {@code purge} runs inside the Job. */
@Command(
    name = "user-data-purge",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {OperatorCommand.class, PurgeCommand.class, RestoreCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setParameterExceptionHandler(new UsageErrors());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"user-data-purge " + (v == null ? "dev" : v)};
    }
  }
}
