package workflows

import (
	"errors"
	"fmt"
	"testing"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestRefuse(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("withdraw: %w", Refuse(ErrConflict, msg.FundNotWithdrawable, msg.Text("status", FundDisbursed)))
	require.ErrorIs(t, err, ErrConflict, "a refusal is its kind")
	require.NotErrorIs(t, err, ErrForbidden)
	var r *Refusal
	require.ErrorAs(t, err, &r)
	require.Equal(t, msg.New(msg.FundNotWithdrawable, msg.Text("status", "disbursed")), r.Msg)
	require.Equal(t, "withdraw: conflict: fund.not_withdrawable{status=disbursed}", err.Error())
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	var ve *ValidationError
	require.ErrorAs(t, Invalid("capacity", msg.InternshipCapacityBelowHeld, msg.Int("held", 3)), &ve)
	require.Equal(t, map[string]msg.Message{"capacity": {Code: msg.InternshipCapacityBelowHeld, Params: map[string]any{"held": int64(3)}}}, ve.Fields)
	require.Contains(t, ve.Error(), "internship.capacity_below_held")
}

func TestFail(t *testing.T) {
	t.Parallel()
	cause := errors.New("no key")
	err := fmt.Errorf("issue: %w", Fail(cause, msg.CertificateNoSigningKey))
	require.True(t, engine.IsPermanent(err), "a failure is permanent")
	require.ErrorIs(t, err, cause, "and keeps its cause for logs")
	m, ok := FailureMessage(err)
	require.True(t, ok)
	require.Equal(t, msg.New(msg.CertificateNoSigningKey), m)
	require.Equal(t, "issue: certificate.no_signing_key: no key", err.Error())

	_, ok = FailureMessage(engine.Permanentf("no message for people"))
	require.False(t, ok)
}
