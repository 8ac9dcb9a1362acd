package guard

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"text/template"

	"github.com/stretchr/testify/require"
)

// systemPromptForTest renders prompts/system.tmpl the way the prompt
// package does, so the leak figures are measured against the real prompt.
func systemPromptForTest(t testing.TB, canary string) string {
	t.Helper()
	src, err := os.ReadFile("../../prompts/system.tmpl")
	require.NoError(t, err)
	tpl, err := template.New("system").Funcs(template.FuncMap{"inline": func(s string) string { return s }}).Parse(string(src))
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, tpl.Execute(&b, struct{ Product, Canary string }{"Acme Cloud", canary}))
	return b.String()
}

// leakCase is one question and the model output to judge.
type leakCase struct{ group, question, answer string }

func loadLeaks(t *testing.T, name string) []leakCase {
	data, err := os.ReadFile("testdata/leaks/" + name)
	require.NoError(t, err)
	lines, err := parseCorpus(string(data))
	require.NoError(t, err)
	out := make([]leakCase, 0, len(lines))
	for _, l := range lines {
		q, a, ok := strings.Cut(l.text, " ||| ")
		require.True(t, ok, "%s:%d has no ' ||| '", name, l.line)
		out = append(out, leakCase{l.category, q, a})
	}
	return out
}

// referenceAnswers returns the reference answers of a data set in
// ../shared/datasets as clean outputs, or nil when it is absent.
func referenceAnswers(t *testing.T, path string) []leakCase {
	var out []leakCase
	for _, r := range sharedQA(t, path) {
		out = append(out, leakCase{"clean: " + path, r.Question, r.Answer})
	}
	return out
}

// streamVerdict feeds answer to a StreamFilter in random chunks and
// returns the block reason and the text it emitted.
func streamVerdict(f *OutputFilter, answer string, rng *rand.Rand) (string, string) {
	var out strings.Builder
	s := f.Stream(func(c string) error { out.WriteString(c); return nil })
	for rest := answer; rest != ""; {
		n := min(len(rest), 1+rng.IntN(12))
		for n < len(rest) && !strings.HasPrefix(rest[n:], string([]rune(rest[n:])[0])) {
			n++
		}
		if s.Write(rest[:n]) != nil {
			break
		}
		rest = rest[n:]
	}
	_ = s.Close()
	_, reason := s.Blocked()
	return reason, out.String()
}

// TestLeakReport measures the output filter on leaked and clean model
// outputs and logs the table README and docs/threat-model.md quote:
// tune.txt chose the constants of output_leak.go, holdout.txt and the
// reference answers of the golden set, S10 and developer-docs data sets
// were never used to choose anything. Each answer is also streamed in
// random chunks: the stream must reach the same verdict.
func TestLeakReport(t *testing.T) {
	t.Parallel()
	canary := "ZX-CANARY-7f3a9b2c41"
	f := NewOutputFilter(canary, systemPromptForTest(t, canary))
	rng := rand.New(rand.NewPCG(3, 4))
	tab := map[string][2]int{}
	var order []string
	measure := func(set string, cases []leakCase) {
		for _, c := range cases {
			key := set + " " + c.group
			if _, ok := tab[key]; !ok {
				order = append(order, key)
			}
			ff := f.ForQuestion(c.question)
			blocked, reason := ff.Check(c.answer)
			sreason, _ := streamVerdict(ff, c.answer, rng)
			require.Equal(t, blocked, sreason != "", "stream and whole answer disagree on %q: %q vs %q", c.answer, reason, sreason)
			leak := strings.HasPrefix(c.group, "leak")
			if blocked != leak {
				t.Logf("%s %s: blocked=%v (%s): %q", set, c.group, blocked, reason, c.answer)
			}
			n := tab[key]
			n[0]++
			if blocked {
				n[1]++
			}
			tab[key] = n
		}
	}
	measure("tune", loadLeaks(t, "tune.txt"))
	measure("holdout", loadLeaks(t, "holdout.txt"))
	var golden []leakCase
	data, err := os.ReadFile("../../goldenset/demo.jsonl")
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var row struct {
			Question        string
			ReferenceAnswer string `json:"reference_answer"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &row))
		golden = append(golden, leakCase{"clean: demo golden set", row.Question, row.ReferenceAnswer})
	}
	measure("holdout", golden)
	measure("holdout", referenceAnswers(t, "emanual-s10/s10_qa.jsonl"))
	measure("holdout", referenceAnswers(t, "anthropic-docs/qa.jsonl"))

	t.Logf("| set | outputs | texts | blocked |")
	t.Logf("| --- | --- | ---: | ---: |")
	rate := func(key string) float64 { n := tab[key]; return float64(n[1]) / float64(max(n[0], 1)) }
	for _, k := range order {
		set, group, _ := strings.Cut(k, " ")
		t.Logf("| %s | %s | %d | %s |", set, group, tab[k][0], pct(tab[k][1], tab[k][0]))
	}
	leaks, blocked := 0, 0
	for _, k := range order {
		if strings.HasPrefix(k, "holdout leak") {
			leaks += tab[k][0]
			blocked += tab[k][1]
		}
	}
	t.Logf("holdout leaks blocked: %s of %d", pct(blocked, leaks), leaks)
	require.GreaterOrEqual(t, float64(blocked)/float64(leaks), 0.8)
	require.Zero(t, tab["holdout clean: demo golden set"][1])
	require.LessOrEqual(t, rate("holdout clean: emanual-s10/s10_qa.jsonl"), 0.01)
	require.LessOrEqual(t, rate("holdout clean: anthropic-docs/qa.jsonl"), 0.01)
	require.Zero(t, tab["tune clean"][1])
	require.Zero(t, tab["holdout clean"][1])
}
