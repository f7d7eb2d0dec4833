package io.datapurge.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** One jar, two roles: {@code operator} runs the controller, {@code purge} runs inside the Job. */
@Command(name = "user-data-purge", mixinStandardHelpOptions = true, versionProvider = Main.Version.class)
public final class Main {

  /**
   * The subcommands in help order. Only the one a command line names is built: picocli reads every
   * registered command's annotations up front, and the operator's alone loads the Kubernetes client's
   * classes, time the purge container would spend before its first SQL.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

  static {
    SUBCOMMANDS.put("operator", OperatorCommand::new);
    SUBCOMMANDS.put("purge", PurgeCommand::new);
    SUBCOMMANDS.put("restore", RestoreCommand::new);
  }

  public static void main(String[] args) {
    System.exit(commandLine(args).execute(args));
  }

  /** The command line for {@code args}: its subcommand only, or all of them (help, errors). */
  static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new Main());
    boolean named = args.length > 0 && SUBCOMMANDS.containsKey(args[0]);
    SUBCOMMANDS.forEach((name, command) -> {
      if (!named || name.equals(args[0])) {
        cl.addSubcommand(name, command.get());
      }
    });
    // after the subcommands: picocli applies these settings to the commands registered so far
    return cl.setCaseInsensitiveEnumValuesAllowed(true).setParameterExceptionHandler(new UsageErrors());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"user-data-purge " + (v == null ? "dev" : v)};
    }
  }
}
