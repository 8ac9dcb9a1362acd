package prompt

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"unicode"
)

// ext is the file extension of a template.
const ext = ".tmpl"

// names returns the names of the templates of a set, in a fixed order.
func names() []string {
	return []string{"system", "answer", "condense", "judge"}
}

// Set is a loaded and validated set of the four prompt templates. It is
// immutable and safe for concurrent use.
type Set struct {
	templates   map[string]*template.Template
	versions    map[string]string
	fingerprint string
}

// Load parses system.tmpl, answer.tmpl, condense.tmpl and judge.tmpl from
// the top of fsys, checks that they print untrusted text only through
// untrusted, attr or inline, and renders each with sample data to prove it
// runs. A missing template, any other .tmpl file, a parse error, an unsafe
// action or a failed sample is an error naming the file; the problems of
// all four files are reported together. Files without the .tmpl extension
// and subdirectories are ignored.
func Load(fsys fs.FS) (*Set, error) {
	files, err := readFiles(fsys)
	if err != nil {
		return nil, err
	}
	s := &Set{templates: map[string]*template.Template{}, versions: map[string]string{}}
	var errs []error
	for _, name := range names() {
		t, err := parseTemplate(name+ext, files[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("prompt %s: %w", name+ext, err))
			continue
		}
		s.templates[name] = t
		s.versions[name] = hash(files[name])
	}
	errs = append(errs, s.validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.fingerprint = fingerprint(s.versions)
	return s, nil
}

// LoadDir is Load on the directory dir, for overriding the embedded
// templates at run time.
func LoadDir(dir string) (*Set, error) {
	s, err := Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("load prompts from %s: %w", dir, err)
	}
	return s, nil
}

// readFiles returns the contents of the templates in fsys by name, or an
// error for each missing or unknown one.
func readFiles(fsys fs.FS) (map[string][]byte, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read prompt templates: %w", err)
	}
	files, seen := map[string][]byte{}, map[string]bool{}
	var errs []error
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ext)
		switch {
		case !ok:
			continue
		case !slices.Contains(names(), name):
			errs = append(errs, fmt.Errorf("prompt %s: unknown template (a set is exactly %s)",
				e.Name(), strings.Join(names(), ext+", ")+ext))
			continue
		}
		seen[name] = true
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			errs = append(errs, fmt.Errorf("prompt %s: %w", e.Name(), err))
			continue
		}
		files[name] = b
	}
	for _, name := range names() {
		if !seen[name] {
			errs = append(errs, fmt.Errorf("prompt %s: missing", name+ext))
		}
	}
	return files, errors.Join(errs...)
}

// parseTemplate parses one template file and checks its actions.
func parseTemplate(file string, text []byte) (*template.Template, error) {
	t, err := template.New(file).Option("missingkey=error").Funcs(funcs()).Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if err := checkTemplate(t); err != nil {
		return nil, err
	}
	return t, nil
}

// hash returns the short content hash of a template file.
func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// fingerprint returns one short hash over the versions of all templates.
func fingerprint(versions map[string]string) string {
	var b strings.Builder
	for _, name := range names() {
		fmt.Fprintf(&b, "%s=%s\n", name, versions[name])
	}
	return hash([]byte(b.String()))
}

// Version returns the content hash of the template name ("system",
// "answer", "condense" or "judge"): the first 12 hex digits of the SHA-256
// of its file. It returns "" for any other name.
func (s *Set) Version(name string) string {
	return s.versions[name]
}

// Versions returns the version of every template, keyed by name. The map
// is the caller's to keep.
func (s *Set) Versions() map[string]string {
	return maps.Clone(s.versions)
}

// Fingerprint returns one short hash over the versions of all four
// templates; it changes when any template does.
func (s *Set) Fingerprint() string {
	return s.fingerprint
}

// System renders the system prompt.
func (s *Set) System(d SystemData) (string, error) {
	return s.render("system", d)
}

// Answer renders the user message of a turn: the passages, the question
// and a reminder to cite. It fails if a passage id is invalid or repeated.
func (s *Set) Answer(d AnswerData) (string, error) {
	ps, err := normalize(d.Passages)
	if err != nil {
		return "", fmt.Errorf("render answer prompt: %w", err)
	}
	d.Passages = ps
	return s.render("answer", d)
}

// Condense renders the prompt that rewrites a follow-up question into a
// standalone one. It fails if a history message has a role other than
// RoleUser or RoleAssistant.
func (s *Set) Condense(d CondenseData) (string, error) {
	for i, m := range d.History {
		if m.Role != RoleUser && m.Role != RoleAssistant {
			return "", fmt.Errorf("render condense prompt: history message %d: role %q is neither %q nor %q",
				i+1, m.Role, RoleUser, RoleAssistant)
		}
	}
	return s.render("condense", d)
}

// Judge renders the LLM-as-judge prompt grading one answer. It fails if a
// passage id is invalid or repeated.
func (s *Set) Judge(d JudgeData) (string, error) {
	ps, err := normalize(d.Passages)
	if err != nil {
		return "", fmt.Errorf("render judge prompt: %w", err)
	}
	d.Passages = ps
	return s.render("judge", d)
}

// render executes the template name with data and trims trailing white
// space from the result.
func (s *Set) render(name string, data any) (string, error) {
	var b strings.Builder
	if err := s.templates[name].Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s prompt: %w", name, err)
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace), nil
}

// normalize returns a copy of ps with default ids filled in ("P<n>" by
// position) and text trimmed, or an error for an invalid or repeated id.
func normalize(ps []Passage) ([]Passage, error) {
	out := make([]Passage, len(ps))
	seen := make(map[string]bool, len(ps))
	for i, p := range ps {
		if p.ID == "" {
			p.ID = "P" + strconv.Itoa(i+1)
		}
		if !validID(p.ID) {
			return nil, fmt.Errorf("passage %d: invalid id %q (want 1-64 ASCII letters, digits, '-', '_' or '.')", i+1, p.ID)
		}
		if seen[p.ID] {
			return nil, fmt.Errorf("passage %d: repeated id %q", i+1, p.ID)
		}
		seen[p.ID] = true
		p.Text = strings.TrimSpace(p.Text)
		out[i] = p
	}
	return out, nil
}

// validID reports whether id may be printed as a passage id as it is.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}
