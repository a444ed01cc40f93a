package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// handlers stands for the workers' Handlers in a test registry.
type handlers struct{}

func (handlers) step(context.Context, *Work, Run) error            { return nil }
func (handlers) prepare(context.Context, *Engine, Run) Step        { return nil }
func (handlers) failed(context.Context, *Work, Run, error) error   { return nil }
func (handlers) other(ctx context.Context, w *Work, run Run) error { return nil }

func TestRegistryCheck(t *testing.T) {
	t.Parallel()
	step, prepare := handlers.step, handlers.prepare
	good := Registry[handlers]{
		{Type: "a:step", Queue: QueueCritical, MaxRetry: 3, Step: step, OnFailure: handlers.failed},
		{Type: "a:prepare", Queue: QueueLow, Timeout: time.Minute, Prepare: prepare},
		{Type: "a:other", Queue: QueueDefault, Step: handlers.other},
	}
	require.NoError(t, good.Check())

	for name, tc := range map[string]struct {
		reg  Registry[handlers]
		want string
	}{
		"an unknown queue": {
			Registry[handlers]{{Type: "a:b", Queue: "urgent", Step: step}},
			`a:b: unknown queue "urgent"`,
		},
		"no queue": {
			Registry[handlers]{{Type: "a:b", Step: step}},
			`a:b: unknown queue ""`,
		},
		"a type listed twice": {
			Registry[handlers]{{Type: "a:b", Queue: QueueLow, Step: step}, {Type: "a:c", Queue: QueueLow, Step: step},
				{Type: "a:b", Queue: QueueDefault, Prepare: prepare}},
			`task type "a:b" is empty or listed twice`,
		},
		"an empty type": {
			Registry[handlers]{{Queue: QueueLow, Step: step}},
			`task type "" is empty or listed twice`,
		},
		"both Step and Prepare": {
			Registry[handlers]{{Type: "a:b", Queue: QueueLow, Step: step, Prepare: prepare}},
			"a:b: needs exactly one of Step and Prepare",
		},
		"neither Step nor Prepare": {
			Registry[handlers]{{Type: "a:b", Queue: QueueLow, OnFailure: handlers.failed}},
			"a:b: needs exactly one of Step and Prepare",
		},
	} {
		err := append(good[:len(good):len(good)], tc.reg...).Check()
		require.ErrorContains(t, err, tc.want, name)
		require.ErrorContains(t, tc.reg.Check(), tc.want, name+", alone")
	}
}

func TestRegistryOptionsAndMarkdown(t *testing.T) {
	t.Parallel()
	reg := Registry[handlers]{
		{Type: "a:step", Queue: QueueCritical, MaxRetry: 3, Does: "steps", Step: handlers.step},
		{Type: "a:prepare", Queue: QueueLow, MaxRetry: 5, Timeout: time.Minute, Does: "prepares", Prepare: handlers.prepare},
	}
	require.Equal(t, map[string]Options{
		"a:step":    {Queue: QueueCritical, MaxRetry: 3, Timeout: 30 * time.Second},
		"a:prepare": {Queue: QueueLow, MaxRetry: 5, Timeout: time.Minute},
	}, reg.Options(), "the timeout defaults to 30 seconds")
	md := reg.Markdown()
	require.Equal(t, 4, strings.Count(md, "\n"), "a header, its rule and one row per type")
	require.Contains(t, md, "| `a:step` | critical | 3 | 30s | steps |\n")
	require.Contains(t, md, "| `a:prepare` | low | 5 | 1m0s | prepares |\n")
}
