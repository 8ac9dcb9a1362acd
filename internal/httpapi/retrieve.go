package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"supportd/internal/assistant"
	"supportd/internal/core"
)

// retrieveRequest is the body of POST /v1/retrieve.
type retrieveRequest struct {
	KB    string `json:"kb"`
	Query string `json:"query"`
	// TopK is how many passages to return, 1 to assistant.MaxSearchTopK;
	// omitted, the assistant's own number (5 by default).
	TopK   int         `json:"top_k"`
	Filter core.Filter `json:"filter"`
}

// retrieveResponse is the answer of POST /v1/retrieve: passages best
// first.
type retrieveResponse struct {
	KB      string             `json:"kb"`
	Query   string             `json:"query"`
	Results []retrievedPassage `json:"results"`
}

// retrievedPassage is one ranked passage. Document is the document's
// source URI, its stable name (as in citations); Text is the whole
// passage and Snippet its first 240 characters or so.
type retrievedPassage struct {
	Rank       int             `json:"rank"`
	ChunkID    int64           `json:"chunk_id"`
	DocumentID int64           `json:"document_id"`
	Document   string          `json:"document"`
	Title      string          `json:"title"`
	Heading    string          `json:"heading"`
	URI        string          `json:"uri"`
	Snippet    string          `json:"snippet"`
	Text       string          `json:"text"`
	Scores     retrievalScores `json:"scores"`
}

// retrievalScores are a passage's scores: Fused orders the results
// (reciprocal rank fusion), Vector is the cosine similarity to the query
// (0 to 1) and BM25 the lexical score (0 when no term matched). A rank is
// 1-based within its list, 0 when the passage was not in it.
type retrievalScores struct {
	Fused      float64 `json:"fused"`
	Vector     float64 `json:"vector"`
	BM25       float64 `json:"bm25"`
	VectorRank int     `json:"vector_rank"`
	BM25Rank   int     `json:"bm25_rank"`
}

// handleRetrieve returns ranked passages for a query, for copilots that
// write their own prompts.
func handleRetrieve(a Answerer) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req retrieveRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.KB == "" {
			return core.Errorf(core.CodeInvalid, "kb is required")
		}
		passages, err := a.Search(c.Request().Context(), assistant.Search{Tenant: principal(c).Tenant, KB: req.KB,
			Query: req.Query, TopK: req.TopK, Filter: req.Filter})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, retrieveResponse{KB: req.KB, Query: req.Query, Results: retrieved(passages)})
	}
}

// retrieved gives passages their wire form.
func retrieved(ps []core.Passage) []retrievedPassage {
	out := make([]retrievedPassage, len(ps))
	for i, p := range ps {
		out[i] = retrievedPassage{Rank: i + 1, ChunkID: p.ChunkID, DocumentID: p.DocumentID, Document: p.SourceURI,
			Title: p.Title, Heading: p.Heading, URI: p.SourceURI, Snippet: assistant.Snippet(p.Text), Text: p.Text,
			Scores: retrievalScores{Fused: p.Score, Vector: p.Similarity, BM25: p.BM25, VectorRank: p.VectorRank, BM25Rank: p.TextRank}}
	}
	return out
}
