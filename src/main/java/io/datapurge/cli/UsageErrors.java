package io.datapurge.cli;

import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Bad flags: say what is wrong and how to get help, exit with Usage's code, and for purge also
 * leave a Usage result where the operator looks for one. Unknown arguments are not echoed: a
 * mistyped flag may be followed by a secret.
 */
final class UsageErrors implements IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    String message = ex instanceof UnmatchedArgumentException u
        ? "Unknown option " + u.getUnmatched().stream().filter(a -> a.startsWith("-")).map(a -> a.split("=", 2)[0])
            .findFirst().map(a -> "'" + a + "'").orElse("or extra argument")
        : ex.getMessage();
    err.println(cmd.getCommandName() + ": Usage: " + message);
    err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
    err.flush();
    if (cmd.getCommand() instanceof PurgeCommand) {
      String runId = value(args, "--run-id");
      String resultFile = value(args, "--result-file");
      ResultOutput.write(resultFile == null ? null : Path.of(resultFile),
          PurgeResult.failure(FailureReason.Usage, message).withRunId(runId), null, err);
    }
    return FailureReason.Usage.exitCode();
  }

  /** A flag's value from the raw arguments, which did not parse. */
  private static String value(String[] args, String flag) {
    List<String> list = List.of(args);
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).equals(flag) && i + 1 < list.size()) return list.get(i + 1);
      if (list.get(i).startsWith(flag + "=")) return list.get(i).substring(flag.length() + 1);
    }
    return null;
  }
}
