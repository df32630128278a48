package dev.tokenstore.spring.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.annotation.RegisteredOAuth2AuthorizedClient;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample application: users sign in with {@code oauth2Login}; {@code /api} calls an API on their behalf with
 * the access token that tokenstore keeps and refreshes ({@code sample.api-url}); {@code /token} shows the token
 * (for the tests only: never hand a token to a browser in a real application).
 */
@SpringBootApplication
public class SampleApplication {

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
        .oauth2Login(Customizer.withDefaults())
        .oauth2Client(Customizer.withDefaults());
    return http.build();
  }

  @RestController
  static class ApiController {
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI api;

    ApiController(@Value("${sample.api-url}") String api) {
      this.api = URI.create(api);
    }

    /** Calls the API with the signed-in user's access token and returns its answer. */
    @GetMapping("/api")
    String api(@RegisteredOAuth2AuthorizedClient("mock") OAuth2AuthorizedClient client)
        throws IOException, InterruptedException {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(api)
          .header("Authorization", "Bearer " + client.getAccessToken().getTokenValue()).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    }

    @GetMapping("/token")
    String token(@RegisteredOAuth2AuthorizedClient("mock") OAuth2AuthorizedClient client) {
      return client.getAccessToken().getTokenValue();
    }
  }
}
