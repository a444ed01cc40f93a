package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSubcommandFlags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var out bytes.Buffer
	require.ErrorIs(t, run(ctx, []string{"loadgen", "-h"}, &out, io.Discard), flag.ErrHelp)
	for _, f := range []string{"-concurrency", "-duration", "-count", "-url", "-college", "-reviewers", "REVIEWER_PASSWORD"} {
		require.Contains(t, out.String(), f)
	}
	out.Reset()
	require.ErrorIs(t, run(ctx, []string{"seed", "-h"}, &out, io.Discard), flag.ErrHelp)
	require.Contains(t, out.String(), "-students")

	require.ErrorContains(t, run(ctx, []string{"seed", "--students", "many"}, io.Discard, io.Discard), "invalid value")
	require.ErrorContains(t, run(ctx, []string{"serve", "--students", "5"}, io.Discard, io.Discard), "not defined")
	require.ErrorContains(t, run(ctx, []string{"loadgen"}, io.Discard, io.Discard), "give a count or a duration")
	if os.Getenv("REVIEWER_PASSWORD") == "" { // checked before any request
		require.ErrorContains(t, run(ctx, []string{"loadgen", "-count", "1", "-reviewers", "r@campusbiz.local"}, io.Discard, io.Discard),
			"-reviewers needs REVIEWER_PASSWORD")
	}
}

func TestPprofServesOnItsOwnListener(t *testing.T) {
	t.Parallel()
	stop, err := startPprof("", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	stop() // nothing runs without PPROF_ADDR
	stop, err = startPprof("127.0.0.1:0", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	stop()

	rec := httptest.NewRecorder()
	pprofMux().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "goroutine")
}
