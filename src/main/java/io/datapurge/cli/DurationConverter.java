package io.datapurge.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as PostgreSQL, kubectl and Helm values write them: 500ms, 10s, 10m, 1h, 1h30m; a bare
 * number is seconds; 0 means no limit where a flag allows it.
 */
public class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

  @Override
  public Duration convert(String value) {
    String v = value.strip();
    if (v.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(v));
    }
    if (!v.matches("(\\d+(ms|h|m|s))+")) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration: write e.g. 500ms, 10s, 30m, 24h or 1h30m");
    }
    Matcher m = PART.matcher(v);
    Duration d = Duration.ZERO;
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
    }
    return d;
  }

  /** For the operator's Job deadline and TTL, where zero would be meaningless. */
  public static final class Positive extends DurationConverter {
    @Override
    public Duration convert(String value) {
      Duration d = super.convert(value);
      if (d.isZero()) {
        throw new TypeConversionException("duration must be positive: " + value);
      }
      return d;
    }
  }
}
