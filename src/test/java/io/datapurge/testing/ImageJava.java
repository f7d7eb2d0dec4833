package io.datapurge.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The image's JVM on this machine: the Temurin 25 JDK hack/image.sh makes the image's JRE from
 * (JAVA25_HOME, else /usr/lib/jvm/temurin-25-*), for tests that run the ENTRYPOINT's flags here.
 */
public final class ImageJava {
  private ImageJava() {}

  public static Path java() {
    String env = System.getenv("JAVA25_HOME");
    Path home = env != null && !env.isBlank() ? Path.of(env) : installed();
    Path java = home == null ? null : home.resolve("bin/java");
    if (java == null || !Files.isExecutable(java)) {
      throw new IllegalStateException("no Temurin 25 JDK at " + (home == null ? "/usr/lib/jvm/temurin-25-*" : home)
          + ": the image runs on Java 25; set JAVA25_HOME");
    }
    return java;
  }

  private static Path installed() {
    try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
      return jvms.filter(p -> p.getFileName().toString().startsWith("temurin-25")).sorted().findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }
}
