import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Prints the body of GET URL (exit 1 on a non-2xx answer): the uptest's HTTP client of last resort. */
public final class HttpGet {
  private HttpGet() {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    System.out.print(r.body());
    System.exit(r.statusCode() / 100 == 2 ? 0 : 1);
  }
}
