package dev.tokenstore.spring.readme;

import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.annotation.RegisteredOAuth2AuthorizedClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

@RestController
class CrmController {
  private final RestClient crm = RestClient.create("https://www.zohoapis.eu/crm/v8");

  // The token comes from tokenstore: from memory while valid; at expiry one refresh for all concurrent
  // requests and all instances on the same store; the rotated refresh token saved before anyone needs it.
  @GetMapping("/leads")
  String leads(@RegisteredOAuth2AuthorizedClient("zoho") OAuth2AuthorizedClient zoho) {
    return crm.get().uri("/Leads?fields=Last_Name")
        .header("Authorization", "Zoho-oauthtoken " + zoho.getAccessToken().getTokenValue())
        .retrieve().body(String.class);
  }
}
