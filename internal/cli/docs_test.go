package cli

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's root, two folders above this package.
const repoRoot = "../.."

// repoFile is a file of the repository: its path from the root and its
// text.
type repoFile struct{ path, text string }

// repoFiles is every file of the repository whose name ends in suffix,
// read, in the order of a walk from the root, leaving out hidden folders
// (.git).
func repoFiles(t *testing.T, suffix string) []repoFile {
	t.Helper()
	var files []repoFile
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != repoRoot && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), suffix) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		files = append(files, repoFile{filepath.ToSlash(rel), string(b)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// githubAnchor is the anchor GitHub gives a heading: lower case, letters,
// digits, spaces, hyphens and underscores kept, the rest dropped, spaces
// turned into hyphens.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	fenceRe   = regexp.MustCompile("(?m)^ *```")
	headingRe = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	// linkRe is a Markdown link or image: [text](target) or ![alt](target).
	linkRe = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// prose references outside links, as `docs/benchmark.md#onnx-runtime`.
	proseRefRe = regexp.MustCompile("[`(\\s]((?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+\\.md#[A-Za-z0-9_-]+)")
)

// markdownAnchors is the set of anchors the headings of a Markdown file
// give, with GitHub's -1, -2 suffixes for repeated ones, and any explicit
// <a name="…"> or id="…".
func markdownAnchors(text string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for line := range strings.SplitSeq(text, "\n") {
		if fenceRe.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence || strings.HasPrefix(line, "    ") {
			continue
		}
		m := headingRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		// Inline markup in headings is not part of the anchor's text.
		h := strings.NewReplacer("`", "", "*", "").Replace(m[1])
		a := githubAnchor(h)
		if n := seen[a]; n > 0 {
			anchors[a+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	for _, m := range regexp.MustCompile(`(?:name|id)="([^"]+)"`).FindAllStringSubmatch(text, -1) {
		anchors[m[1]] = true
	}
	return anchors
}

// TestGithubAnchor pins the heading-to-anchor rule the link check relies
// on against anchors the docs use.
func TestGithubAnchor(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"Back to Python", "back-to-python"},
		{"The 16-core Xeon with AMX (the accelerator machine's CPU)", "the-16-core-xeon-with-amx-the-accelerator-machines-cpu"},
		{"An AVX2-only EPYC (Zen 1)", "an-avx2-only-epyc-zen-1"},
		{"Flowers5: accuracy against PyTorch", "flowers5-accuracy-against-pytorch"},
		{"Limits and safety", "limits-and-safety"},
	} {
		if got := githubAnchor(c.heading); got != c.want {
			t.Errorf("githubAnchor(%q) = %q, want %q", c.heading, got, c.want)
		}
	}
	a := markdownAnchors("# A\n\n```\n# not a heading\n```\n## A\n## `B` c\n")
	for _, want := range []string{"a", "a-1", "b-c"} {
		if !a[want] {
			t.Errorf("markdownAnchors: no %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Errorf("markdownAnchors took a line of a code block as a heading: %v", a)
	}
}

// TestDocsLinks checks every relative link of every Markdown file of the
// repository, and every FILE.md#anchor named in its prose: the file is
// there, and the anchor is a heading of it.
func TestDocsLinks(t *testing.T) {
	files := repoFiles(t, ".md")
	if len(files) < 10 {
		t.Fatalf("found %d Markdown files under %s: %v", len(files), repoRoot, files)
	}
	anchorsOf := map[string]map[string]bool{}
	for _, f := range files {
		anchorsOf[f.path] = markdownAnchors(f.text)
	}
	for _, f := range files {
		file, text := f.path, f.text
		type ref struct {
			target string
			prose  bool
		}
		var refs []ref
		for _, m := range linkRe.FindAllStringSubmatch(text, -1) {
			refs = append(refs, ref{m[1], false})
		}
		for _, m := range proseRefRe.FindAllStringSubmatchIndex(text, -1) {
			if m[2] >= 2 && text[m[2]-2:m[2]] == "](" {
				continue // a link's target, checked above
			}
			refs = append(refs, ref{text[m[2]:m[3]], true})
		}
		dir := filepath.ToSlash(filepath.Dir(file))
		for _, r := range refs {
			target := r.target
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			resolved := file
			if path != "" {
				resolved = filepath.ToSlash(filepath.Clean(filepath.Join(dir, path)))
				if _, err := os.Stat(filepath.Join(repoRoot, resolved)); err != nil && r.prose {
					// Prose names a doc from the repository's root too
					// (docs/benchmark.md#… in a comment or a doc).
					resolved = filepath.ToSlash(filepath.Clean(path))
				}
				if _, err := os.Stat(filepath.Join(repoRoot, resolved)); err != nil {
					t.Errorf("%s: link %q: no file %s", file, target, resolved)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			if !strings.HasSuffix(resolved, ".md") {
				t.Errorf("%s: link %q: an anchor into a file that is not Markdown", file, target)
				continue
			}
			if !anchorsOf[resolved][anchor] {
				t.Errorf("%s: link %q: %s has no heading whose anchor is #%s", file, target, resolved, anchor)
			}
		}
	}
}

// TestHelpDocsRefs checks the docs the commands' help texts and messages
// name (docs/scale.md, docs/finetune.md#back-to-python): each is there, with
// the heading its anchor names.
func TestHelpDocsRefs(t *testing.T) {
	srcs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`docs/[A-Za-z0-9_/.-]*[A-Za-z0-9_]\.md(?:#[A-Za-z0-9_-]+)?|docs/[A-Za-z0-9_/-]+/README\.md`)
	n := 0
	for _, src := range srcs {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range re.FindAllString(string(b), -1) {
			n++
			path, anchor, _ := strings.Cut(ref, "#")
			text, err := os.ReadFile(filepath.Join(repoRoot, path))
			if err != nil {
				t.Errorf("%s names %s: %v", src, ref, err)
				continue
			}
			if anchor != "" && !markdownAnchors(string(text))[anchor] {
				t.Errorf("%s names %s: %s has no heading whose anchor is #%s", src, ref, path, anchor)
			}
		}
	}
	if n == 0 {
		t.Fatal("no docs/….md named in this package's sources: the pattern is wrong")
	}
}

// TestDocsTestNames checks that every test, benchmark and fuzz target the
// Markdown files name (`TestGoldens`, `BenchmarkSoak`, `FuzzParse`, a
// prefix as `TestLowPrecision*`) is a function of some _test.go file.
func TestDocsTestNames(t *testing.T) {
	funcRe := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]*)\(`)
	have := map[string]bool{}
	for _, f := range repoFiles(t, "_test.go") {
		for _, m := range funcRe.FindAllStringSubmatch(f.text, -1) {
			have[m[1]] = true
		}
	}
	if !have["TestDocsTestNames"] {
		t.Fatalf("found %d test functions, not this one: the walk is wrong", len(have))
	}
	nameRe := regexp.MustCompile(`\b((?:Test|Benchmark|Fuzz)[A-Z][A-Za-z0-9_]*)(\*?)`)
	for _, f := range repoFiles(t, ".md") {
		file := f.path
		for _, m := range nameRe.FindAllStringSubmatch(f.text, -1) {
			name, prefix := m[1], m[2] == "*"
			found := have[name]
			for h := range have {
				if found || !prefix {
					break
				}
				found = strings.HasPrefix(h, name)
			}
			if !found {
				t.Errorf("%s names %s%s, which no _test.go file defines", file, name, m[2])
			}
		}
	}
}

// markdownCodeBlocks is the text of the code blocks of a Markdown file:
// fenced ones, and lines indented by four spaces after a blank line (or
// after another such line).
func markdownCodeBlocks(text string) []string {
	var blocks []string
	var cur []string
	inFence, indented, prevBlank := false, false, true
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(cur, "\n"))
		}
		cur = nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		switch {
		case fenceRe.MatchString(line):
			if inFence {
				flush()
			}
			inFence = !inFence
		case inFence:
			cur = append(cur, line)
		case strings.HasPrefix(line, "    ") && (prevBlank || indented):
			indented = true
			cur = append(cur, line)
		case strings.TrimSpace(line) == "" && indented:
			cur = append(cur, "")
		default:
			if indented {
				flush()
			}
			indented = false
		}
		prevBlank = strings.TrimSpace(line) == ""
	}
	flush()
	return blocks
}

// docsVitctlRe finds the ways the docs start vitctl in a code block, to be
// read as the plain command: a shell prompt, go run, a built binary's path.
var docsVitctlRe = regexp.MustCompile(`(?m)(^\s*\$ )?(\bgo run \./cmd/vitctl|(?:\./|\bbin/|/[\w./-]*/)vitctl)\b`)

// shellCommentRe is a comment at the end of a line of a code block (a
// word starting with #), which the shell drops.
var shellCommentRe = regexp.MustCompile(`(?m)\s+#\s.*$`)

// TestDocsCommandsParse: every vitctl command line of a code block of the
// README and docs/ parses as a run would parse it (the command, its flags
// and their values, the number of arguments), as TestExamplesParse checks
// the help texts' examples.
func TestDocsCommandsParse(t *testing.T) {
	checked := 0
	for _, f := range repoFiles(t, ".md") {
		file := f.path
		for _, block := range markdownCodeBlocks(f.text) {
			block = docsVitctlRe.ReplaceAllStringFunc(block, func(s string) string {
				return strings.Repeat(" ", len(s)-len(strings.TrimLeft(s, " \t"))) + "vitctl"
			})
			block = strings.ReplaceAll(block, "$ vitctl", "vitctl")
			block = shellCommentRe.ReplaceAllString(block, "")
			for _, line := range vitctlCommands(block) {
				words, ok := shellWords(line)
				if !ok {
					t.Errorf("%s: %q: an unfinished quote", file, line)
					continue
				}
				if err := checkParses(words); err != nil {
					t.Errorf("%s: %q: %v", file, line, err)
				}
				checked++
			}
		}
	}
	t.Logf("%d command lines checked", checked)
	if checked < 20 {
		t.Errorf("%d command lines checked: the code blocks were not found", checked)
	}
}

// caseSensitiveFindRe is find's -name with an image extension's glob,
// which leaves out the upper-case names cameras and phones write
// (IMG_0001.JPG): -iname takes both.
var caseSensitiveFindRe = regexp.MustCompile(`-name\s+['"]?\*\.(?i:jpe?g|png|tiff?|webp|gif|bmp)\b`)

// TestFindAnyCase: the docs and the commands' help list photos with find
// -iname, not -name: README's and classify's examples, find photos -name
// '*.jpg' | vitctl classify -, passed over every IMG_0001.JPG a camera
// wrote, and said "no images found".
func TestFindAnyCase(t *testing.T) {
	files := repoFiles(t, ".md")
	for _, f := range repoFiles(t, ".go") {
		if strings.HasPrefix(f.path, "internal/cli/") && !strings.HasSuffix(f.path, "_test.go") {
			files = append(files, f)
		}
	}
	for _, f := range files {
		for _, m := range caseSensitiveFindRe.FindAllString(f.text, -1) {
			t.Errorf("%s: %q: give find -iname, which takes .JPG too", f.path, m)
		}
	}
}

// TestArchitectureImports checks the imports column of docs/architecture.md's
// table of packages against the packages' sources (every non-test file,
// whatever its build tags): the table had lost bytestr from convert's,
// fetch's and hub's imports when they took it up. "everything below" (cli's
// row) is not checked; a package under internal/ without a row, other than
// a tests' helper (…test), is an error.
func TestArchitectureImports(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	module := "github.com/vitctl/vitctl/"
	rowRe := regexp.MustCompile("(?m)^\\| `((?:cmd|internal)/[a-z/]+)` \\|.*\\| ([^|]*) \\|$")
	rows := rowRe.FindAllStringSubmatch(string(doc), -1)
	if len(rows) < 20 {
		t.Fatalf("found %d rows of packages in docs/architecture.md: the pattern is wrong", len(rows))
	}
	documented := map[string]bool{}
	for _, row := range rows {
		pkg, col := row[1], strings.TrimSpace(row[2])
		documented[pkg] = true
		if col == "everything below" {
			continue
		}
		want := map[string]bool{}
		if col != "—" {
			for name := range strings.SplitSeq(col, ", ") {
				want[name] = true
			}
		}
		have := map[string]bool{}
		files, err := filepath.Glob(filepath.Join(repoRoot, pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Errorf("docs/architecture.md: package %s: no Go files (%v)", pkg, err)
			continue
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if rest, ok := strings.CutPrefix(p, module); ok {
					have[strings.TrimPrefix(rest, "internal/")] = true
				}
			}
		}
		for name := range have {
			if !want[name] {
				t.Errorf("docs/architecture.md: %s imports %s, which its row does not list", pkg, name)
			}
		}
		for name := range want {
			if !have[name] {
				t.Errorf("docs/architecture.md: %s's row lists %s, which it does not import", pkg, name)
			}
		}
	}
	err = filepath.WalkDir(filepath.Join(repoRoot, "internal"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), "_") || d.Name() == "testdata" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(repoRoot, p)
		rel = filepath.ToSlash(rel)
		if gos, _ := filepath.Glob(filepath.Join(p, "*.go")); len(gos) > 0 && !documented[rel] && !strings.HasSuffix(rel, "test") {
			t.Errorf("docs/architecture.md: package %s has no row in the table of packages", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
