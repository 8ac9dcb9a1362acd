package layer_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// module is the module path every supportd import starts with.
const module = "supportd/"

// rule says where a package sits and what it may import.
type rule struct {
	// layer orders the packages: imports point to lower layers only.
	layer int
	// may lists the supportd packages it may import, by path below the
	// module ("internal/store"); every one in a lower layer.
	may []string
	// anyBelow lets it import any package of a lower layer that is not
	// test support (the composition root).
	anyBelow bool
	// test marks test support, which only tests and other test support
	// may import.
	test bool
	// servesFake lets a non-test package import the fake model
	// (internal/fakellm): only the root, which serves it as
	// `supportd fake-llm` and benchmarks the gateway against it.
	servesFake bool
}

// rules is the import table. Each package's doc.go states the same rule in
// words; TestDocsNameTheRule checks that they agree.
func rules() map[string]rule {
	core, store, embed := "internal/core", "internal/store", "internal/embed"
	leaf := rule{layer: 1}
	nouns := rule{layer: 1, may: []string{core}}
	return map[string]rule{
		// The foundation: shared nouns, settings and embedded files.
		core: {}, "internal/config": {}, "migrations": {}, "prompts": {}, "internal/text": {}, "web": {},
		// Collaborators: each stands alone on the foundation.
		"internal/cache": leaf, "internal/guard": {layer: 1, may: []string{"internal/text"}}, "internal/limit": leaf,
		"internal/llm": nouns, "internal/notify": leaf, "internal/prompt": leaf, "internal/scenario": leaf,
		"internal/tracing": leaf, "internal/layer": leaf, "internal/paste": leaf, "internal/soak": leaf,
		"internal/drift": {layer: 1, may: []string{core, "internal/text"}}, "internal/embed": {layer: 1, may: []string{core, "internal/text"}}, "internal/extract": {layer: 1, may: []string{core, "internal/text"}}, "internal/metrics": nouns,
		store: {layer: 1, may: []string{core, "migrations"}},
		// Built on the store and the embedder; the detector's trainer.
		"internal/guard/train": {layer: 2, may: []string{"internal/guard"}},
		"internal/auth":        {layer: 2, may: []string{core, store}},
		"internal/lookup":      {layer: 2, may: []string{store}},
		"internal/ingest":      {layer: 2, may: []string{core, embed, "internal/guard", store, "internal/text"}},
		"internal/retrieve":    {layer: 2, may: []string{core, embed, store, "internal/text"}},
		// One turn end to end, through the interfaces it declares.
		"internal/assistant": {layer: 3, may: []string{core, "internal/cache", "internal/extract", "internal/guard",
			"internal/llm", "internal/paste", "internal/prompt", "internal/retrieve", store}},
		"internal/eval": {layer: 4, may: []string{core, "internal/assistant", "internal/llm", "internal/prompt", store, "internal/text"}},
		// Front doors and background work.
		"internal/httpapi": {layer: 5, may: []string{core, "internal/assistant", "internal/auth", "internal/eval",
			"internal/ingest", "internal/prompt", store, "web"}},
		"internal/jobs": {layer: 5, may: []string{"internal/eval", store}},
		"internal/bench": {layer: 5, may: []string{core, embed, "internal/eval", "internal/ingest", "internal/llm",
			"internal/prompt", "internal/retrieve", "internal/soak", store}},
		"internal/tune": {layer: 5, may: []string{core, embed, "internal/eval", "internal/guard", "internal/paste",
			"internal/retrieve", store}},
		"internal/scale":  {layer: 1},
		"internal/digest": {layer: 5, may: []string{core, "internal/drift", "internal/eval", store}},
		// Test support.
		"internal/redistest":   {layer: 1, test: true},
		"internal/browsertest": {layer: 1, test: true},
		"internal/testclock":   {layer: 1, test: true},
		"internal/fakellm":     {layer: 1, test: true},
		"internal/dbtest":      {layer: 6, test: true, may: []string{"internal/jobs", store, "migrations"}},
		"internal/testkit": {layer: 7, test: true, may: []string{"internal/app", core, "internal/assistant", "internal/cache",
			"internal/config", "internal/dbtest", embed, "internal/extract", "internal/ingest", "internal/llm",
			"internal/metrics", "internal/redistest", "internal/retrieve", store}},
		// The composition, shared by the binary and the tests.
		"internal/app": {layer: 6, anyBelow: true},
		// The root: commands and flags; it also serves the fake model
		// (supportd fake-llm).
		"cmd/supportd": {layer: 8, anyBelow: true, servesFake: true},
	}
}

// pkg is one package of the module as go list sees it.
type pkg struct {
	path    string   // below the module
	name    string   // the package clause's name
	dir     string   // on disk
	imports []string // supportd imports of its non-test files, below the module
	others  []string // its other imports: standard library and modules
}

// listModule lists the module's packages with their production imports.
func listModule(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{.Name}}|{{.Dir}}|{{join .Imports " "}}`, "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var pkgs []pkg
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		parts := strings.SplitN(strings.TrimSpace(line), "|", 4)
		require.Len(t, parts, 4, line)
		p := pkg{path: strings.TrimPrefix(parts[0], module), name: parts[1], dir: parts[2]}
		for imp := range strings.FieldsSeq(parts[3]) {
			if strings.HasPrefix(imp, module) {
				p.imports = append(p.imports, strings.TrimPrefix(imp, module))
			} else {
				p.others = append(p.others, imp)
			}
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func TestImportsFlowOneWay(t *testing.T) {
	t.Parallel()
	table := rules()
	for _, p := range listModule(t) {
		r, ok := table[p.path]
		if !ok {
			t.Errorf("%s is not in the import table: give it a layer and the packages it may import", p.path)
			continue
		}
		for _, imp := range p.imports {
			to := table[imp]
			switch {
			case to.test && !r.test && (imp != "internal/fakellm" || !r.servesFake):
				t.Errorf("%s imports test support %s: only tests may", p.path, imp)
			case to.layer >= r.layer:
				t.Errorf("%s (layer %d) imports %s (layer %d): imports point down only", p.path, r.layer, imp, to.layer)
			case !r.anyBelow && !slices.Contains(r.may, imp):
				t.Errorf("%s imports %s, which its rule (and doc.go) does not allow", p.path, imp)
			}
		}
	}
}

func TestTheTableItselfPointsDown(t *testing.T) {
	t.Parallel()
	table := rules()
	for path, r := range table {
		for _, m := range r.may {
			to, ok := table[m]
			require.True(t, ok, "%s may import %s, which is not in the table", path, m)
			require.Less(t, to.layer, r.layer, "%s may import %s of the same or a higher layer", path, m)
			require.True(t, r.test || !to.test, "%s is not test support but may import %s", path, m)
		}
	}
}

// TestDocsNameTheRule checks that every library package under internal/
// has a doc.go that documents the package, says what it must not import,
// and names each supportd package its rule lets it import. Commands (such
// as the detector's trainer) keep their doc comment beside main.
func TestDocsNameTheRule(t *testing.T) {
	t.Parallel()
	table := rules()
	for _, p := range listModule(t) {
		name, ok := strings.CutPrefix(p.path, "internal/")
		if !ok || p.name == "main" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(p.dir, "doc.go"))
		if err != nil {
			t.Errorf("%s has no doc.go saying its one job and what it must not import", p.path)
			continue
		}
		// The comment's words, with comment markers and line breaks gone.
		doc := strings.Join(strings.Fields(strings.ReplaceAll(string(raw), "//", " ")), " ")
		if !strings.HasPrefix(doc, "Package "+filepath.Base(name)+" ") {
			t.Errorf("%s/doc.go does not start the package's doc comment", p.path)
		}
		if !strings.Contains(doc, "must not import") {
			t.Errorf("%s/doc.go does not say what the package must not import", p.path)
		}
		for _, m := range table[p.path].may {
			word := regexp.MustCompile(`\b` + regexp.QuoteMeta(filepath.Base(m)) + `\b`)
			if !word.MatchString(doc) {
				t.Errorf("%s/doc.go does not name %s, which its rule lets it import", p.path, m)
			}
		}
	}
}

// confined names modules that only some packages may import, because the
// module is young or heavy and its use should stay in one place.
var confined = map[string][]string{
	// Pre-1.0: three chat clients and the embedding clients, no more.
	"github.com/tmc/langchaingo": {"internal/embed", "internal/llm"},
}

func TestConfinedModulesStayBehindTheirPackages(t *testing.T) {
	t.Parallel()
	for _, p := range listModule(t) {
		for _, imp := range p.others {
			for mod, allowed := range confined {
				if (imp == mod || strings.HasPrefix(imp, mod+"/")) && !slices.Contains(allowed, p.path) {
					t.Errorf("%s imports %s: only %s may use %s", p.path, imp, strings.Join(allowed, " and "), mod)
				}
			}
		}
	}
}
