package com.standardwebhooks;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JDK-only stand-in for the Standard Webhooks Java library's {@code com.standardwebhooks.Webhook}, with the
 * same constructor, {@code verify} and {@code sign}: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}".
 * Use it where Maven Central cannot be reached; with Maven, pom.xml leaves this file out and takes the library.
 */
public final class Webhook {
    private static final String PREFIX = "whsec_";
    private static final long TOLERANCE_SECONDS = 5 * 60;
    private final byte[] key;

    public Webhook(String secret) {
        this.key = Base64.getDecoder().decode(secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret);
    }

    /** Throws unless one v1 signature of the headers matches the body and the timestamp is within 5 minutes. */
    public void verify(String payload, HttpHeaders headers) throws Exception {
        String id = headers.firstValue("webhook-id").orElseThrow(() -> new Exception("missing webhook-id"));
        String stamp = headers.firstValue("webhook-timestamp").orElseThrow(() -> new Exception("missing timestamp"));
        String given = headers.firstValue("webhook-signature").orElseThrow(() -> new Exception("missing signature"));
        long timestamp;
        try {
            timestamp = Long.parseLong(stamp);
        } catch (NumberFormatException e) {
            throw new Exception("bad timestamp");
        }
        if (Math.abs(System.currentTimeMillis() / 1000 - timestamp) > TOLERANCE_SECONDS) {
            throw new Exception("timestamp out of tolerance");
        }
        byte[] expected = sign(id, timestamp, payload).getBytes(StandardCharsets.US_ASCII);
        // Several space-separated signatures (one per live secret while a secret is rotated): any one suffices.
        for (String signature : given.split(" ")) {
            if (MessageDigest.isEqual(signature.getBytes(StandardCharsets.US_ASCII), expected)) {
                return;
            }
        }
        throw new Exception("no matching signature");
    }

    /** "v1,<base64 HMAC-SHA256>" of the message, as the webhook-signature header carries it. */
    public String sign(String msgId, long timestamp, String payload) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] digest = mac.doFinal((msgId + "." + timestamp + "." + payload).getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(digest);
    }
}
