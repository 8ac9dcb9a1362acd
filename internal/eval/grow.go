package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Duplicate is a new case skipped because the golden set already asks the
// same question of the same knowledge base.
type Duplicate struct {
	Case Case
	// Of is the id of the case it repeats.
	Of string
}

// Grow returns the cases of add that set lacks, in add's order, and the
// ones it skipped as duplicates: the same question (compared without
// case and extra white space) for the same knowledge base. A case's
// knowledge base is its "kb:NAME" tag, else defaultKB. A new case whose id
// the set already uses for another question is an error, as is a case
// with problems.
func Grow(set GoldenSet, add []Case, defaultKB string) (added []Case, dups []Duplicate, err error) {
	seen := map[string]string{} // question key → case id
	ids := map[string]bool{}
	for _, c := range set.Cases {
		seen[questionKey(c, defaultKB)] = c.ID
		ids[c.ID] = true
	}
	var problems []string
	for _, c := range add {
		key := questionKey(c, defaultKB)
		if of, dup := seen[key]; dup {
			dups = append(dups, Duplicate{Case: c, Of: of})
			continue
		}
		if ids[c.ID] {
			problems = append(problems, fmt.Sprintf("case %s: the golden set already has a case with this id for another question", c.ID))
			continue
		}
		for _, p := range c.Problems() {
			problems = append(problems, fmt.Sprintf("case %s: %s", c.ID, p))
		}
		seen[key], ids[c.ID] = c.ID, true
		added = append(added, c)
	}
	if len(problems) > 0 {
		return nil, nil, &ValidationError{Problems: problems}
	}
	return added, dups, nil
}

// questionKey identifies a question within a knowledge base.
func questionKey(c Case, defaultKB string) string {
	kb := defaultKB
	for _, t := range c.Tags {
		if name, ok := strings.CutPrefix(t, "kb:"); ok {
			kb = name
		}
	}
	return kb + "\x00" + strings.Join(strings.Fields(strings.ToLower(c.Question)), " ")
}

// GrowFile adds the cases of add that the golden file at path lacks (see
// Grow) and returns them, the duplicates it skipped and how many cases the
// file holds now. The file changes only when every case is valid.
func GrowFile(path string, add []Case, defaultKB string) (added []Case, dups []Duplicate, total int, err error) {
	set, err := LoadGolden(path)
	if err != nil {
		return nil, nil, 0, err
	}
	if added, dups, err = Grow(set, add, defaultKB); err != nil {
		return nil, nil, 0, err
	}
	if len(added) > 0 {
		if err := appendCases(path, added); err != nil {
			return nil, nil, 0, err
		}
	}
	return added, dups, len(set.Cases) + len(added), nil
}

// appendCases appends cases as JSON lines to the golden file. The new
// content is validated and written beside it, then renamed over it, so a
// failure leaves the golden set as it was.
func appendCases(path string, cases []Case) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, c := range cases {
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	if _, err := ParseGolden(bytes.NewReader(b.Bytes()), path); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".golden-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if info, err := os.Stat(path); err == nil {
		_ = os.Chmod(tmp.Name(), info.Mode().Perm())
	}
	return os.Rename(tmp.Name(), path)
}
