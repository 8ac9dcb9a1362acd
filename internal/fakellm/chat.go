package fakellm

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// reply is everything a chat response says, before any fault shapes it.
type reply struct {
	id           string
	model        string
	created      int64
	answer       string
	promptTokens int
	includeUsage bool
}

// handleChat serves POST /chat/completions.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var body chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, 0, "decoding request: "+err.Error())
		return
	}
	req, err := body.decode()
	if err != nil {
		writeError(w, http.StatusBadRequest, 0, err.Error())
		return
	}
	fault, text, err := parseMarker(lastUser(req.Messages))
	if err != nil {
		s.record(req)
		writeError(w, http.StatusBadRequest, 0, err.Error())
		return
	}
	if fault != nil {
		*fault = fault.withDefaults()
	} else {
		fault = s.nextFault(EndpointChat)
	}
	if fault != nil {
		req.Fault = fault.Kind
	}
	rep := reply{
		id:           "chatcmpl-" + s.record(req),
		model:        cmp.Or(req.Model, s.opts.Model),
		created:      s.opts.Now().Unix(),
		includeUsage: req.IncludeUsage,
	}
	for _, m := range req.Messages {
		rep.promptTokens += countTokens(m.Content)
	}
	rep.answer = answerWith(text, fault)
	if fault != nil && fault.Kind == KindLeak {
		rep.answer = systemMessage(req.Messages)
	}
	s.respond(w, r, rep, req.Stream, fault)
}

// answerWith computes the answer to text, shaped by the empty and cite
// faults.
func answerWith(text string, f *Fault) string {
	a, cited := answer(text)
	switch {
	case f == nil:
		return a
	case f.Kind == KindEmpty:
		return ""
	case f.Kind == KindReply:
		return f.Message
	case f.Kind == KindCite:
		bogus := "[" + freeID(f.Cite, ids(text)) + "]"
		if cited != "" {
			return strings.TrimSuffix(a, "["+cited+"]") + bogus
		}
		return a + " " + bogus
	}
	return a
}

// respond writes rep, or the misbehaviour f asks for.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, rep reply, stream bool, f *Fault) {
	ctx := r.Context()
	kind := Kind("")
	if f != nil {
		kind = f.Kind
	}
	switch kind {
	case KindLatency:
		if s.opts.Wait(ctx, f.Delay) != nil {
			return
		}
	case KindStatus:
		writeError(w, f.Status, f.RetryAfter, f.message())
		return
	case KindHang:
		if stream {
			s.hang(ctx, w, rep)
		} else {
			<-ctx.Done()
		}
		return
	}
	if stream {
		s.stream(ctx, w, rep, kind, f)
		return
	}
	body, _ := json.Marshal(rep.completion())
	switch kind {
	case KindMalformed:
		body = body[:len(body)/2]
	case KindCut:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:len(body)/2])
		abort(w)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// completion is rep as a non-streaming response.
func (rep reply) completion() completion {
	return completion{
		ID: rep.id, Object: "chat.completion", Created: rep.created, Model: rep.model,
		SystemFingerprint: systemFingerprint,
		Choices: []completionChoice{{
			Message:      responseMessage{Role: "assistant", Content: rep.answer},
			FinishReason: "stop",
		}},
		Usage: newUsage(rep.promptTokens, rep.answer),
	}
}

// chunk is one stream chunk of rep carrying d, or the final usage chunk
// when d is nil.
func (rep reply) chunk(d *delta, finish string) chunk {
	c := chunk{
		ID: rep.id, Object: "chat.completion.chunk", Created: rep.created, Model: rep.model,
		SystemFingerprint: systemFingerprint, Choices: []chunkChoice{},
	}
	if rep.includeUsage {
		c.Usage = json.RawMessage("null")
	}
	if d == nil {
		c.Usage = newUsage(rep.promptTokens, rep.answer)
		return c
	}
	ch := chunkChoice{Delta: *d}
	if finish != "" {
		ch.FinishReason = &finish
	}
	c.Choices = append(c.Choices, ch)
	return c
}

// stream writes rep as server-sent events, cut short or garbled by kind.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, rep reply, kind Kind, f *Fault) {
	ev := startEvents(w)
	empty := ""
	if ev.send(rep.chunk(&delta{Role: "assistant", Content: &empty}, "")) != nil {
		return
	}
	if kind == KindMalformed {
		if ev.line(`{"id":"`+rep.id+`","object":"chat.completion.chunk","choices":[{"delta":{"content":`) == nil {
			_ = ev.line("[DONE]")
		}
		return
	}
	for i, tok := range tokens(rep.answer) {
		if kind == KindCut && i == f.Tokens {
			abort(w)
		}
		if i > 0 && s.opts.TokenDelay > 0 && s.opts.Wait(ctx, s.opts.TokenDelay) != nil {
			return
		}
		if ev.send(rep.chunk(&delta{Content: &tok}, "")) != nil {
			return
		}
	}
	if kind == KindCut {
		abort(w)
	}
	if ev.send(rep.chunk(&delta{}, "stop")) != nil {
		return
	}
	if rep.includeUsage && ev.send(rep.chunk(nil, "")) != nil {
		return
	}
	_ = ev.line("[DONE]")
}

// hang streams the answer's words round and round, one per HangInterval,
// until the client goes away.
func (s *Server) hang(ctx context.Context, w http.ResponseWriter, rep reply) {
	ev := startEvents(w)
	empty := ""
	if ev.send(rep.chunk(&delta{Role: "assistant", Content: &empty}, "")) != nil {
		return
	}
	words := strings.Fields(rep.answer)
	if len(words) == 0 {
		words = []string{"..."}
	}
	for i := 0; ; i++ {
		tok := words[i%len(words)] + " "
		if ev.send(rep.chunk(&delta{Content: &tok}, "")) != nil || s.opts.Wait(ctx, s.opts.HangInterval) != nil {
			return
		}
	}
}

// events writes server-sent events, flushing each one.
type events struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// startEvents sends the headers of an event stream.
func startEvents(w http.ResponseWriter) events {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return events{w: w, rc: http.NewResponseController(w)}
}

// send writes v as one data event.
func (e events) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.line(string(b))
}

// line writes one "data:" event with the given payload and flushes it.
func (e events) line(data string) error {
	if _, err := fmt.Fprintf(e.w, "data: %s\n\n", data); err != nil {
		return err
	}
	return e.rc.Flush()
}

// abort flushes what was written and drops the connection without ending
// the response: the client sees the body end early (an unexpected EOF).
// http.ErrAbortHandler is net/http's sanctioned way to do that; the server
// recovers it silently.
func abort(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// sleep waits d or until ctx is done, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// systemMessage is the first system message's content.
func systemMessage(msgs []Message) string {
	for _, m := range msgs {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}
