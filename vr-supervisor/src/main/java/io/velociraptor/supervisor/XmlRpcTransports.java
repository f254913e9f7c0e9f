package io.velociraptor.supervisor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
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
 * Apache XML-RPC over {@link HttpConnections}: one deadline for the whole reply, HTTP status codes
 * seen (401 becomes an authentication error), pooled keep-alive connections, and a parser that
 * refuses DOCTYPEs so a reply can never make the client read an external entity.
 */
final class XmlRpcTransports implements XmlRpcTransportFactory {

  private final XmlRpcClient client;
  private final HttpConnections connections;
  private final SupervisorEndpoint endpoint;
  private final Duration timeout;
  private final SAXParserFactory parsers = secureParserFactory();
  // building a SAX parser costs milliseconds, more than the rest of a call: readers are reused
  private final java.util.concurrent.ConcurrentLinkedQueue<XMLReader> readers =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  XmlRpcTransports(XmlRpcClient client, HttpConnections connections, SupervisorEndpoint endpoint,
      Duration timeout) {
    this.client = client;
    this.connections = connections;
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
    private byte[] body;
    private XMLReader reader;

    Transport() {
      super(client, "vr-supervisor");
    }

    @Override
    protected void setRequestHeader(String name, String value) {
      // HttpConnections writes the few headers XML-RPC needs itself
    }

    @Override
    protected void close() {
      if (reader != null && readers.size() < 16) {
        readers.add(reader);
      }
      reader = null;
    }

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
      XMLReader r = readers.poll();
      if (r == null) {
        r = createReader();
      }
      reader = r;
      return r;
    }

    @Override
    protected void writeRequest(ReqWriter writer) throws XmlRpcException, IOException, SAXException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.write(out);
      HttpConnections.Reply reply;
      try {
        reply = connections.post(endpoint.uri().getRawPath(), out.toByteArray(), timeout);
      } catch (HttpConnections.ExchangeException e) {
        throw new Failure(SupervisorException.of(e.kind, endpoint.label(), null, e.getMessage(), e.getCause()));
      }
      if (reply.status() == 401) {
        throw new Failure(SupervisorException.authentication(endpoint.label(), endpoint.username().orElse("")));
      }
      if (reply.status() != 200) {
        throw new Failure(SupervisorException.of(SupervisorException.Kind.PROTOCOL, endpoint.label(), null,
            "supervisor on " + endpoint.label() + " answered HTTP " + reply.status() + " instead of an XML-RPC reply",
            null));
      }
      body = reply.body();
    }
  }

  private XMLReader createReader() throws XmlRpcException {
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
