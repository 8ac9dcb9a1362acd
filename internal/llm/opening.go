package llm

import (
	"errors"
	"strings"
	"sync"
)

// errSlowStream is the cancellation cause when a stream began but its
// opening did not arrive by the first-token deadline.
var errSlowStream = errors.New("the answer's opening did not arrive before the first-token deadline")

// DefaultOpeningTokens is how many streamed chunks make an answer's
// opening by default.
const DefaultOpeningTokens = 16

// opening watches the start of one attempt's stream. Until the opening
// (the first need chunks, or the whole answer when it is shorter) has
// arrived, the attempt may still be abandoned at the first-token deadline,
// so its text is held back from the caller: a stream cut before its opening
// was never seen and the fallback can stand in silently. A model that
// trickles tokens is thus treated as stalled rather than waited for.
type opening struct {
	mu      sync.Mutex
	need    int
	held    []string // the chunks received while the opening is incomplete
	open    bool     // the opening arrived; text now passes straight through
	expired bool     // the deadline passed first
}

// add records a chunk and returns the text the caller may now see: none
// while the opening is incomplete, the held text once it completes, the
// chunk itself after that. ok is false once the deadline has passed.
func (o *opening) add(text string) (release string, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.expired {
		return "", false
	}
	if o.open {
		return text, true
	}
	o.held = append(o.held, text)
	if len(o.held) < o.need {
		return "", true
	}
	return o.release(), true
}

// finish is called when the stream ended whole: a short answer is its own
// opening. It returns the text still held back.
func (o *opening) finish() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.release()
}

func (o *opening) release() string {
	o.open = true
	s := strings.Join(o.held, "")
	o.held = nil
	return s
}

// expire marks the deadline passed and returns the cancellation cause, or
// nil when the opening had already arrived.
func (o *opening) expire() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.open {
		return nil
	}
	o.expired = true
	if len(o.held) == 0 {
		return errFirstToken
	}
	return errSlowStream
}
