package io.datapurge.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Every API request goes through the user's kubectl, with the global options the user gave: the
 * kubeconfig, context, credentials (exec plugins included), proxy and namespace are kubectl's own,
 * and a kubectl process starts in a few tens of milliseconds (bench/plugin-start.sh). The binary is
 * {@code $KUBECTL}, else {@code kubectl} on PATH.
 */
final class Kubectl {

  static final String PURGES = "userdatapurges.datapurge.io";
  static final String SCHEDULES = "userdatapurgeschedules.datapurge.io";
  static final ObjectMapper JSON = new ObjectMapper();

  /** kubectl failed: its own message (stderr), which names the problem. */
  static final class Failure extends RuntimeException {
    final String stderr;

    Failure(String stderr) {
      super(stderr);
      this.stderr = stderr;
    }
  }

  private final List<String> global;

  Kubectl(List<String> global) {
    this.global = global;
  }

  List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(System.getenv().getOrDefault("KUBECTL", "kubectl"));
    command.addAll(global);
    command.addAll(args);
    return command;
  }

  /** Runs kubectl and returns its stdout; a non-zero exit is a {@link Failure} with its stderr. */
  String run(String stdin, String... args) {
    try {
      Process p = start(List.of(args), stdin == null ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
      if (verbose()) {
        // -v=N: kubectl's log goes to the terminal as it comes (bench/plugin-start.sh reads it).
        return verbose(p, stdin);
      }
      if (stdin != null) {
        try (var in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
      byte[] out = p.getInputStream().readAllBytes();
      if (waitFor(p) != 0) {
        throw new Failure(err.join().strip());
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run kubectl (" + command(List.of()).get(0) + "): " + e.getMessage()
          + "; put kubectl on PATH or set KUBECTL", e);
    }
  }

  private boolean verbose() {
    return global.stream().anyMatch(g -> g.startsWith("--v="));
  }

  private static String verbose(Process p, String stdin) throws IOException {
    if (stdin != null) {
      try (var in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] out = p.getInputStream().readAllBytes();
    int code = waitFor(p);
    if (code != 0) {
      throw new Failure("kubectl exited with code " + code + " (its log is above)");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  JsonNode json(String... args) {
    try {
      return JSON.readTree(run(null, args));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs kubectl with the terminal's stdin, stdout and stderr (logs); returns its exit code. */
  int inherit(String... args) {
    try {
      return waitFor(new ProcessBuilder(command(List.of(args))).inheritIO().start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code kubectl get --watch -o json}: hands each version of the object to {@code until} until it
   * returns true; then stops kubectl. False when the watch ended first (the API server ends watches
   * after a timeout, and when the CRD changes).
   */
  boolean watch(Predicate<JsonNode> until, String... args) {
    try {
      Process p = start(List.of(args), ProcessBuilder.Redirect.INHERIT);
      try (InputStream out = p.getInputStream();
          MappingIterator<JsonNode> objects = JSON.readerFor(JsonNode.class).readValues(out)) {
        while (objects.hasNext()) {
          if (until.test(objects.next())) {
            return true;
          }
        }
      } catch (RuntimeException e) {
        if (!(e.getCause() instanceof IOException)) {
          throw e;
        }
        // kubectl ended the watch while we read (e.g. the API server closes watches when the CRD changes).
      } finally {
        p.destroy();
      }
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (waitFor(p) != 0 && !err.isEmpty()) {
        throw new Failure(err);
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process start(List<String> args, ProcessBuilder.Redirect stdin) throws IOException {
    if (System.getenv("KUBECTL_PURGE_TRACE") != null) {
      System.err.println("kubectl-purge: " + System.currentTimeMillis() + " exec " + String.join(" ", args));
    }
    return new ProcessBuilder(command(args)).redirectInput(stdin)
        .redirectError(verbose() ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE).start();
  }

  private static String drain(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static int waitFor(Process p) {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroy();
      return 130;
    }
  }
}
