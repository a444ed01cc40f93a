package workers_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// trainingHandlers are the task steps with a fresh certificate signing key.
func (e *backend) trainingHandlers() *workers.Handlers {
	e.t.Helper()
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(e.t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(e.t, err)
	return e.handlers(workers.Deps{CertificateKeys: keys, PublicBaseURL: "https://campusbiz.example.cn"})
}

// passed creates a verified student with a passed enrollment and returns
// the enrollment and its certificate:issue outbox id.
func (e *backend) passed() (models.Enrollment, string) {
	e.t.Helper()
	acct, _ := fixtures.VerifiedStudent(e.t, e.schema.DB, "王小明")
	en, taskID := fixtures.PassedEnrollment(e.t, e.schema.DB, acct, fixtures.Course(e.t, e.schema.DB, 60))
	require.Equal(e.t, workflows.EnrollmentPassed, en.Status)
	return en, taskID
}

// requireIssuedOnce checks the enrollment has exactly one certificate, is
// certified by exactly one event, and told its student once about it.
func (e *backend) requireIssuedOnce(en models.Enrollment) models.Certificate {
	e.t.Helper()
	var certs []models.Certificate
	require.NoError(e.t, e.schema.DB.Find(&certs, "enrollment_id = ?", en.ID).Error)
	require.Len(e.t, certs, 1, "one certificate")
	require.True(e.t, bytes.HasPrefix(certs[0].PDF, []byte("%PDF-")), "the PDF is stored with it")
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'certified'`, en.ID))
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'valid'`, certs[0].ID))
	require.Equal(e.t, 2, e.count(`SELECT count(*) FROM notifications WHERE account_id = ?`, en.AccountID),
		"two notifications: passed, then certified")
	var got models.Enrollment
	require.NoError(e.t, e.schema.DB.Take(&got, "id = ?", en.ID).Error)
	require.Equal(e.t, workflows.EnrollmentCertified, got.Status)
	require.Empty(e.t, got.Reasons)
	return certs[0]
}

func TestCertificateIssuedOnce(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	h := e.trainingHandlers()
	ctx := context.Background()

	t.Run("twice in a row", func(t *testing.T) {
		en, id := e.passed()
		run := e.runOf(id, 0)
		require.NoError(t, e.deliver(ctx, h, run))
		require.NoError(t, e.deliver(ctx, h, run))
		cert := e.requireIssuedOnce(en)
		require.True(t, certificates.ValidSerial(cert.Serial), cert.Serial)
		require.True(t, workflows.VerifyCertificate(cert, h.Keys).Valid())
	})
	t.Run("eight at once", func(t *testing.T) {
		en, id := e.passed()
		run := e.runOf(id, 0)
		var g errgroup.Group
		for range 8 {
			g.Go(func() error { return e.deliver(ctx, h, run) })
		}
		require.NoError(t, g.Wait())
		e.requireIssuedOnce(en)
	})
	t.Run("a second task for the same enrollment", func(t *testing.T) {
		en, id := e.passed()
		second := e.enqueue(workflows.NewCertificateIssueTask(en.ID))
		var g errgroup.Group
		for _, outboxID := range []string{id, second, id, second} {
			g.Go(func() error { return e.deliver(ctx, h, e.runOf(outboxID, 0)) })
		}
		require.NoError(t, g.Wait())
		e.requireIssuedOnce(en)
	})
	t.Run("retry after a crash inside the transaction", func(t *testing.T) {
		en, id := e.passed()
		run := e.runOf(id, 0)
		crash := func(ctx context.Context, w *engine.Work, r engine.Run) error {
			if err := h.IssueCertificate(ctx, w, r); err != nil {
				return err
			}
			return errors.New("simulated crash before commit")
		}
		require.Error(t, e.runner.Execute(ctx, run, crash, h.IssueCertificateFailed))
		require.Zero(t, e.count(`SELECT count(*) FROM certificates WHERE enrollment_id = ?`, en.ID), "rolled back")
		run.Attempt = 1
		require.NoError(t, e.deliver(ctx, h, run))
		e.requireIssuedOnce(en)
	})
}

// TestCertificateIssueWithoutKey: without CERT_SIGNING_KEY the task fails
// permanently, the reason shows on the enrollment, and once the key is set
// ops re-run the archived task and the certificate is issued.
func TestCertificateIssueWithoutKey(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	en, id := e.passed()
	keyless := e.handlers(workers.Deps{PublicBaseURL: "https://campusbiz.example.cn"})

	err := e.deliver(ctx, keyless, e.runOf(id, 0))
	require.ErrorIs(t, err, asynq.SkipRetry, "no retries: only a configuration change helps")
	require.ErrorIs(t, err, workflows.ErrNoSigningKey)
	var got models.Enrollment
	require.NoError(t, e.schema.DB.Take(&got, "id = ?", en.ID).Error)
	require.Equal(t, workflows.EnrollmentPassed, got.Status)
	require.Len(t, got.Reasons, 1)
	require.Equal(t, msg.CertificateNoSigningKey, got.Reasons[0].Code, "the enrollment says why: no signing key")
	var row models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&row, "id = ?", id).Error)
	require.NotNil(t, row.FailedAt)
	require.Contains(t, *row.LastError, "CERT_SIGNING_KEY")
	require.Zero(t, e.count(`SELECT count(*) FROM certificates`))

	h := e.trainingHandlers()
	require.NoError(t, e.deliver(ctx, h, e.runOf(id, 0)))
	e.requireIssuedOnce(en)
}
