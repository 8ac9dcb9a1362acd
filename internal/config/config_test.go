package config_test

import (
	"flag"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/config"
	"supportd/internal/guard"
)

func load(t *testing.T, env map[string]string, args ...string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return config.Load(fs, args, func(k string) string { return env[k] }, config.All)
}

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	require.NoError(t, err)
	require.Equal(t, ":8080", c.Addr)
	require.Equal(t, "hash", c.Embedder)
	require.Equal(t, 384, c.EmbedDim)
	require.Equal(t, 3*time.Second, c.RetrieveTimeout)
	require.Equal(t, guard.DefaultMaxQuestionChars, c.MaxQuestionChars, "the configured and the guard's default limit agree")
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"SUPPORTD_ADDR": ":9000", "SUPPORTD_TOP_K": "7"}, "--addr", ":9100")
	require.NoError(t, err)
	require.Equal(t, ":9100", c.Addr)
	require.Equal(t, 7, c.TopK)
}

func TestInvalidValuesNameTheirVariable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SUPPORTD_TOP_K": "many"}, `SUPPORTD_TOP_K (--top-k): "many" is not a whole number`},
		{map[string]string{"SUPPORTD_TOP_K": "0"}, "SUPPORTD_TOP_K (--top-k): 0 is outside 1..50"},
		{map[string]string{"SUPPORTD_EMBEDDER": "bert"}, `SUPPORTD_EMBEDDER (--embedder): "bert" is not one of hash, openai, ollama`},
		{map[string]string{"SUPPORTD_RETRIEVE_TIMEOUT": "soon"}, `SUPPORTD_RETRIEVE_TIMEOUT (--retrieve-timeout): "soon" is not a duration`},
		{map[string]string{"SUPPORTD_MIN_CONFIDENCE": "2"}, `SUPPORTD_MIN_CONFIDENCE (--min-confidence): "2" is not a number between 0 and 1`},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL (--database-url): must be a postgres:// URL"},
		{map[string]string{"SUPPORTD_CHUNK_OVERLAP": "400"}, "SUPPORTD_CHUNK_OVERLAP (400) must be smaller than SUPPORTD_CHUNK_TOKENS (300)"},
		{map[string]string{"SUPPORTD_EMBEDDER": "openai"}, "SUPPORTD_EMBED_MODEL is required with SUPPORTD_EMBEDDER=openai"},
		{map[string]string{"SUPPORTD_DRIFT_SCHEDULE": "hourly"}, `SUPPORTD_DRIFT_SCHEDULE (--drift-schedule): "hourly" is neither a five-field cron expression nor @hourly, @daily, @weekly or @every DURATION`},
		{map[string]string{"SUPPORTD_EVAL_SCHEDULE": "@every 10ms"}, `SUPPORTD_EVAL_SCHEDULE (--eval-schedule): "@every 10ms": @every needs a duration of at least 1s`},
		{map[string]string{"SUPPORTD_DRIFT_MIN_QUESTIONS": "0"}, "SUPPORTD_DRIFT_MIN_QUESTIONS (--drift-min-questions): 0 is outside 1..1000000"},
		{map[string]string{"SUPPORTD_TRUSTED_PROXIES": "10.0.0.0/8, lb.internal"}, `SUPPORTD_TRUSTED_PROXIES (--trusted-proxies): "lb.internal" is neither an address nor a CIDR range`},
		{map[string]string{"SUPPORTD_MODEL_ALIASES": "support"}, `SUPPORTD_MODEL_ALIASES (--model-aliases): "support" is not alias=kb`},
		{map[string]string{"SUPPORTD_MODEL_ALIASES": "kb:x=billing"}, `SUPPORTD_MODEL_ALIASES (--model-aliases): alias "kb:x" must be letters, digits and _.:/- (at most 128) and not start with "kb:"`},
		{map[string]string{"SUPPORTD_MODEL_ALIASES": "a=x,a=y"}, `SUPPORTD_MODEL_ALIASES (--model-aliases): alias "a" is given twice`},
		{map[string]string{"SUPPORTD_PUBLIC_URL": "localhost:8080"}, `SUPPORTD_PUBLIC_URL (--public-url): "localhost:8080" is not an http:// or https:// URL`},
	}
	for _, tc := range cases {
		_, err := load(t, tc.env)
		require.Error(t, err)
		require.Contains(t, err.Error(), tc.want)
	}
	_, err := load(t, map[string]string{"SUPPORTD_TOP_K": "x", "SUPPORTD_EMBED_DIM": "1"})
	require.ErrorContains(t, err, "SUPPORTD_TOP_K")
	require.ErrorContains(t, err, "SUPPORTD_EMBED_DIM", "all bad values are reported at once")
}

func TestTrustedProxiesAreAddressesAndRanges(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"SUPPORTD_TRUSTED_PROXIES": " 10.1.2.3/8 ,192.168.0.7,, ::1 ",
		"SUPPORTD_PUBLIC_URL": "https://help.example.com/"})
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.7/32"),
		netip.MustParsePrefix("::1/128")}, c.TrustedProxies)
	require.Equal(t, "https://help.example.com", c.PublicURL)
	c, err = load(t, nil)
	require.NoError(t, err)
	require.Empty(t, c.TrustedProxies, "by default no peer is trusted")
}

func TestModelAliasesNameKnowledgeBases(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"SUPPORTD_MODEL_ALIASES": " support = billing ,,docs-bot=docs"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"support": "billing", "docs-bot": "docs"}, c.ModelAliases)
	c, err = load(t, nil)
	require.NoError(t, err)
	require.Empty(t, c.ModelAliases)
}

func TestSchedulesTakeCronOrDescriptors(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0 6 * * 1", "@weekly", "@every 2s", "@every 1h30m"} {
		c, err := load(t, map[string]string{"SUPPORTD_DRIFT_SCHEDULE": v, "SUPPORTD_EVAL_SCHEDULE": v})
		require.NoError(t, err, v)
		require.Equal(t, v, c.DriftSchedule)
		require.Equal(t, v, c.EvalSchedule)
	}
	c, err := load(t, nil)
	require.NoError(t, err)
	require.Equal(t, 100, c.DriftMinQuestions)
}

// The fusion variables are unset by default (the embedder's defaults
// apply); a vector weight of 0 is a setting of its own.
func TestFusionOverridesAreOptional(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	require.NoError(t, err)
	require.Nil(t, c.RRFK)
	require.Nil(t, c.TextWeight)
	require.Nil(t, c.VectorWeight)
	c, err = load(t, map[string]string{"SUPPORTD_VECTOR_WEIGHT": "0", "SUPPORTD_RRF_K": "30"})
	require.NoError(t, err)
	require.Equal(t, 0.0, *c.VectorWeight)
	require.Equal(t, 30.0, *c.RRFK)
	_, err = load(t, map[string]string{"SUPPORTD_RRF_K": "0"})
	require.ErrorContains(t, err, `SUPPORTD_RRF_K (--rrf-k): "0" is not a number from 1 to 1000`)
	_, err = load(t, map[string]string{"SUPPORTD_TEXT_WEIGHT": "-1"})
	require.ErrorContains(t, err, "SUPPORTD_TEXT_WEIGHT")
}

// README's configuration table is generated from the registry; this keeps
// the two in step.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.True(t, strings.Contains(string(readme), config.Markdown()),
		"README's configuration table is stale: regenerate it with `go run ./cmd/supportd config`")
}

func TestEveryVariableBelongsToAnArea(t *testing.T) {
	t.Parallel()
	for _, v := range config.Vars() {
		require.NotZero(t, v.Area, v.Env)
		require.Zero(t, v.Area&^config.All, "%s names an undefined area", v.Env)
		require.NotContains(t, v.Help, "`", "%s: flag help would print a back-quoted word as the value's name", v.Env)
	}
}

func TestOnlyTheNamedAreasBecomeFlags(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := map[string]string{"SUPPORTD_TOP_K": "7"}
	c, err := config.Load(fs, []string{"--embed-dim", "512"}, func(k string) string { return env[k] }, config.Embedding|config.Chunking)
	require.NoError(t, err)
	require.Equal(t, 512, c.EmbedDim)
	require.Equal(t, 7, c.TopK, "a setting outside the areas still comes from the environment")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	require.Equal(t, []string{"chunk-overlap", "chunk-tokens", "embed-api-key", "embed-base-url", "embed-batch-size",
		"embed-dim", "embed-model", "embed-timeout", "embedder"}, names)

	fs = flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, err = config.Load(fs, []string{"--top-k", "7"}, func(string) string { return "" }, config.Database)
	require.ErrorContains(t, err, "flag provided but not defined: -top-k")
}
