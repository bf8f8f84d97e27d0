package liaison;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import com.standardwebhooks.Webhook;

/**
 * Send one event to oa-liaison as an OA system would: a CloudEvent (structured JSON), signed with Standard Webhooks.
 *
 *   LIAISON_URL=http://127.0.0.1:8080 LIAISON_SECRET=whsec_… java -cp … liaison.Send document.json
 *
 * document.json holds the event's data (at least its "id"); LIAISON_TYPE names another event type
 * (submission.received, meeting.scheduled, …). With "list" instead of a file it prints GET /api/v1/committees.
 */
public final class Send {
    public static void main(String[] args) throws Exception {
        String url = System.getenv().getOrDefault("LIAISON_URL", "http://127.0.0.1:8080");
        String secret = System.getenv("LIAISON_SECRET");
        if (secret == null || secret.isEmpty() || args.length != 1) {
            System.err.println("usage: LIAISON_SECRET=whsec_… java liaison.Send document.json|list");
            System.exit(2);
        }
        Webhook webhook = new Webhook(secret);
        HttpClient client = HttpClient.newHttpClient();
        if (args[0].equals("list")) {   // the committees (and /api/v1/units) an event may name, with their ids
            HttpResponse<String> answer = client.send(signed(webhook, url + "/api/v1/committees", "list-" + now(), "")
                    .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            System.out.println("{\"status\":" + answer.statusCode() + ",\"answer\":" + answer.body() + "}");
            System.exit(answer.statusCode() == 200 ? 0 : 1);
        }
        String data = Files.readString(Paths.get(args[0]), StandardCharsets.UTF_8).trim();
        Map<String, Object> fields = Json.object(Json.parse(data));
        String type = System.getenv().getOrDefault("LIAISON_TYPE", "document.issued");
        // The CloudEvent id is the event's identity: derive it from the document, so that a retry is the same event.
        // The body is built once and sent as it is; no "time" is stamped, so a retry sends the very same bytes.
        String body = "{\"specversion\":\"1.0\",\"id\":" + Json.quote(type + "-" + fields.get("id"))
                + ",\"source\":" + Json.quote(System.getenv().getOrDefault("LIAISON_SOURCE", "https://oa.example.cn/gw"))
                + ",\"type\":" + Json.quote(type) + ",\"datacontenttype\":\"application/json\",\"data\":" + data + "}";
        String msgId = "msg-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(body.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        HttpRequest request = signed(webhook, url + "/api/v1/events", msgId, body)
                .header("Content-Type", "application/cloudevents+json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        System.out.println("{\"status\":" + answer.statusCode() + ",\"answer\":" + answer.body() + "}");
        System.exit(answer.statusCode() == 202 ? 0 : 1);
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** A request carrying the three Standard Webhooks headers over "{id}.{timestamp}.{body}". */
    private static HttpRequest.Builder signed(Webhook webhook, String url, String msgId, String body) throws Exception {
        long timestamp = now();
        return HttpRequest.newBuilder(URI.create(url)).header("webhook-id", msgId)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", webhook.sign(msgId, timestamp, body));
    }
}
