package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// EvalJobs queues evaluation runs for the background workers and reports
// on them.
type EvalJobs interface {
	// StartEval queues an evaluation and audits it: core.CodeKBNotFound
	// for an unknown knowledge base, core.CodeInvalid for a golden set
	// that is not one of the allowed ones or a bad baseline. When the same
	// evaluation is already waiting or running, that job is returned.
	StartEval(ctx context.Context, s EvalStart) (EvalJob, error)
	// EvalJob reads a queued evaluation; core.CodeNotFound for an unknown
	// id or another tenant's job.
	EvalJob(ctx context.Context, tenant string, id int64) (EvalJob, error)
}

// EvalStart is one request for an evaluation run.
type EvalStart struct {
	Tenant, Actor, KB string
	// Golden names a golden set beside SUPPORTD_EVAL_GOLDEN (its file name
	// without .jsonl); empty is that file. Never a path.
	Golden string
	// Baseline is "pinned" (default), "none" or a run id.
	Baseline string
}

type evalStartRequest struct {
	KB       string `json:"kb"`
	Golden   string `json:"golden"`
	Baseline string `json:"baseline"`
}

// EvalJob is a queued evaluation: State is queued, running, finished or
// failed; RunID is the run it made, once finished.
type EvalJob struct {
	ID         int64      `json:"id"`
	State      string     `json:"state"`
	KB         string     `json:"kb"`
	Golden     string     `json:"golden"`
	Baseline   string     `json:"baseline"`
	RunID      *int64     `json:"run_id"`
	Attempts   int        `json:"attempts"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// evalJobPath is where a queued evaluation is polled.
func evalJobPath(id int64) string { return "/v1/eval/jobs/" + strconv.FormatInt(id, 10) }

// handleStartEval queues a golden-set evaluation and answers 202 with the
// job and, in Location, where to poll it; the finished job names its run.
func handleStartEval(jobs EvalJobs) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req evalStartRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.KB == "" {
			return core.Errorf(core.CodeInvalid, "kb names the knowledge base to evaluate")
		}
		p := principal(c)
		job, err := jobs.StartEval(c.Request().Context(), EvalStart{Tenant: p.Tenant, Actor: p.Actor(), KB: req.KB,
			Golden: req.Golden, Baseline: req.Baseline})
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, evalJobPath(job.ID))
		return c.JSON(http.StatusAccepted, job)
	}
}

func handleGetEvalJob(jobs EvalJobs) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id", "job id")
		if err != nil {
			return err
		}
		job, err := jobs.EvalJob(c.Request().Context(), principal(c).Tenant, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, job)
	}
}
