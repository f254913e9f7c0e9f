package io.velociraptor.supervisor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcHttpTransport;
import org.apache.xmlrpc.client.XmlRpcTransport;
import org.apache.xmlrpc.client.XmlRpcTransportFactory;
import org.apache.xmlrpc.common.XmlRpcStreamRequestConfig;
import org.xml.sax.SAXException;
import org.xml.sax.XMLReader;

/**
 * Apache XML-RPC over {@link HttpClient}: one deadline for the whole reply, HTTP status codes
 * seen (401 becomes an authentication error), pooled keep-alive connections, and a parser that
 * refuses DOCTYPEs so a reply can never make the client read an external entity.
 */
final class HttpClientTransportFactory implements XmlRpcTransportFactory {
  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  private final XmlRpcClient client;
  private final HttpClient http;
  private final SupervisorEndpoint endpoint;
  private final Duration timeout;
  private final SAXParserFactory parsers = secureParserFactory();

  HttpClientTransportFactory(XmlRpcClient client, HttpClient http, SupervisorEndpoint endpoint, Duration timeout) {
    this.client = client;
    this.http = http;
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  @Override
  public XmlRpcTransport getTransport() {
    return new Transport();
  }

  /** Carries a {@link SupervisorException} through Apache XML-RPC's checked exceptions. */
  static final class Failure extends XmlRpcException {
    private static final long serialVersionUID = 1L;
    final transient SupervisorException failure;

    Failure(SupervisorException failure) {
      super(failure.getMessage(), failure);
      this.failure = failure;
    }
  }

  private final class Transport extends XmlRpcHttpTransport {
    private final List<String[]> headers = new ArrayList<>();
    private byte[] body;

    Transport() {
      super(client, "vr-supervisor");
    }

    @Override
    protected void setRequestHeader(String name, String value) {
      if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
        headers.add(new String[] {name, value});
      }
    }

    @Override
    protected void close() {}

    @Override
    protected boolean isResponseGzipCompressed(XmlRpcStreamRequestConfig config) {
      return false;
    }

    @Override
    protected InputStream getInputStream() {
      return new ByteArrayInputStream(body);
    }

    @Override
    protected XMLReader newXMLReader() throws XmlRpcException {
      try {
        XMLReader reader;
        synchronized (parsers) {
          reader = parsers.newSAXParser().getXMLReader();
        }
        reader.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
          @Override
          public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
            throw e; // raised to the caller instead of printed to stderr
          }
        });
        reader.setEntityResolver((publicId, systemId) -> {
          throw new SAXException("refusing to resolve external entity " + systemId);
        });
        return reader;
      } catch (ParserConfigurationException | SAXException e) {
        throw new XmlRpcException("cannot create a secure XML parser: " + e.getMessage(), e);
      }
    }

    @Override
    protected void writeRequest(ReqWriter writer) throws XmlRpcException, IOException, SAXException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.write(out);
      HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.uri())
          .timeout(timeout)
          .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()));
      for (String[] h : headers) {
        request.header(h[0], h[1]);
      }
      CompletableFuture<HttpResponse<byte[]>> future =
          http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<byte[]> response;
      try {
        response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        future.cancel(true);
        throw timedOut(e);
      } catch (InterruptedException e) {
        future.cancel(true);
        Thread.currentThread().interrupt();
        throw new Failure(SupervisorException.of(SupervisorException.Kind.UNREACHABLE, endpoint.label(), null,
            "interrupted while calling supervisor on " + endpoint.label(), e));
      } catch (ExecutionException e) {
        throw mapFailure(e.getCause() == null ? e : e.getCause());
      }
      int status = response.statusCode();
      if (status == 401) {
        throw new Failure(SupervisorException.authentication(endpoint.label(), endpoint.username().orElse("")));
      }
      if (status != 200) {
        throw new Failure(SupervisorException.of(SupervisorException.Kind.PROTOCOL, endpoint.label(), null,
            "supervisor on " + endpoint.label() + " answered HTTP " + status + " instead of an XML-RPC reply", null));
      }
      body = response.body();
    }

    private Failure timedOut(Throwable cause) {
      return new Failure(SupervisorException.of(SupervisorException.Kind.TIMEOUT, endpoint.label(), null,
          "supervisor on " + endpoint.label() + " did not answer within " + timeout.toMillis() + " ms", cause));
    }

    private Failure mapFailure(Throwable cause) {
      if (cause instanceof HttpConnectTimeoutException) {
        return new Failure(SupervisorException.of(SupervisorException.Kind.TIMEOUT, endpoint.label(), null,
            "could not connect to supervisor on " + endpoint.label() + " within "
                + endpoint.connectTimeout().toMillis() + " ms", cause));
      }
      if (cause instanceof java.net.http.HttpTimeoutException) {
        return timedOut(cause);
      }
      String why = cause instanceof ConnectException ? "connection refused or failed"
          : cause instanceof UnresolvedAddressException ? "address does not resolve"
          : String.valueOf(cause.getMessage());
      return new Failure(SupervisorException.of(SupervisorException.Kind.UNREACHABLE, endpoint.label(), null,
          "cannot reach supervisor on " + endpoint.label() + ": " + why, cause));
    }
  }

  private static SAXParserFactory secureParserFactory() {
    try {
      SAXParserFactory f = SAXParserFactory.newInstance();
      f.setNamespaceAware(true);
      f.setValidating(false);
      f.setXIncludeAware(false);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      return f;
    } catch (ParserConfigurationException | SAXException e) {
      throw new IllegalStateException("the JDK's SAX parser lacks the features vr needs to parse safely", e);
    }
  }
}
