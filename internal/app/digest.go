package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"supportd/internal/digest"
)

// Digests builds digests from the running configuration: the golden set
// of SUPPORTD_EVAL_KB, the assistant's handoff threshold as the
// low-confidence line.
func (a *App) Digests() *digest.Builder {
	return digest.NewBuilder(a.Store, a.EvalRunner(), digest.Params{Period: a.Config.DigestPeriod,
		LowConfidence: a.Config.MinConfidence, GoldenPath: a.Config.EvalGolden, GoldenKB: a.Config.EvalKB})
}

// SendDigest queues the digest for the digest webhook: the Markdown to
// post in a channel, and the figures.
func (a *App) SendDigest(d digest.Digest) error {
	var md bytes.Buffer
	if err := d.Markdown(&md); err != nil {
		return err
	}
	a.DigestHook.Send("digest.weekly", map[string]any{"kb": d.KB, "from": d.From, "to": d.To, "markdown": md.String(), "digest": d})
	return nil
}

// scheduledDigest writes and sends the digest of every knowledge base.
func (a *App) scheduledDigest(ctx context.Context) error {
	b := a.Digests()
	kbs, err := a.Store.KBs(ctx, a.Config.Tenant)
	if err != nil {
		return err
	}
	var errs []error
	for _, kb := range kbs {
		d, err := b.Build(ctx, a.Config.Tenant, kb.Name)
		if err == nil {
			err = a.SendDigest(d)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("digest of %s: %w", kb.Name, err))
			continue
		}
		a.Log.Info("weekly digest", "kb", kb.Name, "questions", d.This.N, "handoff_rate", d.This.HandoffRate)
	}
	return errors.Join(errs...)
}
