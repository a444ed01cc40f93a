package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// Spec is one task type: how it is queued and run, and what does its work.
// H is the type holding the handlers' dependencies (the workers' Handlers),
// so that a registry can be written once, as a table of method expressions,
// before any dependency exists.
type Spec[H any] struct {
	// Type is the task type name, part of the contract (Asynqmon shows it).
	Type string
	// Queue is one of the Queue* constants.
	Queue string
	// MaxRetry is how many times a failing task is retried.
	MaxRetry int
	// Timeout bounds one run. Defaults to 30 seconds.
	Timeout time.Duration
	// Does says in one line what the task does (the documentation's task table).
	Does string
	// Step does the task's work in one unit of work (see Step).
	Step func(h H, ctx context.Context, w *Work, run Run) error
	// Prepare, when set instead of Step, runs first with no transaction open
	// (slow outside work such as fetching a page, or a short unit of work of
	// its own through e) and returns the step to run in the task's unit of
	// work.
	Prepare func(h H, ctx context.Context, e *Engine, run Run) Step
	// OnFailure, optional, records on the entity why the task gave up (a
	// permanent error, or the last retry failed), in a unit of its own.
	OnFailure func(h H, ctx context.Context, w *Work, run Run, cause error) error
}

// Registry lists every task type once.
type Registry[H any] []Spec[H]

// Options are each type's queueing options, for Engine.Tasks.
func (r Registry[H]) Options() map[string]Options {
	opts := make(map[string]Options, len(r))
	for _, s := range r {
		opts[s.Type] = Options{Queue: s.Queue, MaxRetry: s.MaxRetry, Timeout: s.timeout()}
	}
	return opts
}

func (s Spec[H]) timeout() time.Duration {
	if s.Timeout <= 0 {
		return 30 * time.Second
	}
	return s.Timeout
}

// Check reports the first entry that cannot run: an unknown queue, a type
// listed twice, or neither Step nor Prepare (or both).
func (r Registry[H]) Check() error {
	seen := map[string]bool{}
	for _, s := range r {
		switch {
		case s.Type == "" || seen[s.Type]:
			return fmt.Errorf("registry: task type %q is empty or listed twice", s.Type)
		case !KnownQueue(s.Queue):
			return fmt.Errorf("registry: %s: unknown queue %q", s.Type, s.Queue)
		case (s.Step == nil) == (s.Prepare == nil):
			return fmt.Errorf("registry: %s: needs exactly one of Step and Prepare", s.Type)
		}
		seen[s.Type] = true
	}
	return nil
}

// Handle registers every task type's handler on mux, bound to h and run by
// runner.
func (r Registry[H]) Handle(mux *asynq.ServeMux, runner *Runner, h H) {
	for _, s := range r {
		var onFailure Failure
		if s.OnFailure != nil {
			onFailure = func(ctx context.Context, w *Work, run Run, cause error) error {
				return s.OnFailure(h, ctx, w, run, cause)
			}
		}
		mux.HandleFunc(s.Type, func(ctx context.Context, task *asynq.Task) error {
			run := runOf(ctx, task)
			var step Step
			if s.Prepare != nil {
				step = s.Prepare(h, ctx, runner.Engine, run)
			} else {
				step = func(ctx context.Context, w *Work, run Run) error { return s.Step(h, ctx, w, run) }
			}
			return runner.Execute(ctx, run, step, onFailure)
		})
	}
}

// Markdown is the registry as the documentation's task table: type, queue,
// retries, timeout, what it does.
func (r Registry[H]) Markdown() string {
	var b strings.Builder
	b.WriteString("| type | queue | retries | timeout | does |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range r {
		fmt.Fprintf(&b, "| `%s` | %s | %d | %s | %s |\n", s.Type, s.Queue, s.MaxRetry, s.timeout(), s.Does)
	}
	return b.String()
}
