package scenario

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Stream draws questions.
type Stream struct {
	rng    *rand.Rand
	normal []string
}

// New returns a stream over the normal questions (e.g. a golden set's).
func New(normal []string, seed uint64) *Stream {
	return &Stream{rng: rand.New(rand.NewPCG(seed, 0x5eed)), normal: normal}
}

func (s *Stream) pick(xs []string) string { return xs[s.rng.IntN(len(xs))] }

// Normal returns n questions like the ones the knowledge base answers,
// phrased the way customers write them.
func (s *Stream) Normal(n int) []string {
	openers := []string{"", "", "", "Hi, ", "Quick question: ", "Hello! ", "hey - "}
	closers := []string{"", "", "", " Thanks!", " thx", " Thank you."}
	out := make([]string, n)
	for i := range out {
		q := s.pick(s.normal)
		if s.rng.IntN(3) == 0 {
			q = strings.ToLower(q[:1]) + q[1:]
		}
		out[i] = s.pick(openers) + q + s.pick(closers)
	}
	return out
}

// Shifted returns n questions of a drifted stream: about 45% mention
// QuillPad, a new hardware product with its own error codes, about 40%
// paste a stack trace or a log, and the rest are normal.
func (s *Stream) Shifted(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch r := s.rng.Float64(); {
		case r < 0.45:
			out[i] = s.quillpad()
		case r < 0.85:
			out[i] = s.pastedLog()
		default:
			out[i] = s.Normal(1)[0]
		}
	}
	return out
}

func (s *Stream) quillpad() string {
	templates := []string{
		"How do I pair my QuillPad with the workspace?",
		"QuillPad keeps showing %s when I try to sync my handwritten notes",
		"Is the QuillPad stylus included with the Business plan?",
		"my quillpad firmware update failed with %s, what now?",
		"Can I export QuillPad sketches to PDF?",
		"QuillPad battery drains overnight even when it is off",
		"Why does QuillPad say %s after I changed my password?",
		"Does the QuillPad work offline and sync later?",
	}
	codes := []string{"QP-PAIR-512", "QP-SYNC-707", "QP-FW-330"}
	t := s.pick(templates)
	if strings.Contains(t, "%s") {
		return fmt.Sprintf(t, s.pick(codes))
	}
	return t
}

func (s *Stream) pastedLog() string {
	logs := []string{
		"Sync stopped working. Log:\n2026-11-26T09:14:03Z ERROR sync.worker: revision upload failed page=%d err=\"context deadline exceeded\"\n2026-11-26T09:14:03Z WARN  sync.worker: retrying in 30s attempt=%d",
		"Our integration crashes:\nTraceback (most recent call last):\n  File \"sync.py\", line %d, in push\n    resp.raise_for_status()\nrequests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://api.quillstack.app/v2/pages/%d",
		"getting this in the desktop app console:\npanic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x%x pc=0x4a2c1f]\ngoroutine %d [running]:\nmain.(*Syncer).flush(...)",
		"curl -i https://api.quillstack.app/v2/pages?cursor=%d\nHTTP/2 500\ncontent-type: application/json\n{\"error\":{\"code\":\"internal\",\"request_id\":\"req_%d\"}}",
		"java.lang.IllegalStateException: token refresh failed (attempt %d)\n\tat com.quillstack.client.Auth.refresh(Auth.java:%d)\n\tat com.quillstack.client.Http.send(Http.java:88)",
	}
	t := s.pick(logs)
	return fmt.Sprintf(t, s.rng.IntN(900)+100, s.rng.IntN(90)+10)
}
