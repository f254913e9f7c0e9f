package io.velociraptor.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The BOM pins exactly vr's library modules at the reactor's version, and nothing else: no
 * parent (an imported BOM brings its parent's pins along, and vr-parent pins test libraries).
 */
class BomTest {
  private static final Path ROOT = Path.of("..");

  private static Document read(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  private static List<String> texts(Element parent, String tag) {
    List<String> out = new ArrayList<>();
    NodeList nodes = parent.getElementsByTagName(tag);
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add(nodes.item(i).getTextContent().trim());
    }
    return out;
  }

  private static String child(Element e, String tag) {
    NodeList nodes = e.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element c && c.getTagName().equals(tag)) {
        return c.getTextContent().trim();
      }
    }
    return null;
  }

  @Test
  void pinsEveryLibraryModuleAtTheReactorVersionAndNothingElse() throws Exception {
    Element root = read(ROOT.resolve("pom.xml")).getDocumentElement();
    Element bom = read(ROOT.resolve("vr-bom/pom.xml")).getDocumentElement();
    assertThat(bom.getElementsByTagName("parent").getLength()).as("the BOM's parent").isZero();
    assertThat(child(bom, "version")).isEqualTo(child(root, "version"));
    List<String> libraries = new ArrayList<>(texts(root, "module"));
    libraries.removeAll(List.of("vr-bom", "vr-examples"));

    Element managed = (Element) bom.getElementsByTagName("dependencyManagement").item(0);
    NodeList deps = managed.getElementsByTagName("dependency");
    List<String> pinned = new ArrayList<>();
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      assertThat(child(d, "groupId")).isEqualTo("io.velociraptor");
      assertThat(child(d, "version")).isEqualTo("${project.version}");
      assertThat(child(d, "scope")).as("scope of %s", child(d, "artifactId")).isNull();
      pinned.add(child(d, "artifactId"));
    }
    assertThat(pinned).containsExactlyInAnyOrderElementsOf(libraries);
  }

  /**
   * Failsafe 3.6 no longer honours -DskipTests by itself: vr-parent binds it, so that
   * {@code ./mvnw -DskipTests install} starts no nginx, sshd or supervisord.
   */
  @Test
  void theIntegrationTestsAreSkippedWithTheUnitTests() throws Exception {
    Element root = read(ROOT.resolve("pom.xml")).getDocumentElement();
    NodeList plugins = root.getElementsByTagName("plugin");
    List<String> failsafeSkips = new ArrayList<>();
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if ("maven-failsafe-plugin".equals(child(plugin, "artifactId"))) {
        failsafeSkips.addAll(texts(plugin, "skipTests"));
      }
    }
    assertThat(failsafeSkips).containsExactly("${skipTests}");
    Element properties = (Element) root.getElementsByTagName("properties").item(0);
    assertThat(child(properties, "skipTests")).isEqualTo("false");
  }
}
