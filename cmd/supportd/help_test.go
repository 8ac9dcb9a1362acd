package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// flagLine is how flag.PrintDefaults renders a flag's first line: its
// name, then its value's type. A back-quoted word in a usage string
// would replace the type; settings must not do that by accident.
var flagLine = regexp.MustCompile(`^  -[a-z][a-z0-9-]*( (value|string|int|uint|duration|float))?$`)

// flagNames lists the flags of a help text, in order.
func flagNames(t *testing.T, help string) []string {
	t.Helper()
	var names []string
	for line := range strings.Lines(help) {
		line = strings.TrimSuffix(line, "\n")
		if !strings.HasPrefix(line, "  -") {
			continue
		}
		require.Regexp(t, flagLine, line)
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "  -"), " ")
		names = append(names, name)
	}
	return names
}

func TestHelpListsOnlyTheFlagsACommandUses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args     []string
		synopsis string
		want     []string
		notWant  []string
	}{
		{[]string{"ingest", "--help"}, "usage: supportd ingest --kb NAME [--prune] PATH...\n",
			[]string{"kb", "prune", "database-url", "tenant", "embedder", "embed-dim", "chunk-tokens", "chunk-overlap"},
			[]string{"llm-provider", "addr", "top-k", "eval-schedule", "judge-model", "demo-kb", "metrics-addr"}},
		{[]string{"migrate", "--help"}, "usage: supportd migrate\n",
			[]string{"database-url"},
			[]string{"tenant", "embedder", "llm-provider", "addr"}},
		{[]string{"keys", "list", "--help"}, "usage: supportd keys list",
			[]string{"tenant", "database-url"},
			[]string{"embedder", "llm-provider", "chunk-tokens"}},
		{[]string{"drift", "report", "--help"}, "usage: supportd drift report --kb NAME",
			[]string{"kb", "recent", "recent-n", "drift-recent", "min-confidence", "eval-kb"},
			[]string{"llm-provider", "addr", "chunk-tokens", "drift-schedule"}},
		{[]string{"eval", "run", "--help"}, "usage: supportd eval run",
			[]string{"golden", "fail-on-regression", "llm-provider", "top-k", "judge-model", "embedder"},
			[]string{"addr", "auth", "chunk-tokens", "eval-schedule"}},
		{[]string{"worker", "--help"}, "usage: supportd worker\n",
			[]string{"eval-schedule", "drift-schedule", "retention-days", "metrics-addr", "llm-provider"},
			[]string{"addr", "auth", "widget-rpm", "max-upload-mb"}},
		{[]string{"serve", "--help"}, "usage: supportd serve\n",
			[]string{"addr", "auth", "llm-provider", "eval-schedule", "embedder", "demo-kb"},
			nil},
		{[]string{"bench", "faults", "--help"}, "usage: supportd bench faults [--n N] [--first-token D] [--total D] [--table FILE]\n",
			[]string{"n", "first-token", "total", "database-url"},
			[]string{"addr", "llm-provider", "eval-schedule"}},
		{[]string{"simulate", "--help"}, "usage: supportd simulate [--url URL] [--key KEY] [--kb NAME] [--normal N] [--shifted N]\n",
			[]string{"url", "key", "kb", "golden", "normal", "shifted", "concurrency", "seed"},
			[]string{"database-url", "tenant"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, environ(unreachableDB), tc.args...)
			require.ErrorIs(t, r.err, flag.ErrHelp)
			require.Empty(t, r.stdout)
			require.True(t, strings.HasPrefix(r.stderr, tc.synopsis), "help starts with the synopsis:\n%s", r.stderr)
			names := flagNames(t, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, names, w)
			}
			for _, n := range tc.notWant {
				require.NotContains(t, names, n)
			}
		})
	}
}

// Every flag of simulate says what it does, and the help says what the
// command does.
func TestSimulateHelpDescribesItself(t *testing.T) {
	t.Parallel()
	r := runCmd(t, environ(), "simulate", "--help")
	require.ErrorIs(t, r.err, flag.ErrHelp)
	require.Contains(t, r.stderr, "Sends questions to a running supportd over HTTP")
	require.Contains(t, r.stderr, "server to ask")
	require.Contains(t, r.stderr, "shifted questions sent after the normal ones")
}

func TestMisuseIsOneErrorLineAndTheShortUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"ingest without kb", []string{"ingest", "docs"},
			"supportd ingest: --kb is required\n" +
				"usage: supportd ingest --kb NAME [--prune] PATH...\n" +
				"Run 'supportd ingest --help' for its flags.\n"},
		{"ingest without paths", []string{"ingest", "--kb", "x"},
			"supportd ingest: no PATH to ingest\n" +
				"usage: supportd ingest --kb NAME [--prune] PATH...\n" +
				"Run 'supportd ingest --help' for its flags.\n"},
		{"unknown flag", []string{"migrate", "--no-such-flag"},
			"flag provided but not defined: -no-such-flag\n" +
				"usage: supportd migrate\n" +
				"Run 'supportd migrate --help' for its flags.\n"},
		{"flag of another command", []string{"ingest", "--llm-provider", "openai", "--kb", "x", "docs"},
			"flag provided but not defined: -llm-provider\n" +
				"usage: supportd ingest --kb NAME [--prune] PATH...\n" +
				"Run 'supportd ingest --help' for its flags.\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, environ(unreachableDB), tc.args...)
			require.ErrorIs(t, r.err, errReported, "the message is printed once, by the command")
			require.Equal(t, tc.want, r.stderr)
			require.Empty(t, r.stdout)
		})
	}
}

// A setting a command does not list as a flag still applies from its
// environment variable.
func TestUnlistedSettingsStillApplyFromTheEnvironment(t *testing.T) {
	t.Parallel()
	r := runCmd(t, environ(unreachableDB, "SUPPORTD_LLM_PROVIDER=openai"), "ingest", "--kb", "x", t.TempDir())
	require.ErrorContains(t, r.err, "SUPPORTD_LLM_MODEL is required with SUPPORTD_LLM_PROVIDER=openai")
}

// The alert rules' notes agree with README: supportd worker serves
// /metrics when SUPPORTD_METRICS_ADDR is set.
func TestAlertRulesKnowTheWorkerServesMetrics(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "also makes supportd worker expose its metrics")
	alerts, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	require.NoError(t, err)
	var notes []string
	for line := range strings.Lines(string(alerts)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "#"); ok {
			notes = append(notes, strings.Fields(rest)...)
		}
	}
	text := strings.Join(notes, " ")
	require.NotContains(t, text, "serves no /metrics")
	require.Contains(t, text, "`supportd worker` serves /metrics on SUPPORTD_METRICS_ADDR")
}
