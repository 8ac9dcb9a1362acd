package fakellm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
)

func TestFaultStatus429(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, RetryAfter: 7, Times: 2})

	resp, raw := b.post(t, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "7", resp.Header.Get("Retry-After"))
	require.JSONEq(t, `{"error":{"message":"fakellm: injected 429 Too Many Requests",
		"type":"requests","param":null,"code":"rate_limit_exceeded"}}`, raw)

	_, err := b.ask(t, refundPrompt)
	require.EqualError(t, err, "API returned unexpected status code: 429: fakellm: injected 429 Too Many Requests")

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err, "Times 2 is used up")
	require.Equal(t, refundAnswer, got)
}

func TestFaultStatus500(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Times: 1}, // 500 is the default
		fakellm.Fault{Kind: fakellm.KindStatus, Status: 503, Message: "overloaded", Times: 1})

	_, err := b.ask(t, refundPrompt)
	require.EqualError(t, err, "API returned unexpected status code: 500: fakellm: injected 500 Internal Server Error")
	_, _, err = b.stream(t.Context(), refundPrompt)
	require.EqualError(t, err, "API returned unexpected status code: 503: overloaded")
}

func TestFaultMalformed(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindMalformed, Times: 3})

	_, err := b.ask(t, refundPrompt)
	require.EqualError(t, err, "unexpected EOF", "the JSON body is cut in half")

	// langchaingo skips stream lines that are not JSON, so a malformed
	// stream reaches it as an empty answer, not an error.
	chunks, resp, err := b.stream(t.Context(), refundPrompt)
	require.NoError(t, err)
	require.Empty(t, chunks)
	require.Empty(t, resp.Choices[0].Content)

	_, raw := b.post(t, "/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	lines := strings.Split(strings.TrimSpace(raw), "\n\n")
	require.Len(t, lines, 3)
	require.Equal(t, `data: {"id":"chatcmpl-fake-3","object":"chat.completion.chunk","choices":[{"delta":{"content":`, lines[1])
	require.Equal(t, "data: [DONE]", lines[2])
}

func TestFaultCutStream(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindCut, Tokens: 2, Times: 1})

	chunks, _, err := b.stream(t.Context(), refundPrompt)
	require.EqualError(t, err, "error reading streaming response: unexpected EOF")
	require.Equal(t, []string{"Refunds ", "are "}, chunks)
}

func TestFaultCutJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindCut})

	_, err := b.ask(t, refundPrompt)
	require.EqualError(t, err, "unexpected EOF")
}

func TestFaultHangStream(t *testing.T) {
	t.Parallel()
	var p pauses
	b := setup(t, fakellm.Options{HangInterval: 10 * time.Millisecond, Wait: p.wait})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindHang})

	// The client gives up after five tokens; the stream never ends by itself.
	chunks, err := b.streamUntil(t, refundPrompt, 5)

	// langchaingo v0.1.14 races the body read error against the cancelled
	// context, so it returns either that error or the partial answer with
	// a nil error; callers must check their context either way.
	if err != nil {
		require.ErrorContains(t, err, "error reading streaming response")
	}
	require.GreaterOrEqual(t, len(chunks), 5)
	require.Equal(t, refundTokens()[:5], chunks[:5], "the answer's words, one by one")
	got := p.list()
	require.GreaterOrEqual(t, len(got), 4, "a pause after every token")
	for _, d := range got {
		require.Equal(t, 10*time.Millisecond, d, "HangInterval apart")
	}
}

func TestFaultHangStreamGoesRoundAndRound(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{Wait: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindHang})
	n := len(refundTokens())
	chunks, _ := b.streamUntil(t, refundPrompt, n+2)
	require.GreaterOrEqual(t, len(chunks), n+2)
	require.Equal(t, []string{"[P1] ", "Refunds ", "are "}, chunks[n-1:n+2], "after the last word, the first again")
}

func TestFaultHangJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindHang})

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := b.llm.Call(ctx, refundPrompt)
	require.EqualError(t, err, "request timeout: API call exceeded deadline", "nothing comes until the client gives up")
}

func TestFaultHangEndsWithClient(t *testing.T) {
	t.Parallel()
	// The server must not outlive its client: Close waits for every
	// handler, so it returning at all proves the hang handlers ended (and
	// TestMain's leak check sees no goroutine left behind).
	b := setup(t, fakellm.Options{HangInterval: 10 * time.Millisecond})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindHang})
	for _, stream := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		if stream {
			_, _, _ = b.stream(ctx, "hi")
		} else {
			_, _ = b.llm.Call(ctx, "hi")
		}
		cancel()
	}
	b.ts.Close()
	require.Equal(t, []fakellm.Kind{fakellm.KindHang, fakellm.KindHang}, kinds(b.fake.Requests()))
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	var p pauses
	b := setup(t, fakellm.Options{Wait: p.wait})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: 120 * time.Millisecond, Times: 2})

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundAnswer, got)
	require.Equal(t, []time.Duration{120 * time.Millisecond}, p.list(), "the delay comes before the answer")

	chunks, _, err := b.stream(t.Context(), refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundTokens(), chunks)
	require.Equal(t, []time.Duration{120 * time.Millisecond, 120 * time.Millisecond}, p.list())

	_, err = b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Len(t, p.list(), 2, "no pause once the fault is used up")
	require.Equal(t, []fakellm.Kind{fakellm.KindLatency, fakellm.KindLatency, ""}, kinds(b.fake.Requests()),
		"Times 2 is used up")
}

func TestFaultLatencyEndsWithTheClient(t *testing.T) {
	t.Parallel()
	// The default Wait is a real timer: an hour's delay must end with the
	// client, not hold the handler.
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindLatency, Delay: time.Hour})

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := b.llm.Call(ctx, refundPrompt)
	require.EqualError(t, err, "request timeout: API call exceeded deadline")
}

func TestFaultEmpty(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindEmpty, Times: 2})

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Empty(t, got)

	chunks, resp, err := b.stream(t.Context(), refundPrompt)
	require.NoError(t, err)
	require.Empty(t, chunks)
	require.Empty(t, resp.Choices[0].Content)
	require.Equal(t, "stop", resp.Choices[0].StopReason)
	require.Equal(t, 0, resp.Choices[0].GenerationInfo["CompletionTokens"])
}

func TestFaultCite(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindCite, Times: 4})

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, "Refunds are issued within 14 days of purchase. Annual plans are refunded pro rata. [P99]", got)

	chunks, _, err := b.stream(t.Context(), refundPrompt)
	require.NoError(t, err)
	require.Equal(t, "[P99]", chunks[len(chunks)-1])

	got, err = b.ask(t, question("Orders?", passage("P99", "x", "Orders wait."), passage("P100", "y", "No.")))
	require.NoError(t, err)
	require.Equal(t, "Orders wait. [P101]", got, "the bogus id is never one in the prompt")

	got, err = b.ask(t, question("Warranty?", refunds))
	require.NoError(t, err)
	require.Equal(t, "I don't know. [P99]", got)
}

func TestFaultTimes(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(
		fakellm.Fault{Kind: fakellm.KindStatus, Status: 502, Times: 2},
		fakellm.Fault{Kind: fakellm.KindEmpty, Times: 1},
		fakellm.Fault{Kind: fakellm.KindStatus, Status: 500, Endpoint: fakellm.EndpointEmbeddings, Times: 1},
	)
	require.Equal(t, []fakellm.Fault{
		{Kind: fakellm.KindStatus, Endpoint: fakellm.EndpointChat, Times: 2, Delay: fakellm.DefaultDelay, Status: 502,
			RetryAfter: 1, Tokens: 3, Cite: "P99"},
		{Kind: fakellm.KindEmpty, Endpoint: fakellm.EndpointChat, Times: 1, Delay: fakellm.DefaultDelay, Status: 500,
			RetryAfter: 1, Tokens: 3, Cite: "P99"},
		{Kind: fakellm.KindStatus, Endpoint: fakellm.EndpointEmbeddings, Times: 1, Delay: fakellm.DefaultDelay, Status: 500,
			RetryAfter: 1, Tokens: 3, Cite: "P99"},
	}, b.fake.Faults())

	var outcomes []string
	for range 4 {
		got, err := b.ask(t, refundPrompt)
		if err != nil {
			got = err.Error()
		}
		outcomes = append(outcomes, got)
	}
	require.Equal(t, []string{
		"API returned unexpected status code: 502: fakellm: injected 502 Bad Gateway",
		"API returned unexpected status code: 502: fakellm: injected 502 Bad Gateway",
		"",
		refundAnswer,
	}, outcomes)
	require.Len(t, b.fake.Faults(), 1, "the embeddings fault waits for an embeddings request")
	require.Equal(t, []fakellm.Kind{fakellm.KindStatus, fakellm.KindStatus, fakellm.KindEmpty, ""},
		kinds(b.fake.Requests()))
}

func TestFaultForeverUntilReset(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindStatus}, fakellm.Fault{Kind: fakellm.KindEmpty})

	for range 3 {
		_, err := b.ask(t, refundPrompt)
		require.Error(t, err)
	}
	require.Len(t, b.fake.Faults(), 2, "a fault with Times 0 holds back the ones after it")

	b.fake.Reset()
	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundAnswer, got)
	require.Empty(t, b.fake.Faults())
	require.Len(t, b.fake.Requests(), 4, "Reset keeps the recorded requests")
}

func TestInjectPanicsOnInvalidFault(t *testing.T) {
	t.Parallel()
	fake := fakellm.New(fakellm.Options{})
	require.PanicsWithValue(t, `fakellm: Inject: unknown fault kind "boom"`, func() {
		fake.Inject(fakellm.Fault{Kind: "boom"})
	})
	require.Empty(t, fake.Faults())
}

func TestFaultMarker(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindEmpty, Times: 1})

	_, err := b.ask(t, refundPrompt+"\n[[fault:500]]")
	require.EqualError(t, err, "API returned unexpected status code: 500: fakellm: injected 500 Internal Server Error")
	require.Equal(t, fakellm.KindStatus, b.fake.LastRequest().Fault)
	require.Len(t, b.fake.Faults(), 1, "a marker does not consume the queue")

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Empty(t, got, "the queued fault applies next")

	got, err = b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundAnswer, got, "a marker lasts one request")
}

func TestFaultMarkerKinds(t *testing.T) {
	t.Parallel()
	var p pauses
	b := setup(t, fakellm.Options{Wait: p.wait})

	resp, raw := b.post(t, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi [[fault:429=3]]"}]}`)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "3", resp.Header.Get("Retry-After"))
	require.Contains(t, raw, "rate_limit_exceeded")

	got, err := b.ask(t, "[[fault:latency=60ms]]"+refundPrompt)
	require.NoError(t, err)
	require.Equal(t, refundAnswer, got, "the marker is not part of the question")
	require.Equal(t, []time.Duration{60 * time.Millisecond}, p.list())

	chunks, _, err := b.stream(t.Context(), refundPrompt+"[[fault:cut=1]]")
	require.EqualError(t, err, "error reading streaming response: unexpected EOF")
	require.Equal(t, []string{"Refunds "}, chunks)

	got, err = b.ask(t, refundPrompt+"[[fault:cite=X7]]")
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(got, "pro rata. [X7]"), got)

	_, err = b.ask(t, refundPrompt+"[[fault:status=418]]")
	require.EqualError(t, err, "API returned unexpected status code: 418: fakellm: injected 418 I'm a teapot")

	for _, marker := range []string{"[[fault:boom]]", "[[fault:200]]", "[[fault:empty=1]]", "[[fault:latency=soon]]"} {
		resp, raw = b.post(t, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi `+marker+`"}]}`)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, marker)
		require.Contains(t, raw, `fault marker \"`+marker, marker)
	}
}

func TestFaultEndpoint(t *testing.T) {
	t.Parallel()
	var p pauses
	b := setup(t, fakellm.Options{Wait: p.wait})

	resp, raw := b.post(t, "/_fault", `{"kind":"status","status":503,"times":1}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"queued":[{"kind":"status","endpoint":"chat","times":1,"delay":"500ms","status":503,
		"retry_after":1,"tokens":3,"cite":"P99"}]}`, raw)
	resp, _ = b.post(t, "/v1/_fault", `{"kind":"latency","delay":"30ms"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 30*time.Millisecond, b.fake.Faults()[1].Delay)

	_, err := b.ask(t, refundPrompt)
	require.EqualError(t, err, "API returned unexpected status code: 503: fakellm: injected 503 Service Unavailable")
	_, err = b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, []time.Duration{30 * time.Millisecond}, p.list())

	resp, _ = b.do(t, http.MethodDelete, "/_fault", "")
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Empty(t, b.fake.Faults())

	for _, body := range []string{`{"kind":"nope"}`, `{}`, `{"kind":"status","status":200}`,
		`{"kind":"latency","delay":"7"}`, `{"kind":"cut","times":-1}`, `{"kind":"empty","endpoint":"models"}`, `[`} {
		resp, raw = b.post(t, "/_fault", body)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		require.Contains(t, raw, `"type":"invalid_request_error"`, body)
	}
	require.Empty(t, b.fake.Faults())
	require.Equal(t, 10, b.fake.Count("/_fault"))
}

func TestFaultJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := fakellm.Fault{Kind: fakellm.KindLatency, Endpoint: fakellm.EndpointEmbeddings, Times: 2, Delay: 1500 * time.Millisecond}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"kind":"latency","endpoint":"embeddings","times":2,"delay":"1.5s"}`, string(raw))
	var out fakellm.Fault
	require.NoError(t, json.Unmarshal(raw, &out))
	require.Equal(t, in, out)
}

// kinds lists the fault applied to each request.
func kinds(reqs []fakellm.Request) []fakellm.Kind {
	out := make([]fakellm.Kind, len(reqs))
	for i, r := range reqs {
		out[i] = r.Fault
	}
	return out
}

func TestFaultReplyAnswersTheScriptedText(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	const reply = "Refunds take 14 days [P2]. Reset your password from the sign-in page [P3]."
	b.fake.Inject(fakellm.Fault{Kind: fakellm.KindReply, Message: reply, Times: 2})

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err)
	require.Equal(t, reply, got)
	chunks, _, err := b.stream(t.Context(), refundPrompt)
	require.NoError(t, err)
	require.Equal(t, reply, strings.Join(chunks, ""))

	require.ErrorContains(t, fakellm.Fault{Kind: fakellm.KindReply}.Validate(), "message")
}
