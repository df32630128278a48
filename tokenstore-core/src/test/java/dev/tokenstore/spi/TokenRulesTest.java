package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenRulesTest {
  @Test
  void idsSortNumericallyThenAsText() {
    List<String> ids = new ArrayList<>(Arrays.asList("10", "9", "abc", "2", "010", "1", "Z"));
    ids.sort(TokenRules.ID_ORDER);
    assertThat(ids).containsExactly("1", "2", "9", "010", "10", "Z", "abc");
  }

  @Test
  void nextIdIsOnePastTheLargestNumber() {
    assertThat(TokenRules.nextId(List.of())).isEqualTo("1");
    assertThat(TokenRules.nextId(Arrays.asList("9", "10", "x", null))).isEqualTo("11");
    assertThat(TokenRules.nextId(List.of("99999999999999999999999"))).isEqualTo("100000000000000000000000");
  }

  @Test
  void numericMeansPlainDigits() {
    assertThat(TokenRules.isNumeric("123")).isTrue();
    assertThat(TokenRules.isNumeric("-1")).isFalse();
    assertThat(TokenRules.isNumeric("1e3")).isFalse();
    assertThat(TokenRules.isNumeric("")).isFalse();
    assertThat(TokenRules.isNumeric("١٢")).as("only ASCII digits").isFalse();
  }
}
