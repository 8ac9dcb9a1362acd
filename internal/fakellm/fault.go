package fakellm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind names one way a request can misbehave.
type Kind string

// The kinds of fault. Each applies to chat completions as described; on
// embeddings, cite behaves normally and empty returns no vectors.
const (
	// KindLatency waits Fault.Delay before the first byte, then answers
	// normally.
	KindLatency Kind = "latency"
	// KindStatus answers Fault.Status with an OpenAI-style JSON error body;
	// a 429 also sets Retry-After to Fault.RetryAfter seconds.
	KindStatus Kind = "status"
	// KindMalformed answers 200 with a body that is not valid JSON, or for
	// a stream, one data line that is not valid JSON instead of the answer.
	// langchaingo skips such stream lines, so it sees an empty answer.
	KindMalformed Kind = "malformed"
	// KindCut closes the connection abruptly: a stream after Fault.Tokens
	// answer tokens (no finish chunk, no [DONE]), a JSON body halfway.
	KindCut Kind = "cut"
	// KindHang never finishes: a stream sends one more token every
	// Options.HangInterval, a JSON answer sends nothing, until the client
	// disconnects.
	KindHang Kind = "hang"
	// KindEmpty answers 200 with empty content.
	KindEmpty Kind = "empty"
	// KindCite answers normally but cites Fault.Cite, a passage id that is
	// not in the prompt, instead of the real one.
	KindCite Kind = "cite"
	// KindLeak answers with the system message verbatim, as a model
	// tricked into revealing its instructions would.
	KindLeak Kind = "leak"
	// KindReply answers with Fault.Message verbatim: a scripted model
	// answer, such as one citing several passages, for tests of what the
	// assistant accepts.
	KindReply Kind = "reply"
)

// Endpoint names which requests a queued Fault applies to.
type Endpoint string

// The endpoints a Fault can target.
const (
	// EndpointChat is POST /chat/completions, the default.
	EndpointChat Endpoint = "chat"
	// EndpointEmbeddings is POST /embeddings.
	EndpointEmbeddings Endpoint = "embeddings"
)

// Defaults used for zero-valued Fault fields.
const (
	// DefaultDelay is KindLatency's wait.
	DefaultDelay = 500 * time.Millisecond
	// DefaultStatus is KindStatus's status code.
	DefaultStatus = http.StatusInternalServerError
	// DefaultRetryAfter is the Retry-After, in seconds, of a 429.
	DefaultRetryAfter = 1
	// DefaultCutTokens is how many tokens KindCut streams before closing.
	DefaultCutTokens = 3
	// DefaultCite is the passage id KindCite cites.
	DefaultCite = "P99"
)

// Fault is one injected misbehaviour. Zero-valued fields take the Default
// constants. In JSON (POST /_fault) the fields are snake_case and delay is
// a Go duration string: {"kind":"latency","delay":"250ms","times":2}.
type Fault struct {
	// Kind is what goes wrong. Required.
	Kind Kind
	// Endpoint is which requests consume the fault (default EndpointChat).
	Endpoint Endpoint
	// Times is how many requests the fault applies to; 0 means every
	// request until Server.Reset, holding back the faults queued after it
	// for the same endpoint.
	Times int
	// Delay is KindLatency's wait before the first byte.
	Delay time.Duration
	// Status is KindStatus's HTTP status code, 400 to 599.
	Status int
	// RetryAfter is the Retry-After header of a 429, in seconds.
	RetryAfter int
	// Message replaces the error message of KindStatus, and is the answer
	// of KindReply (required there).
	Message string
	// Tokens is how many answer tokens KindCut streams before closing.
	Tokens int
	// Cite is the passage id KindCite cites; when the prompt does contain
	// it, the next free number is used (P100, P101, ...).
	Cite string
}

// faultJSON is Fault's wire form.
type faultJSON struct {
	Kind       Kind     `json:"kind"`
	Endpoint   Endpoint `json:"endpoint,omitempty"`
	Times      int      `json:"times,omitempty"`
	Delay      string   `json:"delay,omitempty"`
	Status     int      `json:"status,omitempty"`
	RetryAfter int      `json:"retry_after,omitempty"`
	Message    string   `json:"message,omitempty"`
	Tokens     int      `json:"tokens,omitempty"`
	Cite       string   `json:"cite,omitempty"`
}

// MarshalJSON writes f in the form POST /_fault accepts.
func (f Fault) MarshalJSON() ([]byte, error) {
	w := faultJSON{f.Kind, f.Endpoint, f.Times, "", f.Status, f.RetryAfter, f.Message, f.Tokens, f.Cite}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads f from the form POST /_fault accepts. It does not
// validate; see Fault.Validate.
func (f *Fault) UnmarshalJSON(data []byte) error {
	var w faultJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var delay time.Duration
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return fmt.Errorf("parsing fault delay: %w", err)
		}
		delay = d
	}
	*f = Fault{w.Kind, w.Endpoint, w.Times, delay, w.Status, w.RetryAfter, w.Message, w.Tokens, w.Cite}
	return nil
}

// Validate reports the first field of f that the server cannot act on.
func (f Fault) Validate() error {
	switch f.Kind {
	case KindLatency, KindStatus, KindMalformed, KindCut, KindHang, KindEmpty, KindCite, KindLeak, KindReply:
	case "":
		return errors.New("fault kind is required")
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	switch {
	case f.Endpoint != "" && f.Endpoint != EndpointChat && f.Endpoint != EndpointEmbeddings:
		return fmt.Errorf("unknown fault endpoint %q", f.Endpoint)
	case f.Times < 0:
		return fmt.Errorf("fault times %d is negative", f.Times)
	case f.Delay < 0:
		return fmt.Errorf("fault delay %s is negative", f.Delay)
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("fault status %d is not an HTTP error status", f.Status)
	case f.RetryAfter < 0 || f.Tokens < 0:
		return errors.New("fault retry_after and tokens must not be negative")
	case f.Kind == KindReply && f.Message == "":
		return errors.New("a reply fault needs the message to answer with")
	}
	return nil
}

// withDefaults returns f with its zero-valued fields filled in.
func (f Fault) withDefaults() Fault {
	if f.Endpoint == "" {
		f.Endpoint = EndpointChat
	}
	if f.Delay == 0 {
		f.Delay = DefaultDelay
	}
	if f.Status == 0 {
		f.Status = DefaultStatus
	}
	if f.RetryAfter == 0 {
		f.RetryAfter = DefaultRetryAfter
	}
	if f.Tokens == 0 {
		f.Tokens = DefaultCutTokens
	}
	if f.Cite == "" {
		f.Cite = DefaultCite
	}
	return f
}

// message is the error message of a status fault.
func (f Fault) message() string {
	if f.Message != "" {
		return f.Message
	}
	return fmt.Sprintf("fakellm: injected %d %s", f.Status, http.StatusText(f.Status))
}

// markerPattern matches [[fault:KIND]] and [[fault:KIND=ARG]].
var markerPattern = regexp.MustCompile(`\[\[fault:([A-Za-z0-9_-]+)(?:=([^\]]*))?\]\]`)

// parseMarker finds the last fault marker in text. It returns the fault
// (nil when there is none) and text with every marker removed.
func parseMarker(text string) (*Fault, string, error) {
	all := markerPattern.FindAllStringSubmatch(text, -1)
	if len(all) == 0 {
		return nil, text, nil
	}
	m := all[len(all)-1]
	f, err := markerFault(strings.ToLower(m[1]), strings.TrimSpace(m[2]))
	if err != nil {
		return nil, text, fmt.Errorf("fault marker %q: %w", m[0], err)
	}
	return &f, markerPattern.ReplaceAllString(text, ""), nil
}

// markerFault builds the fault a marker names.
func markerFault(kind, arg string) (Fault, error) {
	if code, err := strconv.Atoi(kind); err == nil {
		f := Fault{Kind: KindStatus, Status: code}
		if arg != "" {
			if f.RetryAfter, err = strconv.Atoi(arg); err != nil {
				return Fault{}, errors.New("argument is not whole seconds")
			}
		}
		return f, f.Validate()
	}
	f := Fault{Kind: Kind(kind)}
	var err error
	switch {
	case arg == "":
	case f.Kind == KindLatency:
		f.Delay, err = time.ParseDuration(arg)
	case f.Kind == KindCut:
		f.Tokens, err = strconv.Atoi(arg)
	case f.Kind == KindStatus:
		f.Status, err = strconv.Atoi(arg)
	case f.Kind == KindCite:
		f.Cite = arg
	default:
		err = errors.New("this kind takes no argument")
	}
	if err != nil {
		return Fault{}, err
	}
	return f, f.Validate()
}

// queuedFault is a Fault waiting in a Server's queue.
type queuedFault struct {
	fault Fault
	left  int // requests still to apply to; 0 means forever
}
