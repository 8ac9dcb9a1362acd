package fakellm_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"

	"supportd/internal/fakellm"
)

// bundle is a running fake and a langchaingo client pointed at it.
type bundle struct {
	fake *fakellm.Server
	ts   *httptest.Server
	llm  *openai.LLM
}

// setup starts a fake with opts behind a real HTTP server and a langchaingo
// OpenAI client whose base URL ends in /v1, as supportd configures it.
func setup(t *testing.T, opts fakellm.Options) bundle {
	t.Helper()
	fake := fakellm.New(opts)
	ts := httptest.NewServer(fake.Handler())
	t.Cleanup(ts.Close)
	llm, err := openai.New(
		openai.WithBaseURL(ts.URL+"/v1"),
		openai.WithToken("test"),
		openai.WithModel("fake"),
		openai.WithEmbeddingModel("fake-embedding"),
		// The server's own client, so ts.Close also closes its idle
		// connections and goleak sees no transport goroutines.
		openai.WithHTTPClient(ts.Client()),
	)
	require.NoError(t, err)
	return bundle{fake: fake, ts: ts, llm: llm}
}

// ask sends prompt as one user message without streaming.
func (b bundle) ask(t *testing.T, prompt string, opts ...llms.CallOption) (string, error) {
	t.Helper()
	return llms.GenerateFromSinglePrompt(t.Context(), b.llm, prompt, opts...)
}

// stream sends prompt as one user message with streaming and returns the
// non-empty chunks delivered before the call returned.
func (b bundle) stream(ctx context.Context, prompt string) ([]string, *llms.ContentResponse, error) {
	var chunks []string
	resp, err := b.llm.GenerateContent(ctx,
		[]llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, prompt)},
		llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			if len(chunk) > 0 {
				chunks = append(chunks, string(chunk))
			}
			return nil
		}))
	return chunks, resp, err
}

// streamUntil streams prompt's answer and hangs up once n non-empty chunks
// have arrived; it returns the chunks delivered before the call returned.
func (b bundle) streamUntil(t *testing.T, prompt string, n int) ([]string, error) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var chunks []string
	_, err := b.llm.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, prompt)},
		llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			if len(chunk) > 0 {
				if chunks = append(chunks, string(chunk)); len(chunks) == n {
					cancel()
				}
			}
			return nil
		}))
	return chunks, err
}

// post sends body as JSON to path on the fake and returns the response and
// its body.
func (b bundle) post(t *testing.T, path, body string) (*http.Response, string) {
	t.Helper()
	return b.do(t, http.MethodPost, path, body)
}

// do sends one raw request to the fake.
func (b bundle) do(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, b.ts.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(raw)
}

// passage renders one retrieved passage the way the prompt templates do.
func passage(id, title, text string) string {
	return fmt.Sprintf("<passage id=%q title=%q source=\"kb/%s.md\">\n%s\n</passage>\n", id, title, strings.ToLower(id), text)
}

// question renders an answer prompt: instructions, passages, question.
func question(q string, passages ...string) string {
	return "Answer from the passages only and cite them.\n\n" + strings.Join(passages, "") + "\n<question>" + q + "</question>"
}

// Passages as the prompt templates render them.
const (
	refunds = `<passage id="P1" title="Refund Policy" source="billing/refunds.md">
Refunds are issued within 14 days of purchase.
Annual plans are refunded pro rata. Contact billing for exceptions.
</passage>
`
	shipping = `<passage id="P2" title="Shipping" source="orders/shipping.md">
Orders ship within 2 business days. Tracking numbers arrive by email.
</passage>
`
	password = `<passage id="P3" title="Passwords" source="account/password.md">
To reset your password, open Settings and choose Security. A reset link is emailed to you.
</passage>
`
)

// refundPrompt is a question whose answer is P1's lead: it shares four
// words with P1 and none with P2 or P3.
const refundPrompt = "Answer from the passages only and cite them.\n\n" + shipping + refunds + password +
	"\n<question>How are annual plans refunded?</question>"

// refundAnswer is the fake's reply to refundPrompt.
const refundAnswer = "Refunds are issued within 14 days of purchase. Annual plans are refunded pro rata. [P1]"

// pauses records the pauses a fake asks for (Options.Wait) and ends each
// at once, so tests assert pauses instead of sleeping them.
type pauses struct {
	mu  sync.Mutex
	got []time.Duration
}

func (p *pauses) wait(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, d)
	return ctx.Err()
}

// list is what was asked for so far.
func (p *pauses) list() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.got...)
}

// refundTokens returns refundAnswer as streamed.
func refundTokens() []string {
	return []string{"Refunds ", "are ", "issued ", "within ", "14 ", "days ", "of ", "purchase. ",
		"Annual ", "plans ", "are ", "refunded ", "pro ", "rata. ", "[P1]"}
}
