package io.datapurge.plugin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line as kubectl spells it: {@code -n NS}, {@code -nNS}, {@code -n=NS},
 * {@code --namespace NS}, {@code --namespace=NS}, anywhere among the arguments. kubectl's global
 * options (kubeconfig, context, namespace, impersonation, verbosity …) are kept as given and handed
 * to every kubectl call, so the plugin resolves the kubeconfig exactly as kubectl does (KUBECONFIG
 * with several files, --kubeconfig, --context, exec credential plugins, proxies).
 */
final class PluginArgs {

  /** kubectl's global options that take a value; handed on to kubectl. */
  static final Set<String> GLOBAL_VALUED = Set.of("kubeconfig", "context", "namespace", "cluster", "user", "as",
      "as-group", "as-uid", "server", "token", "certificate-authority", "client-certificate", "client-key",
      "request-timeout", "tls-server-name", "v", "cache-dir");
  /** kubectl's global switches; handed on to kubectl. */
  static final Set<String> GLOBAL_SWITCHES = Set.of("insecure-skip-tls-verify");
  static final Map<String, String> SHORT = Map.of("n", "namespace", "w", "watch", "f", "follow", "h", "help",
      "v", "v");

  /** A usage error: the message and the command whose help to point at. */
  static final class UsageError extends Exception {
    UsageError(String message) {
      super(message);
    }
  }

  /**
   * Where the command is: the first argument that is neither a flag nor the value of one, so global
   * options may come first ({@code kubectl purge -n staging status NAME}); -1 when there is none.
   */
  static int commandIndex(List<String> args, Set<String> valued) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-") || arg.equals("-")) {
        return i;
      }
      String name = arg.startsWith("--") ? arg.substring(2) : arg.length() == 2 ? SHORT.get(arg.substring(1)) : null;
      if (name != null && !name.contains("=") && (GLOBAL_VALUED.contains(name) || valued.contains(name))) {
        i++;
      }
    }
    return -1;
  }

  final List<String> positional = new ArrayList<>();
  /** Global options as {@code --name=value}, for kubectl. */
  final List<String> global = new ArrayList<>();
  final Map<String, String> options = new LinkedHashMap<>();
  String namespace;

  /**
   * {@code valued}: the subcommand's own options that take a value; {@code switches}: its boolean
   * options ({@code --watch}, {@code --watch=false}).
   */
  static PluginArgs parse(List<String> args, Set<String> valued, Set<String> switches) throws UsageError {
    PluginArgs parsed = new PluginArgs();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--")) {
        parsed.positional.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (!arg.startsWith("-") || arg.equals("-")) {
        parsed.positional.add(arg);
        continue;
      }
      String name;
      String value = null;
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
        value = eq < 0 ? null : arg.substring(eq + 1);
      } else {
        String letter = arg.substring(1, 2);
        name = SHORT.get(letter);
        if (name == null) {
          throw new UsageError("unknown shorthand flag: '" + letter + "' in " + arg);
        }
        if (arg.length() > 2) {
          value = arg.charAt(2) == '=' ? arg.substring(3) : arg.substring(2);
        }
      }
      boolean takesValue = valued.contains(name) || GLOBAL_VALUED.contains(name);
      boolean isSwitch = switches.contains(name) || GLOBAL_SWITCHES.contains(name) || name.equals("help");
      if (!takesValue && !isSwitch) {
        throw new UsageError("unknown flag: --" + name);
      }
      if (takesValue && value == null) {
        if (i + 1 >= args.size()) {
          throw new UsageError("flag needs an argument: --" + name);
        }
        value = args.get(++i);
      }
      if (isSwitch) {
        value = value == null ? "true" : value;
        if (!value.equals("true") && !value.equals("false")) {
          throw new UsageError("invalid argument \"" + value + "\" for \"--" + name + "\": use true or false");
        }
      }
      if (GLOBAL_VALUED.contains(name) || GLOBAL_SWITCHES.contains(name)) {
        parsed.global.add("--" + name + "=" + value);
        if (name.equals("namespace")) {
          parsed.namespace = value;
        }
      } else {
        parsed.options.put(name, value);
      }
    }
    return parsed;
  }

  boolean flag(String name) {
    return "true".equals(options.get(name));
  }

  String option(String name) {
    return options.get(name);
  }
}
