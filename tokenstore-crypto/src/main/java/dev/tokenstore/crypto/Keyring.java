package dev.tokenstore.crypto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.daead.AesSivParameters;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import com.google.crypto.tink.daead.PredefinedDeterministicAeadParameters;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The keys that encrypt a store's secrets: a Tink keyset of AES-SIV keys (512-bit keys, deterministic
 * authenticated encryption, RFC 5297), each with a 32-bit key id that Tink writes in front of every ciphertext,
 * one of them primary (used for new writes), and the time each key was made.
 *
 * <p>A keyring is a value: {@link #rotate} and {@link #withoutKey} return new keyrings. Its text form
 * ({@link #toJson()}) holds the key material in clear and belongs in a file only this user can read (see
 * {@link KeyringFile}); {@link #toJson(Aead)} wraps the keys with a key-encryption key instead (a cloud KMS, see
 * {@link KeyProvider}). {@link #toString()} never shows key material.
 *
 * <p>Immutable and thread-safe.
 */
public final class Keyring {
  static final String FORMAT = "tokenstore-keyring";
  private static final JsonFactory JSON = new JsonFactory();
  /** Tink's 5-byte ciphertext prefix: version byte 1, then the key id (big-endian). */
  static final int PREFIX_LENGTH = 5;
  private static final byte TINK_PREFIX = 1;

  static {
    try {
      DeterministicAeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final KeysetHandle keyset;
  private final Map<Long, @Nullable Instant> created;
  private final DeterministicAead all;
  /** One primitive per key, primary first: the ciphertexts a lookup tries. */
  private final Map<Long, DeterministicAead> each;
  private final long primary;

  private Keyring(KeysetHandle keyset, Map<Long, @Nullable Instant> created) {
    try {
      this.keyset = keyset;
      this.all = keyset.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class);
      LinkedHashMap<Long, DeterministicAead> one = new LinkedHashMap<>();
      LinkedHashMap<Long, @Nullable Instant> when = new LinkedHashMap<>();
      long p = Integer.toUnsignedLong(keyset.getPrimary().getId());
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < keyset.size(); i++) {
          KeysetHandle.Entry e = keyset.getAt(i);
          long id = Integer.toUnsignedLong(e.getId());
          if ((pass == 0) != (id == p)) {
            continue;
          }
          if (!(e.getKey().getParameters() instanceof AesSivParameters params) || !params.hasIdRequirement()) {
            throw invalid("key " + id + " is not an AES-SIV key with a key id (" + e.getKey().getParameters()
                + "); a tokenstore keyring holds only those");
          }
          KeysetHandle single = KeysetHandle.newBuilder()
              .addEntry(KeysetHandle.importKey(e.getKey()).makePrimary())
              .build();
          one.put(id, single.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class));
          when.put(id, created.get(id));
        }
      }
      this.each = Collections.unmodifiableMap(one);
      this.created = Collections.unmodifiableMap(when);
      this.primary = p;
    } catch (GeneralSecurityException | IllegalStateException e) {
      throw invalid("Tink refused the keyset (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A new keyring with one fresh AES-SIV key, made primary. */
  public static Keyring generate(Clock clock) {
    try {
      KeysetHandle k = KeysetHandle.generateNew(PredefinedDeterministicAeadParameters.AES256_SIV);
      return new Keyring(k, Map.of(Integer.toUnsignedLong(k.getPrimary().getId()), clock.instant()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink could not make an AES-SIV key", e);
    }
  }

  /**
   * A keyring of keys made elsewhere (a keystore, a KMS): {@code keyset} must hold only AES-SIV keys with key ids
   * (Tink's {@code TINK} output prefix). {@code created} may lack entries.
   */
  public static Keyring of(KeysetHandle keyset, Map<Long, Instant> created) {
    return new Keyring(keyset, new LinkedHashMap<>(created));
  }

  /** This keyring plus a fresh key, made primary; the other keys stay and still decrypt. */
  public Keyring rotate(Clock clock) {
    try {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(keyset);
      b.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedDeterministicAeadParameters.AES256_SIV)
          .withRandomId().makePrimary());
      KeysetHandle next = b.build();
      Map<Long, @Nullable Instant> when = new LinkedHashMap<>(created);
      when.put(Integer.toUnsignedLong(next.getPrimary().getId()), clock.instant());
      return new Keyring(next, when);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink could not make an AES-SIV key", e);
    }
  }

  /**
   * This keyring without key {@code id}. Whether a store still uses it is the caller's check
   * ({@link EncryptedTokenStore#keyUsage()}).
   *
   * @throws TokenstoreException {@link ErrorCode#KEY_IN_USE} for the primary key, {@link ErrorCode#INVALID_ARGUMENT}
   *     for an id the keyring does not have
   */
  public Keyring withoutKey(long id) {
    if (!each.containsKey(id)) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT,
          "The keyring has no key " + id + "; its keys are " + each.keySet() + ".");
    }
    if (id == primary) {
      throw new TokenstoreException(ErrorCode.KEY_IN_USE,
          "Key " + id + " is the primary key: new writes use it. Rotate first (tokenstore keys rotate), re-encrypt "
              + "(tokenstore rekey), then retire it.");
    }
    try {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(keyset);
      for (int i = b.size() - 1; i >= 0; i--) {
        if (Integer.toUnsignedLong(keyset.getAt(i).getId()) == id) {
          b.deleteAt(i);
        }
      }
      Map<Long, @Nullable Instant> when = new LinkedHashMap<>(created);
      when.remove(id);
      return new Keyring(b.build(), when);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink could not remove key " + id, e);
    }
  }

  /** The keys, primary first, without key material. */
  public List<KeyInfo> keys() {
    List<KeyInfo> out = new ArrayList<>();
    for (Long id : each.keySet()) {
      out.add(new KeyInfo(id, created.get(id), id == primary));
    }
    return List.copyOf(out);
  }

  /** The id of the primary key, which new writes use. */
  public long primaryKeyId() {
    return primary;
  }

  /** Whether the keyring has key {@code id}. */
  public boolean hasKey(long id) {
    return each.containsKey(id);
  }

  /** The Tink keyset (for a {@link KeyProvider} that stores it elsewhere). It holds key material. */
  public KeysetHandle keyset() {
    return keyset;
  }

  /** The key id written in front of {@code ciphertext}, or -1 when it is too short or not Tink's format. */
  static long keyIdOf(byte[] ciphertext) {
    if (ciphertext.length < PREFIX_LENGTH || ciphertext[0] != TINK_PREFIX) {
      return -1;
    }
    return ((ciphertext[1] & 0xFFL) << 24) | ((ciphertext[2] & 0xFFL) << 16) | ((ciphertext[3] & 0xFFL) << 8)
        | (ciphertext[4] & 0xFFL);
  }

  /** {@code plaintext} encrypted with the primary key (deterministic: same input, same output). */
  byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
    return all.encryptDeterministically(plaintext, associatedData);
  }

  /** {@code plaintext} encrypted with each key, primary first: the stored forms a lookup looks for. */
  List<byte[]> encryptWithEachKey(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
    List<byte[]> out = new ArrayList<>(each.size());
    for (DeterministicAead d : each.values()) {
      out.add(d.encryptDeterministically(plaintext, associatedData));
    }
    return out;
  }

  /** The plaintext of {@code ciphertext}, made by any key of this keyring. */
  byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
    return all.decryptDeterministically(ciphertext, associatedData);
  }

  /**
   * The keyring as text with its key material in clear: write it only to a file this user alone can read
   * ({@link KeyringFile#create}).
   */
  public String toJson() {
    try {
      return write(TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get()), false);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink could not write the keyset", e);
    }
  }

  /** The keyring as text with its keys wrapped by {@code keyEncryptionKey} (e.g. a KMS key through Tink). */
  public String toJson(Aead keyEncryptionKey) {
    try {
      return write(TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(keyset, keyEncryptionKey,
          FORMAT.getBytes(StandardCharsets.UTF_8)), true);
    } catch (GeneralSecurityException e) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR,
          "The key-encryption key could not wrap the keyring: " + e.getMessage());
    }
  }

  private String write(String tinkJson, boolean wrapped) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", 1);
      g.writeArrayFieldStart("keys");
      for (KeyInfo k : keys()) {
        g.writeStartObject();
        g.writeNumberField("id", k.id());
        if (k.created() != null) {
          g.writeStringField("created", k.created().toString());
        }
        g.writeBooleanField("primary", k.primary());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField(wrapped ? "wrapped_keyset" : "keyset", tinkJson);
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out + "\n";
  }

  /**
   * Reads the text of {@link #toJson()}.
   *
   * @param source what the text came from, for messages (a path, a variable name)
   * @throws TokenstoreException {@link ErrorCode#KEYRING_ERROR} when it is not a keyring, is wrapped, or Tink
   *     refuses its keyset; the message holds no key material
   */
  public static Keyring fromJson(String json, String source) {
    return fromJson(json, source, null);
  }

  /** Reads the text of {@link #toJson(Aead)} (or of {@link #toJson()}, when {@code keyEncryptionKey} is null). */
  public static Keyring fromJson(String json, String source, @Nullable Aead keyEncryptionKey) {
    String keysetJson = null;
    boolean wrapped = false;
    String format = null;
    Map<Long, Instant> when = new TreeMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw invalid(source + " is not a tokenstore keyring (not a JSON object)");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "format" -> format = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "keyset", "wrapped_keyset" -> {
            if (value != JsonToken.VALUE_STRING) {
              throw invalid(source + ": '" + field + "' is not a string");
            }
            keysetJson = p.getText();
            wrapped = field.equals("wrapped_keyset");
          }
          case "keys" -> readCreated(p, value, when, source);
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw invalid(source + " is not a tokenstore keyring: malformed JSON at line "
          + (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null
              ? jpe.getLocation().getLineNr() : 0));
    }
    if (!FORMAT.equals(format) || keysetJson == null) {
      throw invalid(source + " is not a tokenstore keyring (it needs \"format\": \"" + FORMAT
          + "\" and a keyset); make one with 'tokenstore keys init'");
    }
    try {
      KeysetHandle k;
      if (wrapped) {
        if (keyEncryptionKey == null) {
          throw invalid(source + " holds a wrapped keyset; it needs its key-encryption key (a KeyProvider of "
              + "your KMS)");
        }
        k = TinkJsonProtoKeysetFormat.parseEncryptedKeyset(keysetJson, keyEncryptionKey,
            FORMAT.getBytes(StandardCharsets.UTF_8));
      } else {
        k = TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
      }
      for (int i = 0; i < k.size(); i++) {
        if (k.getAt(i).getStatus() != KeyStatus.ENABLED) {
          throw invalid(source + ": key " + Integer.toUnsignedLong(k.getAt(i).getId()) + " is not enabled");
        }
      }
      return new Keyring(k, new LinkedHashMap<>(when));
    } catch (GeneralSecurityException | IllegalStateException e) {
      // Tink throws IllegalStateException for a key whose data does not parse as its type says
      throw invalid(source + ": Tink refused the keyset (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static void readCreated(JsonParser p, JsonToken value, Map<Long, Instant> when, String source)
      throws IOException {
    if (value != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      Long id = null;
      Instant at = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        JsonToken v = p.nextToken();
        if (f.equals("id") && v == JsonToken.VALUE_NUMBER_INT) {
          id = p.getLongValue();
        } else if (f.equals("created") && v == JsonToken.VALUE_STRING) {
          try {
            at = Instant.parse(p.getText());
          } catch (DateTimeParseException e) {
            throw invalid(source + ": a key's 'created' is not an ISO-8601 instant");
          }
        } else {
          p.skipChildren();
        }
      }
      if (id != null && at != null) {
        when.put(id, at);
      }
    }
  }

  private static TokenstoreException invalid(String message) {
    return new TokenstoreException(ErrorCode.KEYRING_ERROR, message + ".");
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Keyring k && k.keyset.equalsKeyset(keyset);
  }

  @Override
  public int hashCode() {
    return each.keySet().hashCode();
  }

  /** The key ids and the primary; never key material. */
  @Override
  public String toString() {
    return "Keyring[primary=" + primary + ", keys=" + each.keySet() + "]";
  }
}
