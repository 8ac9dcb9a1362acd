package bench

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/ingest"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// fakeOutage switches the fake model's failures, as cmd/supportd does.
type fakeOutage struct{ *fakellm.Server }

func (o fakeOutage) Fail()      { o.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 500}) }
func (o fakeOutage) Calls() int { return o.Count("/chat/completions") }

// kitDeps are a wired kit's components as the benchmarks see them.
func kitDeps(kit *testkit.Kit) Deps {
	return Deps{Store: kit.Store, Embedder: kit.Embedder, Chunker: kit.Chunker, Retriever: kit.Retriever, Tenant: testkit.Tenant,
		Settings: Settings{ChunkTokens: ingest.DefaultChunkSize, ChunkOverlap: ingest.DefaultChunkOverlap, Candidates: 50, EfSearch: 100}}
}

func demoGolden() string { return filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl") }

func TestGatewayMeasuresEveryPath(t *testing.T) {
	t.Parallel()
	fake := fakellm.New(fakellm.Options{})
	ts := httptest.NewServer(fake.Handler())
	t.Cleanup(ts.Close)
	// One attempt per call and a breaker that opens after two failures.
	kit := testkit.NewWith(t, testkit.Options{Models: []string{ts.URL + "/v1"}, Cache: true,
		Gateway: llm.GatewayParams{MaxAttempts: 1, BreakerFailures: 2, BreakerCooldown: time.Hour}})
	model, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "fake", BaseURL: ts.URL + "/v1", APIKey: "test"})
	require.NoError(t, err)
	p := GatewayParams{Requests: 4, Concurrency: 2, Duration: 200 * time.Millisecond, Corpus: testkit.DemoCorpus(), Golden: demoGolden()}
	rep, err := Gateway(context.Background(), GatewayDeps{Deps: kitDeps(kit), API: httpapi.New(kit.API()), Model: model,
		Outage: fakeOutage{fake}, Prompts: kit.Prompts, TopK: 5, MaxTokens: 256, FirstToken: time.Second}, p)
	require.NoError(t, err)

	require.Len(t, rep.Overhead, 4)
	require.Equal(t, "/v1/chat end to end", rep.Overhead[0].Name)
	require.Zero(t, rep.Hits.Errors, "every cache-hit request succeeds")
	require.Zero(t, rep.Bare.Errors)
	require.Positive(t, rep.Hits.Requests)
	require.Len(t, rep.Outage.Latencies, 4)
	answered := 0
	for mode, n := range rep.Outage.Modes {
		require.Contains(t, []string{"extractive", "handoff"}, mode, "an outage answers without the model")
		answered += n
	}
	require.Equal(t, 4, answered)
	// Questions handed off before generation call no model; after two
	// failed calls the breaker skips it.
	require.Positive(t, rep.Outage.ModelCalls)
	require.LessOrEqual(t, rep.Outage.ModelCalls, 2, "the breaker opens after two failures")

	rows := rep.RatioRows()
	require.Len(t, rows, 2)
	require.Equal(t, "bare Echo handler, fixed JSON", rows[0].Baseline)
	require.Positive(t, rows[0].Ours)
	require.Positive(t, rows[0].Bare)
	require.Equal(t, AtMost(1), rows[1].Goal, "the added p99 is bounded by 1 ms")

	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	for _, h := range []string{"`supportd bench gateway --requests 4 --concurrency 2 --duration 200ms`",
		"### Pipeline overhead", "### Cache-hit path vs a bare Echo handler", "### Answers during a model outage"} {
		require.Contains(t, md.String(), h)
	}
}

func TestEvalRunsTheGoldenSetEachRound(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	rep, err := Eval(context.Background(), EvalDeps{Deps: kitDeps(kit), Runner: kit.EvalRunner(), Runs: kit},
		EvalParams{Concurrency: 2, Rounds: 2, Corpus: testkit.DemoCorpus(), Golden: demoGolden()})
	require.NoError(t, err)
	require.Equal(t, "extractive", rep.Model)
	require.Len(t, rep.Rounds, 2)
	for _, r := range rep.Rounds {
		require.Equal(t, rep.Cases, r.Cases, "every case of the golden set ran")
	}
	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	require.Contains(t, md.String(), "`supportd bench eval --concurrency 2 --rounds 2`")
}
