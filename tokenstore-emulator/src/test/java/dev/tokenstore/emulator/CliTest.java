package dev.tokenstore.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CliTest {
  @Test
  void parsesOptionsAndPrintsUrls() throws Exception {
    Cli.Parsed parsed = Cli.parse(
        new String[] {"--port", "0", "--ttl", "120", "--user", "dev@example.com", "--client", "id:secret:http://l/cb",
            "--legacy-expires-in-ms"},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(parsed).isNotNull();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (AccountsEmulator emu = Cli.start(parsed.builder, new PrintStream(out, true, StandardCharsets.UTF_8))) {
      String printed = out.toString(StandardCharsets.UTF_8);
      assertThat(printed).contains("token URL:         " + emu.tokenUrl())
          .contains("authorization URL: " + emu.authorizationUrl())
          .contains("revoke URL:        " + emu.revokeUrl())
          .contains("API domain:        " + emu.apiDomain())
          .contains("user:              dev@example.com");
      String code = emu.issueGrantCode("id", "http://l/cb", "scope");
      Http.Reply r = Http.exchange(emu, "id", "secret", "http://l/cb", code);
      assertThat(r.json().get("expires_in").asLong()).isEqualTo(120_000);
      assertThat(r.json().get("expires_in_sec").asLong()).isEqualTo(120);
      assertThat(Http.exchange(emu, "id", "wrong", "http://l/cb", code).text("error"))
          .isEqualTo("invalid_client_secret");
    }
  }

  @Test
  void usageErrorsArePrintedAndReported() {
    for (String[] bad : List.of(
        new String[] {"--port"}, new String[] {"--port", "x"}, new String[] {"--ttl", "0"},
        new String[] {"--frobnicate"}, new String[] {"--client", "only-id"})) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(Cli.parse(bad, new PrintStream(err, true, StandardCharsets.UTF_8))).isNull();
      assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: ").contains("Usage:");
    }
    Cli.Parsed help = Cli.parse(new String[] {"--help"}, System.err);
    assertThat(help).isNotNull();
    assertThat(help.help).isTrue();
  }

  @Test
  void mainRunsInTheForegroundInItsOwnJvmUntilKilled() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        AccountsEmulator.class.getName(), "--port", "0", "--ttl", "60", "--user", "cli@example.com")
        .redirectErrorStream(true)
        .start();
    try {
      CompletableFuture<List<String>> banner = CompletableFuture.supplyAsync(() -> {
        List<String> lines = new ArrayList<>();
        try {
          BufferedReader in =
              new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
          for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
            if (line.startsWith("Press Ctrl+C")) {
              break;
            }
          }
        } catch (java.io.IOException e) {
          lines.add("read failed: " + e);
        }
        return lines;
      });
      List<String> lines = banner.get(30, TimeUnit.SECONDS);
      String tokenUrl = lines.stream().filter(l -> l.startsWith("token URL:")).findFirst()
          .map(l -> l.substring("token URL:".length()).trim())
          .orElseThrow(() -> new AssertionError("no token URL in " + lines));
      assertThat(tokenUrl).matches("http://127\\.0\\.0\\.1:[0-9]+/oauth/v2/token");
      assertThat(lines).contains("user:              cli@example.com");

      Http.Reply r = Http.post(tokenUrl, Http.params("grant_type", "refresh_token", "client_id", "c",
          "client_secret", "s", "refresh_token", "1000.unknown.token"));
      assertThat(r.body()).isEqualTo("{\"error\":\"invalid_code\"}");
      assertThat(process.isAlive()).isTrue();
    } finally {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertThat(process.isAlive()).isFalse();
  }
}
