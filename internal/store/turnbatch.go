package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"supportd/internal/core"
)

// TurnWriter records turns with group commit: one goroutine takes every
// turn that is waiting when it is free and writes them together, in one
// round trip and one transaction, with one multi-row statement per tenant
// after setting that tenant (app.tenant_id) for it. SaveTurn returns only
// once the turn's batch has committed, so an acknowledged turn is stored;
// Close stops taking turns and writes the ones already queued first.
//
// The writer has its own connection, outside the store's pool: a turn
// whose answer was produced must not wait for a connection behind every
// retrieval that is queued for one (with 1,000 streams open, that queue
// outlasted the write's deadline and answered streams ended unavailable).
type TurnWriter struct {
	s       *Store // on the writer's own pool
	closeDB func()
	queue   chan turnRequest
	timeout time.Duration
	max     int

	mu     sync.RWMutex // held for reading while sending, for writing to close
	closed bool
	done   chan struct{}
}

// TurnWriterParams configures NewTurnWriter.
type TurnWriterParams struct {
	// MaxBatch bounds the turns written together; default 32. A batch
	// amortises the commit over its turns, but one that must be written
	// within Timeout on a database busy with retrievals (1,000 streams
	// ending at once) should not be so large that its write overruns it:
	// a batch of 256 turns overran 10 s under that load.
	MaxBatch int
	// Timeout bounds one batch's write, from when the writer takes it:
	// the time a turn waits for earlier batches does not count against
	// it. Default 10 s.
	Timeout time.Duration
}

type turnRequest struct {
	t     TurnWrite
	reply chan turnReply
}

type turnReply struct {
	id  int64
	err error
}

// NewTurnWriter starts the writer over s, on a connection of its own to
// s's database; Close stops it.
//
// The connection keeps saveTurnsSQL prepared (pgx's statement cache), but
// Postgres planned each execution afresh with its arrays' values (12 of
// 12 batches, pg_prepared_statements.custom_plans), about 1 ms of a
// batch at load 16; the plan does not depend on them (each conversation
// and turn is found by its key), so the writer's session always takes the
// generic plan, made once.
func NewTurnWriter(s *Store, p TurnWriterParams) *TurnWriter {
	own, closeDB := s.dedicated(1, map[string]string{"plan_cache_mode": "force_generic_plan"})
	w := &TurnWriter{s: own, closeDB: closeDB, max: cmp.Or(p.MaxBatch, 32), timeout: cmp.Or(p.Timeout, 10*time.Second),
		done: make(chan struct{})}
	w.queue = make(chan turnRequest, w.max)
	go w.run()
	return w
}

// SaveTurn queues t and waits until its batch has committed; it returns the
// turn's id, core.CodeNotFound for a conversation of another tenant, and
// core.CodeUnavailable once the writer is closed or when the batch's own
// write fails or overruns Timeout. Waiting behind earlier batches is not
// a failure: the wait is bounded by the queue's length and each batch's
// Timeout, so callers need not set a deadline of their own. A caller that
// stops waiting (ctx) gets ctx's error, and its turn is still written.
func (w *TurnWriter) SaveTurn(ctx context.Context, t TurnWrite) (int64, error) {
	req := turnRequest{t: t, reply: make(chan turnReply, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return 0, core.Errorf(core.CodeUnavailable, "the server is shutting down")
	}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		w.mu.RUnlock()
		return 0, translate(ctx.Err(), "save turn")
	}
	w.mu.RUnlock()
	select {
	case r := <-req.reply:
		return r.id, r.err
	case <-ctx.Done():
		return 0, translate(ctx.Err(), "save turn")
	}
}

// Close stops taking turns, writes every queued one and returns when the
// last batch has committed (or failed). It is safe to call twice.
func (w *TurnWriter) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
	w.closeDB()
}

// run writes batches until the queue is closed and empty.
func (w *TurnWriter) run() {
	defer close(w.done)
	batch := make([]turnRequest, 0, w.max)
	for req := range w.queue {
		batch = append(batch[:0], req)
	fill:
		for len(batch) < w.max {
			select {
			case r, ok := <-w.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.write(batch)
	}
}

// write stores a batch and answers each request. When the batch as a whole
// fails for a turn's sake, each turn is written alone, so one bad turn
// fails only itself; a database that is unavailable fails them all.
func (w *TurnWriter) write(batch []turnRequest) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	turns := make([]TurnWrite, len(batch))
	for i, r := range batch {
		turns[i] = r.t
	}
	began := time.Now()
	ids, err := w.s.SaveTurns(ctx, turns)
	if errors.Is(err, errConnectionLost) {
		// The writer's idle connection had been cut (a restarted or
		// failed-over server) and nothing of the batch ran: write it
		// once more, on a new connection.
		ids, err = w.s.SaveTurns(ctx, turns)
	}
	if err != nil {
		err = batchFailed(err, len(batch), time.Since(began))
	}
	if err != nil && len(batch) > 1 && core.ErrorCode(err) != core.CodeUnavailable {
		for _, r := range batch {
			id, err := w.s.SaveTurn(ctx, r.t)
			r.reply <- turnReply{id: id, err: err}
		}
		return
	}
	for i, r := range batch {
		switch {
		case err != nil:
			r.reply <- turnReply{err: err}
		case ids[i] == 0:
			r.reply <- turnReply{err: core.Errorf(core.CodeNotFound, "conversation %s does not exist", r.t.ConversationID)}
		default:
			r.reply <- turnReply{id: ids[i]}
		}
	}
}

// batchFailed adds to a failed batch's cause how many turns it held and
// how long its write ran, keeping the code and the client's message: an
// overrun Timeout is then told from a write that failed at once.
func batchFailed(err error, turns int, took time.Duration) error {
	var coded *core.Error
	if !errors.As(err, &coded) {
		return err
	}
	return &core.Error{Code: coded.Code, Message: coded.Message, RetryAfter: coded.RetryAfter,
		Err: fmt.Errorf("batch of %d turns, written for %s: %w", turns, took.Round(time.Millisecond), coded.Err)}
}

// SaveTurns records turns in one round trip and one transaction: per
// tenant, in the order tenants first appear, the tenant is set for the
// transaction and one statement writes that tenant's turns, their new
// conversations, review items and usage. It returns each turn's id, 0 for
// a turn whose conversation belongs to another tenant (nothing of it is
// written).
func (s *Store) SaveTurns(ctx context.Context, turns []TurnWrite) ([]int64, error) {
	groups := map[string][]int{}
	var order []string
	for i, t := range turns {
		if _, ok := groups[t.Tenant]; !ok {
			order = append(order, t.Tenant)
		}
		groups[t.Tenant] = append(groups[t.Tenant], i)
	}
	sql := saveTurnsSQL
	if s.rewrite != nil {
		sql = s.rewrite(sql)
	}
	b := &pgx.Batch{}
	for _, tenant := range order {
		b.Queue(setTenant, tenant)
		args, err := turnColumns(turns, groups[tenant])
		if err != nil {
			return nil, err
		}
		b.Queue(sql, append([]any{tenant}, args...)...)
	}
	// A batch runs in one implicit transaction: it commits whole, when the
	// results are closed, or not at all.
	br := s.db.SendBatch(ctx, b)
	ids := make([]int64, len(turns))
	for i, tenant := range order {
		if _, err := br.Exec(); err != nil {
			br.Close()
			if i == 0 && connectionLost(err) {
				err = fmt.Errorf("%w: %w", errConnectionLost, err)
			}
			return nil, translate(err, "save turns")
		}
		rows, err := br.Query()
		if err != nil {
			br.Close()
			return nil, translate(err, "save turns")
		}
		idx := groups[tenant]
		var ord, id int64
		_, err = pgx.ForEachRow(rows, []any{&ord, &id}, func() error {
			ids[idx[ord-1]] = id
			return nil
		})
		if err != nil {
			br.Close()
			return nil, translate(err, "save turns")
		}
	}
	return ids, translate(br.Close(), "save turns")
}

// errConnectionLost marks a SaveTurns error for which nothing of the batch
// ran: the connection was found lost at its first statement, so no turn of
// it can have been committed and writing it again cannot store one twice.
var errConnectionLost = errors.New("the connection was lost before the batch ran")

// connectionLost reports whether err says the connection had gone before
// the statement ran: the server ended the backend (a terminated or
// crashed backend reports it to the next statement sent), or pgx could
// not send the statement at all.
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P01" || pgErr.Code == "57P02" // admin_shutdown, crash_shutdown
	}
	return pgconn.SafeToRetry(err)
}

// turnColumns lays out the chosen turns column by column, as
// saveTurnsSQL's arrays $2 to $24.
func turnColumns(turns []TurnWrite, idx []int) ([]any, error) {
	n := len(idx)
	conv, citations, question, answer := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	mode, reason, client, promptVersion := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	model, cacheKey, topDoc, endUser := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	review, purpose := make([]string, n), make([]string, n)
	kb, latency, promptTok, complTok, dropped := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	confidence, cost, injection := make([]float64, n), make([]float64, n), make([]float64, n)
	estimated := make([]bool, n)
	for j, i := range idx {
		t := turns[i]
		cs := t.Citations
		if cs == nil {
			cs = []core.Citation{}
		}
		raw, err := json.Marshal(cs)
		if err != nil {
			return nil, core.Errorf(core.CodeInternal, "encode citations: %v", err)
		}
		conv[j], citations[j], question[j], answer[j] = t.ConversationID, string(raw), t.Question, t.Answer
		mode[j], reason[j], client[j], promptVersion[j] = string(t.Mode), t.DegradedReason, t.ClientID, t.PromptVersion
		model[j], cacheKey[j], topDoc[j], endUser[j] = t.Model, t.CacheKey, t.TopDocument, t.EndUserID
		review[j], purpose[j] = t.Review, string(cmp.Or(t.Purpose, core.PurposeSupport))
		kb[j], latency[j], promptTok[j], complTok[j] = t.KBID, t.Latency.Milliseconds(), int64(t.PromptTokens), int64(t.CompletionTokens)
		dropped[j], confidence[j], cost[j], injection[j] = int64(t.DroppedCitations), t.Confidence, t.CostUSD, t.InjectionScore
		estimated[j] = t.UsageEstimated
	}
	return []any{conv, kb, question, answer, citations, confidence, mode, reason, latency, client, promptVersion, model,
		promptTok, complTok, cost, dropped, cacheKey, injection, topDoc, endUser, review, purpose, estimated}, nil
}

// saveTurnsSQL records many turns of one tenant ($1) in one statement: the
// turns' ids are drawn first so that each comes back with its position
// (ord); each conversation is written once: created with its first turn's
// knowledge base and end user, or, when it exists for the same tenant,
// updated once if it adopts the end user or takes a later support turn.
// A conversation's last support turn (the handoff inbox's key, migration
// 00023) is set here, not by a trigger: a new support turn reopens a
// handled conversation and, then, closes its request for a person. Turns
// whose conversation belongs to another tenant match no conversation row
// and are skipped.
const saveTurnsSQL = `
WITH input AS MATERIALIZED (
	SELECT i.*, nextval(pg_get_serial_sequence('turns', 'id')) AS id
	FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::text[],
	            $10::bigint[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[], $16::float8[],
	            $17::bigint[], $18::text[], $19::float8[], $20::text[], $21::text[], $22::text[], $23::text[], $24::bool[])
	     WITH ORDINALITY AS i(conversation_id, kb_id, question, answer, citations, confidence, mode, degraded_reason,
	            latency_ms, client_id, prompt_version, model, prompt_tokens, completion_tokens, cost_usd,
	            dropped_citations, cache_key, injection_score, top_document, end_user_id, review, purpose,
	            usage_estimated, ord)
), first AS (
	SELECT DISTINCT ON (conversation_id) conversation_id, kb_id, nullif(end_user_id, '') AS end_user_id
	FROM input ORDER BY conversation_id, ord
), last AS (
	SELECT DISTINCT ON (conversation_id) conversation_id, id, mode
	FROM input WHERE purpose = 'support' ORDER BY conversation_id, ord DESC
), conversation AS (
	SELECT first.*, last.id AS last_turn_id, last.mode AS last_mode
	FROM first LEFT JOIN last USING (conversation_id)
), existing AS (
	SELECT c.id FROM conversations c JOIN first ON first.conversation_id = c.id WHERE c.tenant_id = $1
), touched AS (
	UPDATE conversations c SET end_user_id = coalesce(c.end_user_id, n.end_user_id),
		last_turn_id = CASE WHEN n.later THEN n.last_turn_id ELSE c.last_turn_id END,
		last_mode = CASE WHEN n.later THEN n.last_mode ELSE c.last_mode END,
		handled_at = CASE WHEN n.later THEN NULL ELSE c.handled_at END,
		handled_by = CASE WHEN n.later THEN '' ELSE c.handled_by END,
		person_requested_at = CASE WHEN n.later AND c.handled_at IS NOT NULL THEN NULL ELSE c.person_requested_at END
	FROM (SELECT conversation.*, cur.id AS cid,
	             conversation.last_turn_id IS NOT NULL AND (cur.last_turn_id IS NULL OR cur.last_turn_id < conversation.last_turn_id) AS later
	      FROM conversation JOIN conversations cur ON cur.id = conversation.conversation_id AND cur.tenant_id = $1) n
	WHERE c.id = n.cid AND c.tenant_id = $1
	  AND (n.later OR (c.end_user_id IS NULL AND n.end_user_id IS NOT NULL))
), created AS (
	INSERT INTO conversations (id, tenant_id, kb_id, end_user_id, last_turn_id, last_mode)
	SELECT conversation_id, $1, kb_id, end_user_id, last_turn_id, last_mode FROM conversation
	WHERE conversation_id NOT IN (SELECT id FROM existing)
	ON CONFLICT (id) DO NOTHING
	RETURNING id
), conv AS (
	SELECT id FROM existing UNION ALL SELECT id FROM created
), ok AS (
	SELECT input.* FROM input JOIN conv ON conv.id = input.conversation_id
), ins AS (
	INSERT INTO turns (id, tenant_id, conversation_id, kb_id, question, answer, citations,
	                   confidence, mode, degraded_reason, latency_ms, client_id, prompt_version,
	                   model, prompt_tokens, completion_tokens, cost_usd, dropped_citations, cache_key,
	                   injection_score, top_document, end_user_id, purpose, usage_estimated)
	OVERRIDING SYSTEM VALUE
	SELECT id, $1, conversation_id, kb_id, question, answer, citations::jsonb, confidence, mode, degraded_reason,
	       latency_ms, client_id, prompt_version, model, prompt_tokens, completion_tokens, cost_usd,
	       dropped_citations, cache_key, injection_score, top_document, nullif(end_user_id, ''), purpose, usage_estimated
	FROM ok ORDER BY ord
), review AS (
	INSERT INTO review_items (tenant_id, turn_id, reason) SELECT $1, id, review FROM ok WHERE review <> ''
), usage AS (
	INSERT INTO usage_daily (tenant_id, client_id, day, tokens, cost_usd)
	SELECT $1, client_id, (now() AT TIME ZONE 'UTC')::date, sum(prompt_tokens + completion_tokens), sum(cost_usd)
	FROM ok WHERE prompt_tokens + completion_tokens > 0 GROUP BY client_id
	ON CONFLICT (tenant_id, client_id, day)
	DO UPDATE SET tokens = usage_daily.tokens + EXCLUDED.tokens, cost_usd = usage_daily.cost_usd + EXCLUDED.cost_usd
)
SELECT ord, id FROM ok`
