package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"supportd/internal/assistant"
	"supportd/internal/cache"
	"supportd/internal/config"
	"supportd/internal/embed"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// Settings are the components' parameters as the configuration sets them;
// New builds from them, after Params.Tune (tests) has adjusted them.
// Hooks to metrics and logs are added by New and are not settings.
type Settings struct {
	Store     store.Params
	Embed     embed.Params
	Chunker   ingest.ChunkerParams
	Syncer    ingest.SyncerParams
	Retrieve  retrieve.Params
	Extract   extract.Params
	Assistant assistant.Params
	// Models are the answering models, primary first; none answers
	// extractively. Judge is the optional LLM-as-judge.
	Models  []llm.ProviderParams
	Gateway llm.GatewayParams
	Judge   *llm.ProviderParams
	// ModelRate and ModelTokens limit each model per minute.
	ModelRate   limit.Rate
	ModelTokens limit.Rate
	ClientRate  limit.Rate
	// Cache is nil when answers are not cached.
	Cache *cache.Params
}

// SettingsFrom derives every component's parameters from cfg.
func SettingsFrom(cfg config.Config) (Settings, error) {
	prices, err := llm.ParsePrices(cfg.LLMPrices)
	if err != nil {
		return Settings{}, fmt.Errorf("SUPPORTD_LLM_PRICES: %w", err)
	}
	s := Settings{
		Store: store.Params{URL: cfg.DatabaseURL, MaxConns: int32(cfg.DBMaxConns), EfSearch: cfg.HNSWEfSearch,
			ReadURL: cfg.DatabaseReadURL, ReadMaxLag: cfg.ReadMaxLag},
		Embed: embed.Params{Provider: cfg.Embedder, Model: cfg.EmbedModel, Dimension: cfg.EmbedDim, BaseURL: cfg.EmbedBaseURL,
			APIKey: cfg.EmbedAPIKey, BatchSize: cfg.EmbedBatchSize, Timeout: cfg.EmbedTimeout},
		Chunker: ingest.ChunkerParams{Size: cfg.ChunkTokens, Overlap: cfg.ChunkOverlap},
		Retrieve: retrieve.Params{Candidates: cfg.Candidates, Timeout: cfg.RetrieveTimeout,
			RRFK: cfg.RRFK, TextWeight: cfg.TextWeight, VectorWeight: cfg.VectorWeight},
		Extract: extract.Params{MaxSentences: cfg.ExtractSentences, MinConfidence: cfg.MinConfidence},
		Assistant: assistant.Params{
			TopK: cfg.TopK, MaxQuestionChars: cfg.MaxQuestionChars, MinConfidence: cfg.MinConfidence,
			HistoryTurns: cfg.HistoryTurns, MaxTokens: cfg.LLMMaxTokens, Temperature: cfg.LLMTemperature,
			DailyTokenBudget: int64(cfg.DailyTokenBudget), Product: cfg.ProductName, Canary: newCanary(), Prices: prices,
			ReviewConfidence: cfg.ReviewConfidence, InjectionAction: cfg.InjectionAction,
			InjectionThreshold: cfg.InjectionThreshold, RedactStored: cfg.RedactStored,
		},
		Gateway: llm.GatewayParams{FirstToken: cfg.FirstTokenTimeout, Total: cfg.LLMTimeout, MaxAttempts: cfg.LLMMaxAttempts, OpeningTokens: cfg.LLMOpeningTokens,
			BreakerFailures: cfg.BreakerFailures, BreakerCooldown: cfg.BreakerCooldown},
		ModelRate:   limit.Rate{Limit: cfg.ProviderRPM, Period: time.Minute},
		ModelTokens: limit.Rate{Limit: cfg.ProviderTPM, Period: time.Minute},
		ClientRate:  limit.Rate{Limit: cfg.ClientRPM, Period: time.Minute},
	}
	if cfg.LLMProvider != "" {
		s.Models = append(s.Models, llm.ProviderParams{Kind: cfg.LLMProvider, Model: cfg.LLMModel, BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey})
		if cfg.FallbackProvider != "" {
			s.Models = append(s.Models, llm.ProviderParams{Kind: cfg.FallbackProvider, Model: cfg.FallbackModel,
				BaseURL: cfg.FallbackBaseURL, APIKey: cfg.FallbackAPIKey})
		}
	}
	if cfg.JudgeProvider != "" {
		s.Judge = &llm.ProviderParams{Kind: cfg.JudgeProvider, Model: cfg.JudgeModel, BaseURL: cfg.JudgeBaseURL, APIKey: cfg.JudgeAPIKey}
	}
	if cfg.CacheSize > 0 {
		s.Cache = &cache.Params{Size: cfg.CacheSize, TTL: cfg.CacheTTL}
	}
	return s, nil
}

// newCanary is the per-process secret in the system prompt; an answer that
// contains it has leaked the prompt and is blocked.
func newCanary() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "cnry-" + hex.EncodeToString(b)
}
