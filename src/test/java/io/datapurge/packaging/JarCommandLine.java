package io.datapurge.packaging;

import io.datapurge.cli.Main;
import java.lang.reflect.Method;
import picocli.CommandLine;

/** The picocli command line exactly as the jar's {@code main} configures it (converters, case rules). */
final class JarCommandLine {

  private JarCommandLine() {}

  static CommandLine create() {
    try {
      Method factory = Main.class.getDeclaredMethod("commandLine");
      factory.setAccessible(true);
      return (CommandLine) factory.invoke(null);
    } catch (NoSuchMethodException e) {
      return new CommandLine(new Main()); // main() builds it inline
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
