package io.velociraptor.core.arch;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.doctree.DocTree;
import com.sun.source.doctree.ParamTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.TreePath;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.RecordComponentElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import jdk.javadoc.doclet.DocletEnvironment;
import jdk.javadoc.doclet.Reporter;

/**
 * Runs the JDK's javadoc tool in-process over one module's main sources, with a doclet that lists
 * every element a user of the published javadoc sees without a summary sentence, the text that fills
 * the "Description" column of the summary tables.
 *
 * <p>What the doclet checks, on the elements javadoc documents by default (public and protected
 * members of public and protected types):
 * <ul>
 *   <li>every type, method, field and enum constant has a doc comment whose first sentence
 *       ({@link DocCommentTree#getFirstSentence()}) is not empty. A comment that is only
 *       {@code @return ...} has an empty first sentence: its summary row is blank. The abstract
 *       accessors of {@code @Value.Immutable} interfaces and abstract classes are methods like any
 *       other;
 *   <li>every explicit constructor the same way (implicit ones, and a record's canonical
 *       constructor, get javadoc's own text);
 *   <li>a record component's accessor without a comment of its own is documented by the record's
 *       {@code @param} tag for that component (javadoc turns it into the accessor's
 *       {@code Returns:}): the tag must be there and not empty;
 *   <li>a method without a comment that overrides a method whose summary javadoc can copy
 *       ("Description copied from") is fine. Javadoc copies only from source it reads, so the
 *       overridden method must be in this module's sources: an undocumented override of
 *       {@code toString()}, {@code close()} or another module's SPI method has a blank row in this
 *       module's javadoc, and is listed;
 *   <li>the public and protected members of a package-private superclass, which javadoc shows on
 *       the page of each public subclass that does not override them, are checked like the
 *       subclass's own;
 *   <li>enum {@code values()} and {@code valueOf(String)}, and the {@code equals}, {@code hashCode}
 *       and {@code toString} of a record, get javadoc's own text and are not checked.
 * </ul>
 * Generated {@code Immutable*} classes are not checked: they are not in {@code src/main/java} (javadoc
 * reads them as class files from the classpath), and the doclet skips any type named
 * {@code Immutable*} or read from a {@code generated-sources} directory. Packages are not checked.
 */
public final class JavadocSummary {
  private static final String MARK = "no summary sentence: ";

  private JavadocSummary() {}

  /**
   * Every element under {@code sourceRoot} that lacks a summary sentence, as
   * {@code path:line name}, in file and line order.
   *
   * @param sourceRoot a module's {@code src/main/java}
   * @param classpath the module's compile classpath (a test's own classpath holds it)
   * @param excluded paths relative to {@code sourceRoot} that are not checked
   * @throws IllegalArgumentException if {@code sourceRoot} is not a directory
   * @throws IllegalStateException if javadoc cannot read the sources (it lists javadoc's errors)
   */
  public static List<String> offenders(Path sourceRoot, String classpath, Set<String> excluded) {
    if (!Files.isDirectory(sourceRoot)) {
      throw new IllegalArgumentException("not a source directory: " + sourceRoot.toAbsolutePath());
    }
    List<Path> sources;
    try (Stream<Path> files = Files.walk(sourceRoot)) {
      sources = files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.getFileName().toString().equals("package-info.java"))
          .filter(p -> !p.getFileName().toString().equals("module-info.java"))
          .filter(p -> !excluded.contains(sourceRoot.relativize(p).toString().replace('\\', '/')))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (sources.isEmpty()) {
      return List.of();
    }
    DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    StringWriter out = new StringWriter();
    try (StandardJavaFileManager files = javadoc.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
      List<String> options = List.of("-classpath", classpath, "--source-path", sourceRoot.toString(),
          "--release", "17", "-quiet", "-Xmaxerrs", "100000", "-Xmaxwarns", "0");
      DocumentationTool.DocumentationTask task = javadoc.getTask(out, files, diagnostics, Doclet.class,
          options, files.getJavaFileObjectsFromPaths(sources));
      task.setLocale(Locale.ROOT);
      task.call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> offenders = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      String message = d.getMessage(Locale.ROOT);
      if (message.startsWith(MARK)) {
        offenders.add(message.substring(MARK.length()));
      } else if (d.getKind() == Diagnostic.Kind.ERROR) {
        failures.add(d.toString());
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("javadoc could not read " + sourceRoot + ":\n"
          + String.join("\n", failures) + "\n" + out);
    }
    return offenders.stream().sorted(JavadocSummary::byFileAndLine).collect(Collectors.toList());
  }

  /**
   * The running test's classpath, which holds the module's compile classpath. Surefire may start
   * the JVM with a manifest-only jar; it then names the real classpath in
   * {@code surefire.test.class.path}.
   */
  public static String testClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** A failure message that lists every offender, one a line. */
  public static String describe(List<String> offenders) {
    return offenders.size() + " public elements have no summary sentence (write one true sentence"
        + " before any tag, e.g. /** The hosts of this squad, in name order. */):\n  "
        + String.join("\n  ", offenders) + "\n";
  }

  private static int byFileAndLine(String a, String b) {
    String[] x = a.split(":", 3);
    String[] y = b.split(":", 3);
    int byFile = x[0].compareTo(y[0]);
    if (byFile != 0) {
      return byFile;
    }
    int byLine = Integer.compare(Integer.parseInt(x[1].split(" ")[0]), Integer.parseInt(y[1].split(" ")[0]));
    return byLine != 0 ? byLine : a.compareTo(b);
  }

  /** The doclet: reports each offender as an error diagnostic that starts with {@link #MARK}. */
  public static final class Doclet implements jdk.javadoc.doclet.Doclet {
    private Reporter reporter;

    /** Made by the javadoc tool. */
    public Doclet() {}

    @Override
    public void init(Locale locale, Reporter reporter) {
      this.reporter = reporter;
    }

    @Override
    public String getName() {
      return "JavadocSummary";
    }

    @Override
    public Set<? extends Option> getSupportedOptions() {
      return Set.of();
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
      return SourceVersion.latest();
    }

    @Override
    public boolean run(DocletEnvironment env) {
      DocTrees trees = env.getDocTrees();
      Elements elements = env.getElementUtils();
      Set<String> found = new TreeSet<>();
      for (TypeElement type : ElementFilter.typesIn(env.getIncludedElements())) {
        if (type.getSimpleName().toString().startsWith("Immutable") || generated(trees, type)) {
          continue;
        }
        if (!hasSummary(trees, type)) {
          found.add(where(trees, type) + " type " + type.getQualifiedName());
        }
        boolean isRecord = type.getKind() == ElementKind.RECORD;
        Set<Element> accessors = new java.util.HashSet<>();
        if (isRecord) {
          for (RecordComponentElement component : type.getRecordComponents()) {
            accessors.add(component.getAccessor());
            if (!hasSummary(trees, component.getAccessor()) && !hasParam(trees, type, component)) {
              found.add(where(trees, type) + " record component " + type.getQualifiedName() + "."
                  + component.getSimpleName() + " (no @param in the record's comment)");
            }
          }
        }
        List<Element> members = new ArrayList<>(type.getEnclosedElements());
        members.addAll(fromHiddenSuperclasses(env, trees, elements, type));
        for (Element member : members) {
          boolean hidden = member.getEnclosingElement() != type;
          if (!hidden && !env.isIncluded(member) || accessors.contains(member) || member instanceof TypeElement) {
            continue;
          }
          if (elements.getOrigin(member) != Elements.Origin.EXPLICIT) {
            continue;   // default constructors, enum values()/valueOf, a record's implicit members
          }
          switch (member.getKind()) {
            case METHOD:
              ExecutableElement method = (ExecutableElement) member;
              if (enumMethod(type, method) || recordMethod(type, method)) {
                continue;
              }
              TypeElement owner = (TypeElement) method.getEnclosingElement();
              if (!hasSummary(trees, method) && !inheritsSummary(trees, elements, owner, method)) {
                found.add(where(trees, method) + " method " + owner.getQualifiedName() + "." + signature(method)
                    + (hidden ? " (shown on its public subclasses' pages)" : ""));
              }
              break;
            case CONSTRUCTOR:
              if (hidden || isRecord && canonical(type, (ExecutableElement) member)) {
                continue;
              }
              if (!hasSummary(trees, member)) {
                found.add(where(trees, member) + " constructor " + type.getQualifiedName() + "."
                    + signature((ExecutableElement) member));
              }
              break;
            case FIELD:
            case ENUM_CONSTANT:
              if (!hasSummary(trees, member)) {
                found.add(where(trees, member) + " field " + ((TypeElement) member.getEnclosingElement()).getQualifiedName()
                    + "." + member.getSimpleName());
              }
              break;
            default:
              break;
          }
        }
      }
      for (String offender : found) {
        reporter.print(Diagnostic.Kind.ERROR, MARK + offender);
      }
      return true;
    }

    /**
     * The public and protected members of the package-private superclasses of {@code type} in
     * these sources that {@code type} does not override: javadoc shows them as members of
     * {@code type}, with their own comments.
     */
    private static List<Element> fromHiddenSuperclasses(DocletEnvironment env, DocTrees trees, Elements elements,
        TypeElement type) {
      List<Element> out = new ArrayList<>();
      TypeMirror superclass = type.getSuperclass();
      while (superclass.getKind() == TypeKind.DECLARED) {
        TypeElement s = (TypeElement) ((DeclaredType) superclass).asElement();
        if (env.isIncluded(s) || trees.getPath(s) == null) {
          break;   // a documented class has its own page; a class-file one is not ours to check
        }
        for (Element m : s.getEnclosedElements()) {
          Set<Modifier> mods = m.getModifiers();
          boolean visible = mods.contains(Modifier.PUBLIC) || mods.contains(Modifier.PROTECTED);
          if (!visible || m.getKind() != ElementKind.METHOD && m.getKind() != ElementKind.FIELD) {
            continue;
          }
          if (m.getKind() == ElementKind.METHOD && overriddenIn(elements, type, s, (ExecutableElement) m)) {
            continue;
          }
          out.add(m);
        }
        superclass = s.getSuperclass();
      }
      return out;
    }

    /** Whether a class between {@code type} and {@code declarer} (type included) overrides {@code method}. */
    private static boolean overriddenIn(Elements elements, TypeElement type, TypeElement declarer, ExecutableElement method) {
      TypeElement t = type;
      while (t != null && !t.equals(declarer)) {
        for (ExecutableElement m : ElementFilter.methodsIn(t.getEnclosedElements())) {
          if (elements.overrides(m, method, type)) {
            return true;
          }
        }
        TypeMirror up = t.getSuperclass();
        t = up.getKind() == TypeKind.DECLARED ? (TypeElement) ((DeclaredType) up).asElement() : null;
      }
      return false;
    }

    private static boolean generated(DocTrees trees, Element e) {
      TreePath path = trees.getPath(e);
      return path == null || path.getCompilationUnit().getSourceFile().toUri().getPath().contains("/generated-sources/");
    }

    private static boolean hasSummary(DocTrees trees, Element e) {
      DocCommentTree comment = trees.getDocCommentTree(e);
      return comment != null && !blank(comment.getFirstSentence());
    }

    private static boolean blank(Collection<? extends DocTree> sentence) {
      return sentence.stream().allMatch(t -> t.getKind() == DocTree.Kind.TEXT && t.toString().isBlank());
    }

    private static boolean hasParam(DocTrees trees, TypeElement record, RecordComponentElement component) {
      DocCommentTree comment = trees.getDocCommentTree(record);
      if (comment == null) {
        return false;
      }
      return comment.getBlockTags().stream()
          .filter(t -> t.getKind() == DocTree.Kind.PARAM)
          .map(t -> (ParamTree) t)
          .anyMatch(p -> !p.isTypeParameter()
              && p.getName().getName().contentEquals(component.getSimpleName())
              && !blank(p.getDescription()));
    }

    /** Whether javadoc copies a summary into {@code method} from a method it overrides in these sources. */
    private static boolean inheritsSummary(DocTrees trees, Elements elements, TypeElement type, ExecutableElement method) {
      for (TypeElement superType : superTypes(type, new java.util.LinkedHashSet<>())) {
        for (ExecutableElement candidate : ElementFilter.methodsIn(superType.getEnclosedElements())) {
          if (candidate.getSimpleName().equals(method.getSimpleName())
              && elements.overrides(method, candidate, type)
              && hasSummary(trees, candidate)) {
            return true;
          }
        }
      }
      return false;
    }

    private static Set<TypeElement> superTypes(TypeElement type, Set<TypeElement> into) {
      List<TypeMirror> direct = new ArrayList<>(type.getInterfaces());
      direct.add(type.getSuperclass());
      for (TypeMirror t : direct) {
        if (t.getKind() == TypeKind.DECLARED) {
          TypeElement e = (TypeElement) ((DeclaredType) t).asElement();
          if (into.add(e)) {
            superTypes(e, into);
          }
        }
      }
      return into;
    }

    private static boolean enumMethod(TypeElement type, ExecutableElement method) {
      if (type.getKind() != ElementKind.ENUM || !method.getModifiers().contains(Modifier.STATIC)) {
        return false;
      }
      String name = method.getSimpleName().toString();
      return name.equals("values") && method.getParameters().isEmpty()
          || name.equals("valueOf") && method.getParameters().size() == 1;
    }

    private static boolean recordMethod(TypeElement type, ExecutableElement method) {
      if (type.getKind() != ElementKind.RECORD) {
        return false;
      }
      // javadoc writes "Indicates whether some other object is equal to this one" etc.
      String name = method.getSimpleName().toString();
      return name.equals("equals") && method.getParameters().size() == 1
          || (name.equals("hashCode") || name.equals("toString")) && method.getParameters().isEmpty();
    }

    private static boolean canonical(TypeElement record, ExecutableElement constructor) {
      List<? extends RecordComponentElement> components = record.getRecordComponents();
      if (components.size() != constructor.getParameters().size()) {
        return false;
      }
      for (int i = 0; i < components.size(); i++) {
        if (!components.get(i).asType().toString().equals(constructor.getParameters().get(i).asType().toString())) {
          return false;
        }
      }
      return true;
    }

    private static String signature(ExecutableElement method) {
      String name = method.getKind() == ElementKind.CONSTRUCTOR
          ? method.getEnclosingElement().getSimpleName().toString()
          : method.getSimpleName().toString();
      return name + method.getParameters().stream()
          .map(p -> simple(p.asType().toString()))
          .collect(Collectors.joining(", ", "(", ")"));
    }

    private static String simple(String type) {
      return type.replaceAll("\\b[a-z][a-z0-9_]*\\.", "");
    }

    private static String where(DocTrees trees, Element e) {
      TreePath path = trees.getPath(e);
      if (path == null) {
        return "?:0";
      }
      var unit = path.getCompilationUnit();
      long position = trees.getSourcePositions().getStartPosition(unit, path.getLeaf());
      String file = Path.of("").toAbsolutePath().relativize(Path.of(unit.getSourceFile().toUri())).toString();
      return file + ":" + unit.getLineMap().getLineNumber(position);
    }
  }
}
