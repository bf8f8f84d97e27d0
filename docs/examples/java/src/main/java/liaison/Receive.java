package liaison;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Receive oa-liaison's callbacks as an OA system would: verify the Standard Webhooks signature on the RAW body,
 * file each callback once (by its webhook-id, which is its CloudEvent id), answer 2xx only once it is filed.
 *
 *   LIAISON_SECRET=whsec_… PORT=9000 INBOX=./inbox java -cp … liaison.Receive
 *
 * then register http://<this host>:9000/liaison/callback as the host's callback URL. Each callback is printed as
 * one JSON line; a liaison.decision shows why a document was (or was not) copied: its status and reasons.
 */
public final class Receive {
    public static void main(String[] args) throws IOException {
        String secret = System.getenv("LIAISON_SECRET");
        if (secret == null || secret.isEmpty()) {
            System.err.println("LIAISON_SECRET is not set");
            System.exit(2);
        }
        Webhook webhook = new Webhook(secret);
        Path inbox = Paths.get(System.getenv().getOrDefault("INBOX", "inbox")).toAbsolutePath();
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "9000"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/liaison/callback", exchange -> {
            try {
                handle(exchange, webhook, inbox);
            } catch (RuntimeException e) {
                answer(exchange, 500, "{\"error\":\"internal\"}");
            }
        });
        server.start();
        System.out.println("{\"listening\":" + server.getAddress().getPort() + "}");
        System.out.flush();
    }

    private static void handle(HttpExchange exchange, Webhook webhook, Path inbox) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            answer(exchange, 405, "{\"error\":\"POST only\"}");
            return;
        }
        byte[] raw;
        try (InputStream in = exchange.getRequestBody()) {
            raw = in.readAllBytes();
        }
        // Verify the body exactly as it came: parsing and re-serialising it first would change the signed text.
        String body = new String(raw, StandardCharsets.UTF_8);
        Map<String, List<String>> lower = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> lower.put(name.toLowerCase(), values));
        try {
            webhook.verify(body, HttpHeaders.of(lower, (name, value) -> true));
        } catch (Exception e) {
            System.out.println("{\"refused\":" + Json.quote(String.valueOf(e.getMessage())) + "}");
            System.out.flush();
            answer(exchange, 401, "{\"error\":\"bad signature\"}");
            return;
        }
        Map<String, Object> event = Json.object(Json.parse(body));
        Map<String, Object> data = Json.object(event.get("data"));
        String id = String.valueOf(event.get("id"));
        String type = String.valueOf(event.get("type"));
        // A retry carries the same id: filing by id makes a second delivery change nothing.
        Path folder = inbox.resolve(type.replaceAll("[^a-z.]", "_"));
        Files.createDirectories(folder);
        Path file = folder.resolve(id.replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
        boolean first = !Files.exists(file);
        if (first) {
            Files.write(file, raw);
        }
        StringBuilder line = new StringBuilder("{\"verified\":true,\"first\":" + first + ",\"type\":" + Json.quote(type)
                + ",\"id\":" + Json.quote(id) + ",\"document_id\":" + Json.quote(data.get("document_id"))
                + ",\"committee\":" + Json.quote(data.get("committee")));
        if ("liaison.decision".equals(type)) {   // why a document was not copied, for the clerk who issued it
            StringBuilder reasons = new StringBuilder();
            for (Object reason : data.get("reasons") instanceof List ? (List<?>) data.get("reasons") : List.of()) {
                reasons.append(reasons.length() > 0 ? "," : "").append(Json.quote(Json.object(reason).get("text")));
            }
            line.append(",\"status\":").append(Json.quote(data.get("status")))
                .append(",\"hold_reason\":").append(Json.quote(data.get("hold_reason")))
                .append(",\"reasons\":[").append(reasons).append("]");
        }
        System.out.println(line.append("}"));
        System.out.flush();
        answer(exchange, 200, "{\"filed\":" + Json.quote(id) + "}");
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
