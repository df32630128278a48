package dev.tokenstore.spi;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.OptionalLong;

/**
 * Whole numbers from decimal texts of any exponent, in time that grows with the text's digits only: a stored
 * {@code expiry_time} or a server's {@code expires_in} of {@code 1e99999999} or {@code 1e-99999999} is a
 * number {@link BigDecimal} parses at once, but rounding it with {@link BigDecimal#setScale} computes a power of
 * ten with that many digits and takes minutes. For stores and parsers that read numbers written elsewhere (as
 * {@link ZohoRecord#parseExpiry} does). Stateless and thread-safe.
 */
public final class Decimals {
  /** {@code floor(log10(Long.MAX_VALUE))}: a number whose adjusted exponent is larger is not a {@code long}. */
  private static final int LONG_DIGITS = 18;

  private Decimals() {}

  /**
   * {@code value} with its fraction dropped (rounded toward zero), or empty when that is outside the range of
   * {@code long}.
   */
  public static OptionalLong truncatedLong(BigDecimal value) {
    if (value.signum() == 0) {
      return OptionalLong.of(0);
    }
    long exponent = (long) value.precision() - value.scale() - 1; // |value| is in [10^exponent, 10^(exponent+1))
    if (exponent < 0) {
      return OptionalLong.of(0); // |value| < 1
    }
    if (exponent > LONG_DIGITS) {
      return OptionalLong.empty();
    }
    // Here -18 <= -scale and scale < precision: rounding costs no more than the digits written.
    try {
      return OptionalLong.of(value.setScale(0, RoundingMode.DOWN).longValueExact());
    } catch (ArithmeticException e) {
      return OptionalLong.empty();
    }
  }
}
