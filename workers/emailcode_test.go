package workers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/stretchr/testify/require"
)

// passedChecks delivers the onboarding:verify task of one new submission
// and returns it with the id of its onboarding:email_code task.
func passedChecks(t *testing.T, e *backend) (submission, string) {
	t.Helper()
	sub := e.submit(1)[0]
	require.NoError(t, e.deliver(context.Background(), e.h, e.runOf(sub.taskID, 0)))
	var codeTask string
	require.NoError(t, e.schema.DB.Raw(`SELECT id FROM tasks_ever WHERE task_type = ?`, workflows.TypeOnboardingEmailCode).
		Row().Scan(&codeTask))
	return sub, codeTask
}

func TestEmailCodeTaskDeliveredTwiceMailsOnce(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	sub, codeTask := passedChecks(t, e)
	ctx := context.Background()
	run := e.runOf(codeTask, 0)
	require.NoError(t, e.deliver(ctx, e.h, run))
	require.NoError(t, e.deliver(ctx, e.h, run))
	// Even a different task for the same code row (bypassing the runner's
	// outbox lock) mails nothing more: the row is sent.
	again := run
	again.TaskID = models.NewID()
	require.NoError(t, e.eng.Do(ctx, func(w *engine.Work) error { return e.h.PrepareEmailCode(ctx, e.eng, again)(ctx, w, again) }))

	msgs := e.mail.To(sub.profile.CollegeEmail)
	require.Len(t, msgs, 1)
	code, ok := mailsink.Code(msgs[0])
	require.True(t, ok, "six digits on a line of their own: %s", msgs[0].Text)
	require.Contains(t, msgs[0].Subject, "明日网商邮箱验证码："+code, "Chinese by default")
	require.Contains(t, msgs[0].Text, "/onboarding")
	_, _, html := readMail(t, string(msgs[0].Raw))
	require.Contains(t, html, `<html lang="zh-CN">`)
	require.Contains(t, html, ">"+code+"</p>", "the code stands out in the HTML part too")
	var row models.EmailCode
	require.NoError(t, e.schema.DB.Take(&row, "profile_id = ?", sub.profile.ID).Error)
	require.NotNil(t, row.SentAt)
	require.True(t, row.ExpiresAt.Sub(*row.SentAt) == workflows.EmailCodePolicy{}.WithDefaults().TTL)
	require.NotContains(t, string(row.CodeHash), code)
	require.Equal(t, workflows.OnboardingAwaitingEmail, e.statusOf(sub.profile.ID), "mailing a code verifies nothing")
}

func TestEmailCodeTaskCrashingAfterTheMailSendsAWorkingSecondCode(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	sub, codeTask := passedChecks(t, e)
	ctx := context.Background()
	errCrash := errors.New("simulated crash before commit")
	run := e.runOf(codeTask, 0)
	err := e.runner.Execute(ctx, run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
		if err := e.h.PrepareEmailCode(ctx, e.eng, r)(ctx, w, r); err != nil {
			return err
		}
		return errCrash
	}, nil)
	require.ErrorIs(t, err, errCrash)
	require.Zero(t, e.count(`SELECT count(*) FROM email_codes WHERE sent_at IS NOT NULL`), "the crash rolled back the hash")
	require.NoError(t, e.deliver(ctx, e.h, e.runOf(codeTask, 1)))
	msgs := e.mail.To(sub.profile.CollegeEmail)
	require.Len(t, msgs, 2, "the retry mails again")
	first, _ := mailsink.Code(msgs[0])
	second, _ := mailsink.Code(msgs[1])
	var row models.EmailCode
	require.NoError(t, e.schema.DB.Take(&row, "profile_id = ?", sub.profile.ID).Error)
	key, err := e.app.Sessions().DeriveKey(ctx, workflows.EmailCodeKeyPurpose)
	require.NoError(t, err)
	require.True(t, workflows.EmailCodeMatches(key, row.ID, second, row.CodeHash), "the retry's code is the stored one")
	if first != second {
		require.False(t, workflows.EmailCodeMatches(key, row.ID, first, row.CodeHash), "the lost attempt's code never works")
	}
}

func TestEmailCodeWithoutSMTPFailsForGoodAndVerifiesNothing(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	sub, codeTask := passedChecks(t, e)
	// A worker without a mailer (no SMTP_URL): the task fails permanently,
	// visible in Asynqmon, and the profile keeps waiting.
	noMail := workers.NewHandlers(workers.Deps{Engine: e.eng, Log: testenv.Logger(t)})
	err := e.deliver(context.Background(), noMail, e.runOf(codeTask, 0))
	require.True(t, engine.IsPermanent(err), "%v", err)
	require.Empty(t, e.mail.Messages())
	require.Equal(t, workflows.OnboardingAwaitingEmail, e.statusOf(sub.profile.ID))
}

func TestResubmissionBurnsTheCodeBeforeItIsMailed(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	sub, codeTask := passedChecks(t, e)
	require.NoError(t, e.schema.DB.Exec(`UPDATE student_profiles SET status = 'pending' WHERE id = ?`, sub.profile.ID).Error)
	require.NoError(t, e.deliver(context.Background(), e.h, e.runOf(codeTask, 0)))
	require.Empty(t, e.mail.Messages(), "a profile no longer awaiting its code gets no mail")
}

// statusOf is the profile's status.
func (e *backend) statusOf(profileID string) string {
	e.t.Helper()
	var status string
	require.NoError(e.t, e.schema.DB.Raw(`SELECT status FROM student_profiles WHERE id = ?`, profileID).Row().Scan(&status))
	return status
}

// A fresh worker (its code key not loaded yet) whose handlers outnumber its
// connections gets a burst of code tasks: each mails its code. Loaded inside
// the step, the key waited for a connection that every handler held while
// waiting for the key, and no code went out until the tasks timed out.
func TestEmailCodeBurstOnAFreshWorkerWithFewConnections(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	const n = 8
	for _, sub := range e.submit(n) {
		require.NoError(t, e.deliver(ctx, e.h, e.runOf(sub.taskID, 0)))
	}
	few, err := models.Open(ctx, e.schema.DSN, models.PoolConfig{MaxOpenConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = models.Close(few) })
	log := testenv.Logger(t)
	eng := &engine.Engine{DB: few, Client: e.client, Tasks: workers.Registry.Options(), Log: log}
	e.startServer(workers.NewMux(workers.Deps{Engine: eng, Log: log, Mailer: e.mailer}))
	dispatched, err := e.relay().DispatchDue(ctx)
	require.NoError(t, err)
	require.Equal(t, n, dispatched, "the code tasks")
	testenv.WaitFor(t, 20*time.Second, "every code mailed", func() bool { return len(e.mail.Messages()) == n })
}
