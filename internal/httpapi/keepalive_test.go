package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// heldModel is a fake LLM whose waits (a latency fault) last until the test
// releases them, telling the test when one begins.
type heldModel struct {
	*fakeModel
	waiting chan struct{}
	release chan struct{}
}

func newHeldModel(t *testing.T) *heldModel {
	t.Helper()
	h := &heldModel{waiting: make(chan struct{}, 8), release: make(chan struct{})}
	h.fakeModel = newFakeModel(t, fakellm.Options{Wait: func(ctx context.Context, _ time.Duration) error {
		h.waiting <- struct{}{}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-h.release:
			return nil
		}
	}})
	h.Inject(fakellm.Fault{Kind: fakellm.KindLatency, Times: 1})
	return h
}

// manualTicks replaces the keepalive timer with a channel the test
// drives, checking the configured interval: each tick sent fires the
// timer armed at the time.
func manualTicks(t *testing.T, want time.Duration) (chan time.Time, func(*httpapi.Deps)) {
	ticks := make(chan time.Time)
	return ticks, func(d *httpapi.Deps) {
		d.Chat.Keepalive = want
		d.Chat.AfterFunc = func(got time.Duration, f func()) func() bool {
			require.Equal(t, want, got)
			stopped := make(chan struct{})
			go func() {
				select {
				case <-ticks:
					f()
				case <-stopped:
				}
			}()
			var once sync.Once
			return func() bool { once.Do(func() { close(stopped) }); return true }
		}
	}
}

// While the model has nothing to say, the stream sends a keepalive
// comment on every tick of its (injected) ticker, then the answer.
func TestStreamSendsKeepalivesWhileTheModelIsSilent(t *testing.T) {
	t.Parallel()
	model := newHeldModel(t)
	ticks, tune := manualTicks(t, 7*time.Second)
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{model.url}, Gateway: llm.GatewayParams{FirstToken: time.Minute, Total: time.Minute}})
	b := serve(t, kit, tune)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opened := make(chan *http.Response, 1)
	go func() {
		opened <- b.openStream(ctx, t, `{"kb":"demo","question":"`+refundQuestion+`"}`)
	}()
	<-model.waiting // the model has the request and says nothing
	ticks <- time.Now()
	res := <-opened // the keepalive committed the stream
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	r := bufio.NewReader(res.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, ": keepalive\n", line)
	ticks <- time.Now()
	for _, want := range []string{"\n", ": keepalive\n", "\n"} {
		line, err = r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, want, line)
	}
	close(model.release)
	ans := requireAnswerEvents(t, newSSEReader(r).all(t))
	require.Equal(t, "llm", ans.done.Mode)
	require.Nil(t, ans.status)
}

// When the first-token deadline passes, the stream says it is answering
// from the help centre before that answer's text, and the model was asked
// once.
func TestStreamSaysWhenItDegrades(t *testing.T) {
	t.Parallel()
	model := newHeldModel(t)
	_, tune := manualTicks(t, 5*time.Second)
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{model.url},
		Gateway: llm.GatewayParams{FirstToken: time.Second, Total: time.Minute, MaxAttempts: 3}})
	b := serve(t, kit, tune)
	_, events := b.stream(t, refundQuestion)
	ans := requireAnswerEvents(t, events)
	require.Equal(t, &statusEvent{Mode: "extractive", DegradedReason: "first_token_timeout"}, ans.status)
	require.Zero(t, ans.statusAt, "the status comes before the help centre's answer")
	require.True(t, strings.HasSuffix(ans.text(), "[1]"), ans.text())
	require.Equal(t, 1, model.Count("/chat/completions"), "the stalled model is not asked again")
}

// A model that streams a trickle is abandoned at the first-token deadline
// like a silent one: the stream says so first, and no model text precedes
// the help centre's answer.
func TestStreamSaysWhenATricklingModelIsAbandoned(t *testing.T) {
	t.Parallel()
	model := newFakeModel(t, fakellm.Options{})
	model.Inject(fakellm.Fault{Kind: fakellm.KindHang}) // a token every 100 ms
	_, tune := manualTicks(t, 5*time.Second)
	kit, _ := testkit.NewDemo(t, testkit.Options{Models: []string{model.url},
		Gateway: llm.GatewayParams{FirstToken: time.Second, Total: time.Minute, OpeningTokens: 100}})
	b := serve(t, kit, tune)
	_, events := b.stream(t, refundQuestion)
	ans := requireAnswerEvents(t, events)
	require.Equal(t, &statusEvent{Mode: "extractive", DegradedReason: "slow_stream"}, ans.status)
	require.Zero(t, ans.statusAt, "the status comes before any text")
	require.NotContains(t, ans.text(), "interrupted")
	require.True(t, strings.HasSuffix(ans.text(), "[1]"), ans.text())
	require.Equal(t, 1, model.Count("/chat/completions"))
}
