package io.datapurge.cli;

import io.datapurge.purge.ConnectionSettings;
import io.datapurge.purge.ResultJson;
import io.datapurge.purge.PurgeResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the JSON result goes: --result-file, else the Kubernetes termination message when present. */
final class ResultOutput {
  static final Path TERMINATION_LOG = Path.of("/dev/termination-log");

  private ResultOutput() {}

  static void write(Path resultFile, PurgeResult result, ConnectionSettings settings, PrintWriter err) {
    Path target = resultFile != null ? resultFile : Files.isWritable(TERMINATION_LOG) ? TERMINATION_LOG : null;
    if (target == null) return;
    String json = ResultJson.write(result);
    if (settings != null) json = settings.scrub(json);
    try {
      Files.writeString(target, json, StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("cannot write the result to " + target + ": " + e.getMessage());
    }
  }
}
