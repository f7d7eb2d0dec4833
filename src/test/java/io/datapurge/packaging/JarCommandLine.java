package io.datapurge.packaging;

import io.datapurge.cli.Main;
import java.lang.reflect.Method;
import picocli.CommandLine;

/** The picocli command line exactly as the jar's {@code main} configures it (converters, case rules). */
final class JarCommandLine {

  private JarCommandLine() {}

  static CommandLine create() {
    try {
      Method factory = Main.class.getDeclaredMethod("commandLine", String[].class);
      factory.setAccessible(true);
      return (CommandLine) factory.invoke(null, (Object) new String[0]); // no arguments: every subcommand
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
