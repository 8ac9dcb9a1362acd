package fakellm

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
)

// maxDim bounds a requested embedding length.
const maxDim = 16000

// embeddingRequest is the body of POST /embeddings.
type embeddingRequest struct {
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"`
	Dimensions int             `json:"dimensions"`
}

// inputs returns the texts to embed: input is a string or an array of
// strings.
func (e embeddingRequest) inputs() ([]string, error) {
	raw := bytes.TrimSpace(e.Input)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return []string{s}, err
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, errors.New("input must be a string or a non-empty array of strings")
	}
	return list, nil
}

// embeddingList is the response of POST /embeddings.
type embeddingList struct {
	Object string      `json:"object"`
	Data   []embedding `json:"data"`
	Model  string      `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

// embedding is one vector of an embeddingList.
type embedding struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// handleEmbeddings serves POST /embeddings.
func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req embeddingRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, 0, "decoding request: "+err.Error())
		return
	}
	texts, err := req.inputs()
	dim := cmp.Or(req.Dimensions, s.opts.Dim)
	if err == nil && (dim < 1 || dim > maxDim) {
		err = fmt.Errorf("dimensions must be between 1 and %d", maxDim)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, 0, err.Error())
		return
	}
	out := embeddingList{Object: "list", Data: []embedding{}, Model: cmp.Or(req.Model, s.opts.EmbeddingModel)}
	f := s.nextFault(EndpointEmbeddings)
	if f == nil || f.Kind != KindEmpty {
		for i, t := range texts {
			out.Data = append(out.Data, embedding{Object: "embedding", Index: i, Embedding: vector(t, dim)})
			out.Usage.PromptTokens += countTokens(t)
		}
	}
	out.Usage.TotalTokens = out.Usage.PromptTokens
	s.respondEmbeddings(w, r, out, f)
}

// respondEmbeddings writes out, or the misbehaviour f asks for.
func (s *Server) respondEmbeddings(w http.ResponseWriter, r *http.Request, out embeddingList, f *Fault) {
	if f == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	switch f.Kind {
	case KindLatency:
		if s.opts.Wait(r.Context(), f.Delay) != nil {
			return
		}
	case KindStatus:
		writeError(w, f.Status, f.RetryAfter, f.message())
		return
	case KindHang:
		<-r.Context().Done()
		return
	}
	body, _ := json.Marshal(out)
	switch f.Kind {
	case KindMalformed:
		body = body[:len(body)/2]
	case KindCut:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
		abort(w)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// vector embeds text deterministically: each lower-cased word adds ±1 at a
// hashed index, and the sum is scaled to unit length. A text without words
// hashes as one word, so every vector has length 1.
func vector(text string, dim int) []float32 {
	v := make([]float64, dim)
	words := wordSet(text)
	if len(words) == 0 {
		words = map[string]bool{text: true}
	}
	for w := range words {
		h := fnv.New64a()
		_, _ = h.Write([]byte(w))
		sum := h.Sum64()
		sign := 1.0
		if sum&1 == 1 {
			sign = -1
		}
		v[(sum>>1)%uint64(dim)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	out := make([]float32, dim)
	for i, x := range v {
		if norm > 0 {
			out[i] = float32(x / norm)
		}
	}
	return out
}

// handleModels serves GET /models.
func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data": []model{
			{ID: s.opts.Model, Object: "model", OwnedBy: "fakellm"},
			{ID: s.opts.EmbeddingModel, Object: "model", OwnedBy: "fakellm"},
		},
	})
}
