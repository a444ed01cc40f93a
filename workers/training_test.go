package workers_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// trainingHandler is a certificate issuer with a fresh signing key.
func trainingHandler(t *testing.T) *workers.Training {
	t.Helper()
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	return &workers.Training{Keys: keys, PublicBaseURL: "https://campusbiz.example.cn", Now: time.Now}
}

// passed creates a verified student with a passed enrollment and returns
// the enrollment and its certificate:issue outbox id.
func (e *engine) passed() (models.Enrollment, string) {
	e.t.Helper()
	acct, _ := fixtures.VerifiedStudent(e.t, e.schema.DB, "王小明")
	sub := fixtures.PassedEnrollment(e.t, e.schema.DB, acct, fixtures.Course(e.t, e.schema.DB, 60))
	require.Equal(e.t, workflows.EnrollmentPassed, sub.Entity.Status)
	return sub.Entity, sub.OutboxIDs[len(sub.OutboxIDs)-1]
}

// requireIssuedOnce checks the enrollment has exactly one certificate, is
// certified by exactly one event, and told its student once about it.
func (e *engine) requireIssuedOnce(en models.Enrollment) models.Certificate {
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
	e := newEngine(t)
	h := trainingHandler(t)
	ctx := context.Background()

	t.Run("twice in a row", func(t *testing.T) {
		en, id := e.passed()
		run := e.runOf(id, 0)
		require.NoError(t, e.runner.Execute(ctx, run, h.IssueCertificate, h.IssueFailed))
		require.NoError(t, e.runner.Execute(ctx, run, h.IssueCertificate, h.IssueFailed))
		cert := e.requireIssuedOnce(en)
		require.True(t, certificates.ValidSerial(cert.Serial), cert.Serial)
		require.True(t, workflows.VerifyCertificate(cert, h.Keys).Valid())
	})
	t.Run("eight at once", func(t *testing.T) {
		en, id := e.passed()
		run := e.runOf(id, 0)
		var g errgroup.Group
		for range 8 {
			g.Go(func() error { return e.runner.Execute(ctx, run, h.IssueCertificate, h.IssueFailed) })
		}
		require.NoError(t, g.Wait())
		e.requireIssuedOnce(en)
	})
	t.Run("a second task for the same enrollment", func(t *testing.T) {
		en, id := e.passed()
		var second string
		require.NoError(t, e.schema.DB.Transaction(func(tx *gorm.DB) error {
			var err error
			second, err = workflows.Enqueue(ctx, tx, workflows.NewCertificateIssueTask(en.ID))
			return err
		}))
		var g errgroup.Group
		for _, outboxID := range []string{id, second, id, second} {
			g.Go(func() error { return e.runner.Execute(ctx, e.runOf(outboxID, 0), h.IssueCertificate, h.IssueFailed) })
		}
		require.NoError(t, g.Wait())
		e.requireIssuedOnce(en)
	})
	t.Run("retry after a crash inside the transaction", func(t *testing.T) {
		en, id := e.passed()
		run := e.runOf(id, 0)
		crash := func(ctx context.Context, tx *gorm.DB, r workers.Run) error {
			if err := h.IssueCertificate(ctx, tx, r); err != nil {
				return err
			}
			return errors.New("simulated crash before commit")
		}
		require.Error(t, e.runner.Execute(ctx, run, crash, h.IssueFailed))
		require.Zero(t, e.count(`SELECT count(*) FROM certificates WHERE enrollment_id = ?`, en.ID), "rolled back")
		run.Attempt = 1
		require.NoError(t, e.runner.Execute(ctx, run, h.IssueCertificate, h.IssueFailed))
		e.requireIssuedOnce(en)
	})
}

// TestCertificateIssueWithoutKey: without CERT_SIGNING_KEY the task fails
// permanently, the reason shows on the enrollment, and once the key is set
// ops re-run the archived task and the certificate is issued.
func TestCertificateIssueWithoutKey(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	ctx := context.Background()
	en, id := e.passed()
	keyless := &workers.Training{PublicBaseURL: "https://campusbiz.example.cn", Now: time.Now}

	err := e.runner.Execute(ctx, e.runOf(id, 0), keyless.IssueCertificate, keyless.IssueFailed)
	require.ErrorIs(t, err, asynq.SkipRetry, "no retries: only a configuration change helps")
	require.ErrorIs(t, err, workflows.ErrNoSigningKey)
	var got models.Enrollment
	require.NoError(t, e.schema.DB.Take(&got, "id = ?", en.ID).Error)
	require.Equal(t, workflows.EnrollmentPassed, got.Status)
	require.Len(t, got.Reasons, 1)
	require.Equal(t, models.Reason{Code: msg.CertificateNoSigningKey}, got.Reasons[0], "the student is told why, without ops' instructions")
	var row models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&row, "id = ?", id).Error)
	require.NotNil(t, row.FailedAt)
	require.Contains(t, *row.LastError, "CERT_SIGNING_KEY")
	require.Zero(t, e.count(`SELECT count(*) FROM certificates`))

	h := trainingHandler(t)
	require.NoError(t, e.runner.Execute(ctx, e.runOf(id, 0), h.IssueCertificate, h.IssueFailed))
	e.requireIssuedOnce(en)
}
