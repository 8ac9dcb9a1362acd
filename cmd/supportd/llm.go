package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"supportd/internal/cache"
	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/metrics"
	"supportd/internal/prompt"
	"supportd/prompts"
)

// limiter adapts limit.Limiter to the small interface the gateway and the
// HTTP layer declare.
type limiter struct{ l limit.Limiter }

func (a limiter) Allow(ctx context.Context, key string, n int) (bool, time.Duration, error) {
	d, err := a.l.Allow(ctx, key, n)
	return d.Allowed, d.RetryAfter, err
}

// openRedis connects the optional shared tier. A Redis that does not answer
// at start-up is logged, not fatal: cache and limits fail open.
func openRedis(ctx context.Context, cfg config.Config, log *slog.Logger) (*redis.Client, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		log.Warn("redis does not answer; cache and limits run per replica until it does", "err", err)
	}
	return rdb, nil
}

func loadPrompts(cfg config.Config) (*prompt.Set, error) {
	if cfg.PromptsDir != "" {
		return prompt.LoadDir(cfg.PromptsDir)
	}
	return prompt.Load(prompts.FS)
}

func newCache(cfg config.Config, rdb *redis.Client) (*cache.Cache, error) {
	if cfg.CacheSize == 0 {
		return nil, nil
	}
	return cache.New(cache.Params{Size: cfg.CacheSize, TTL: cfg.CacheTTL, Redis: rdb})
}

// newGateway builds the model chain, or returns nil when no model is
// configured (the assistant then answers extractively).
func newGateway(cfg config.Config, rdb *redis.Client, count func(string) int, log *slog.Logger, m *metrics.Metrics) (*llm.Gateway, error) {
	if cfg.LLMProvider == "" {
		return nil, nil
	}
	specs := []llm.ProviderParams{{Kind: cfg.LLMProvider, Model: cfg.LLMModel, BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, CountTokens: count}}
	if cfg.FallbackProvider != "" {
		specs = append(specs, llm.ProviderParams{Kind: cfg.FallbackProvider, Model: cfg.FallbackModel,
			BaseURL: cfg.FallbackBaseURL, APIKey: cfg.FallbackAPIKey, CountTokens: count})
	}
	var chain []llm.Member
	for _, spec := range specs {
		p, err := llm.NewProvider(spec)
		if err != nil {
			return nil, err
		}
		chain = append(chain, llm.Member{
			Provider: p,
			Requests: limiter{limit.New(limit.Rate{Limit: cfg.ProviderRPM, Period: time.Minute}, rdb, "supportd:rl:provider-rpm:")},
			Tokens:   limiter{limit.New(limit.Rate{Limit: cfg.ProviderTPM, Period: time.Minute}, rdb, "supportd:rl:provider-tpm:")},
		})
	}
	return llm.NewGateway(chain, llm.GatewayParams{
		FirstToken: cfg.FirstTokenTimeout, Total: cfg.LLMTimeout, MaxAttempts: cfg.LLMMaxAttempts,
		BreakerFailures: cfg.BreakerFailures, BreakerCooldown: cfg.BreakerCooldown, CountTokens: count,
		OnBreakerChange: func(p, from, to string) {
			log.Warn("circuit breaker", "provider", p, "from", from, "to", to)
			m.Breaker(p, to)
		},
		Observe: m.Stage,
		OnSkip: func(_ string, kind llm.Kind) {
			if kind == llm.KindProviderLimited {
				m.RateLimited("provider")
			}
		},
	})
}

// newCanary is the per-process secret in the system prompt; an answer that
// contains it has leaked the prompt and is blocked.
func newCanary() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "cnry-" + hex.EncodeToString(b)
}

// newJudge builds the optional LLM-as-judge for evaluations; nil when no
// judge model is configured.
func newJudge(cfg config.Config, count func(string) int, log *slog.Logger) (*eval.Judge, error) {
	if cfg.JudgeProvider == "" {
		return nil, nil
	}
	p, err := llm.NewProvider(llm.ProviderParams{Kind: cfg.JudgeProvider, Model: cfg.JudgeModel,
		BaseURL: cfg.JudgeBaseURL, APIKey: cfg.JudgeAPIKey, CountTokens: count})
	if err != nil {
		return nil, err
	}
	g, err := llm.NewGateway([]llm.Member{{Provider: p}}, llm.GatewayParams{Total: time.Minute, FirstToken: 30 * time.Second,
		OnBreakerChange: func(p, from, to string) { log.Warn("judge circuit breaker", "provider", p, "from", from, "to", to) }})
	if err != nil {
		return nil, err
	}
	set, err := loadPrompts(cfg)
	if err != nil {
		return nil, err
	}
	return eval.NewJudge(g, set), nil
}
