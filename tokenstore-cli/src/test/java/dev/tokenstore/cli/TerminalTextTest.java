package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
  @Test
  void escapesC0DelC1AndBidiControls() {
    assertThat(TerminalText.escape("a\u001b[2Jb\u0007c\rd\ne\tf\u007fg\u009bh\u0085i"))
        .isEqualTo("a\\u001b[2Jb\\u0007c\\rd\\ne\\tf\\u007fg\\u009bh\\u0085i");
    for (char c : new char[] {'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068',
        '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029', '\u0000'}) {
      assertThat(TerminalText.escape("x" + c + "y")).as("U+%04X", (int) c)
          .isEqualTo(String.format("x\\u%04xy", (int) c));
    }
  }

  @Test
  void leavesOrdinaryTextIncludingNonAsciiAlone() {
    for (String s : new String[] {"", "ann@example.com", "Zoë Ünlü 日本 👍", "https://www.zohoapis.eu", "a\\nb"}) {
      assertThat(TerminalText.escape(s)).isSameAs(s);
    }
    assertThat(TerminalText.escape(null)).isEqualTo("null");
  }

  @Test
  void linesKeepsLineFeedsOnly() {
    assertThat(TerminalText.lines("one\ntwo\r\n\u001b[31mthree")).isEqualTo("one\ntwo\\r\n\\u001b[31mthree");
  }
}
