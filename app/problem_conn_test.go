package app_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/stretchr/testify/require"
)

// A statement cut off by a dying server (a failover) is "try later", not an
// internal error: internal/hatest saw 500s there before.
func TestProblemOfBrokenConnectionIsUnavailable(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		fmt.Errorf("create profile: %w", io.ErrUnexpectedEOF),
		fmt.Errorf("begin: %w", driver.ErrBadConn),
		fmt.Errorf("create profile: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}),
	} {
		require.Equal(t, http.StatusServiceUnavailable, app.ProblemOf(err).Status, err.Error())
	}
	require.Equal(t, http.StatusInternalServerError, app.ProblemOf(errors.New("something else")).Status)
}
