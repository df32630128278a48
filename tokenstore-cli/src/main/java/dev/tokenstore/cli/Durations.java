package dev.tokenstore.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code 300}, {@code 300s}, {@code 5m}, {@code 1h} or ISO-8601 {@code PT5M}. Stateless. */
final class Durations implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    Duration d = parse(value);
    if (d.isNegative() || d.isZero()) {
      throw new TypeConversionException("'" + value + "' is not a positive duration; use e.g. 30s, 5m or 1h");
    }
    return d;
  }

  private static Duration parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(value.trim());
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(v));
    } catch (RuntimeException e) {
      throw new TypeConversionException("'" + value + "' is not a duration; use e.g. 300s, 5m or 1h");
    }
  }
}
