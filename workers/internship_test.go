package workers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/matching"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// admin is a new admin account as an actor.
func (e *backend) admin() app.Actor {
	return app.ActorOf(fixtures.Account(e.t, e.schema.DB, models.RoleAdmin))
}

// place creates an open place through the application.
func (e *backend) place(title string, capacity int, skills ...string) models.InternshipPlace {
	e.t.Helper()
	if skills == nil {
		skills = []string{}
	}
	p, err := e.app.CreatePlace(context.Background(), e.admin(), app.PlaceInput{
		Company: "Shopco", Title: title, City: "Hangzhou", Skills: skills, Capacity: &capacity})
	require.NoError(e.t, err)
	return p.InternshipPlace
}

// apply files an application for a new verified student.
func (e *backend) apply(skills []string, prefs ...models.InternshipPlace) models.InternshipApplication {
	e.t.Helper()
	acct, _ := fixtures.VerifiedStudent(e.t, e.schema.DB, "实习生")
	return e.applyAs(acct.ID, skills, prefs...)
}

// applyAs files an application for the verified student accountID
// through the application.
func (e *backend) applyAs(accountID string, skills []string, prefs ...models.InternshipPlace) models.InternshipApplication {
	e.t.Helper()
	ids := make([]string, len(prefs))
	for i, p := range prefs {
		ids[i] = p.ID
	}
	if skills == nil {
		skills = []string{} // no skills, which the form says with an empty list
	}
	a, err := e.app.SubmitInternship(context.Background(), applicant(accountID), app.InternshipInput{Preferences: ids, Skills: skills})
	require.NoError(e.t, err)
	return a
}

func application(t *testing.T, db *gorm.DB, id string) models.InternshipApplication {
	t.Helper()
	var a models.InternshipApplication
	require.NoError(t, db.Take(&a, "id = ?", id).Error)
	return a
}

func matchRound(t testing.TB, db *gorm.DB, id string) models.MatchRound {
	t.Helper()
	var r models.MatchRound
	require.NoError(t, db.Take(&r, "id = ?", id).Error)
	return r
}

// runRound queues a round and delivers its task by hand, with h.
func (e *backend) runRound(h *workers.Handlers) models.MatchRound {
	e.t.Helper()
	round, taskID := startRound(e.t, e.schema.DB)
	require.NoError(e.t, e.deliver(context.Background(), h, e.runOf(taskID, 0)))
	return matchRound(e.t, e.schema.DB, round.ID)
}

func TestMatchRoundOffersExplainsAndNotifies(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	db := e.schema.DB
	clk := &clock{now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	h := e.handlers(workers.Deps{Now: clk.Now, OfferTTL: 48 * time.Hour})
	data := e.place("Data intern", 1, "SQL", "Excel")
	design := e.place("Design intern", 1, "Figma")
	closed := e.place("Closed intern", 5)
	// ada scores 20 at data, ben 10: ada gets data, ben falls to design.
	ada := e.apply([]string{"sql", "excel"}, data, design)
	ben := e.apply([]string{"sql", "figma"}, closed, data, design)
	cleo := e.apply([]string{"go"}, design, data)
	_, err := e.app.ChangePlace(context.Background(), e.admin(), closed.ID, app.PlaceChangeInput{Status: ptr(workflows.PlaceClosed)})
	require.NoError(t, err)

	round := e.runRound(h)
	require.Equal(t, workflows.RoundDone, round.Status)
	require.Equal(t, 3, round.Applicants)
	require.Equal(t, 2, round.Places, "the closed place is not in the round")
	require.Equal(t, 2, round.Seats)
	require.Equal(t, 2, round.Matched)
	require.Equal(t, 1, round.Unmatched)
	require.Equal(t, clk.now.Add(48*time.Hour), round.OffersExpireAt.UTC())

	a := application(t, db, ada.ID)
	require.Equal(t, workflows.InternshipOffered, a.Status)
	require.Equal(t, data.ID, *a.OfferPlaceID)
	require.Equal(t, clk.now.Add(48*time.Hour), a.OfferExpiresAt.UTC())
	b := application(t, db, ben.ID)
	require.Equal(t, design.ID, *b.OfferPlaceID, "ben (figma) outscores cleo at design")
	c := application(t, db, cleo.ID)
	require.Equal(t, workflows.InternshipUnmatched, c.Status)
	require.Nil(t, c.OfferPlaceID)

	ctx := context.Background()
	eb, err := workflows.ExplainApplication(ctx, db, b)
	require.NoError(t, err)
	require.Equal(t, 3, eb.Offered.Rank)
	require.Len(t, eb.Higher, 2)
	require.False(t, eb.Higher[0].InRound, "the closed place is explained as closed")
	require.Equal(t, int32(20), *eb.Higher[1].LowestAdmittedScore)
	require.Equal(t, int32(10), eb.Higher[1].Score)
	ec, err := workflows.ExplainApplication(ctx, db, c)
	require.NoError(t, err)
	require.Nil(t, ec.Offered)
	require.Len(t, ec.Higher, 2)
	require.Equal(t, int32(10), *ec.Higher[0].LowestAdmittedScore, "design admitted ben with 10; cleo had 0")

	// One event per applicant with the round's task id, one notification
	// per event, and the offers' expiry scheduled for the deadline.
	var taskID string
	require.NoError(t, db.Raw(`SELECT id FROM tasks_ever WHERE task_type = ?`, workflows.TypeInternshipMatch).Row().Scan(&taskID))
	require.Equal(t, 3, e.count(`SELECT count(*) FROM workflow_events WHERE entity_type = 'internship' AND task_id = ?`, taskID))
	require.Equal(t, 3, e.count(`SELECT count(*) FROM notifications n JOIN workflow_events ev ON ev.id = n.event_id
		JOIN internship_applications a ON a.id = ev.entity_id AND a.account_id = n.account_id
		WHERE ev.task_id = ?`, taskID), "each applicant is notified of their outcome")
	var offered models.WorkflowEvent
	require.NoError(t, db.Take(&offered, "entity_id = ? AND to_state = 'offered'", ada.ID).Error)
	require.Len(t, offered.Reasons, 1)
	require.Equal(t, msg.InternshipOfferMade, offered.Reasons[0].Code)
	require.Equal(t, "Data intern at Shopco", offered.Reasons[0].Params["place"])
	require.EqualValues(t, 1, offered.Reasons[0].Params["rank"], "your choice 1")
	var expiry models.OutboxRow
	require.NoError(t, db.Take(&expiry, "task_type = ?", workflows.TypeInternshipExpireOffers).Error)
	require.Equal(t, clk.now.Add(48*time.Hour), expiry.ProcessAt.UTC())
	require.Equal(t, []string{"", workflows.RoundQueued, workflows.RoundRunning},
		roundStates(t, db, round.ID)[:3])
	requireReplays(t, db, round.ID)
}

func ptr[T any](v T) *T { return &v }

func roundStates(t *testing.T, db *gorm.DB, roundID string) []string {
	t.Helper()
	var from []string
	require.NoError(t, db.Raw(`SELECT from_state FROM workflow_events WHERE entity_id = ? ORDER BY id`, roundID).Scan(&from).Error)
	return from
}

// requireReplays rebuilds a round's matching input from what it stored
// (entries, place seats, seed, preferences), runs matching again, and
// requires the same offers and cutoffs.
func requireReplays(t testing.TB, db *gorm.DB, roundID string) {
	t.Helper()
	round := matchRound(t, db, roundID)
	var places []models.MatchRoundPlace
	require.NoError(t, db.Where("round_id = ?", roundID).Order("place_id").Find(&places).Error)
	index := map[string]int32{}
	in := matching.Input{Seed: uint64(round.Seed)}
	for i, p := range places {
		index[p.PlaceID] = int32(i)
		in.Places = append(in.Places, matching.Place{Capacity: int32(p.Seats)})
	}
	var entries []struct {
		models.MatchRoundEntry `gorm:"embedded"`
		Preferences            models.TextArray
	}
	require.NoError(t, db.Table("match_round_entries AS e").Select("e.*, a.preferences").
		Joins("JOIN internship_applications a ON a.id = e.application_id").
		Where("e.round_id = ?", roundID).Order("e.applicant").Find(&entries).Error)
	require.Len(t, entries, round.Applicants)
	for j, en := range entries {
		require.Equal(t, j, en.Applicant, "applicant indexes are dense")
		var ap matching.Applicant
		for k, s := range en.Scores {
			if s != workflows.NotInRound {
				ap.Prefs, ap.Scores = append(ap.Prefs, index[en.Preferences[k]]), append(ap.Scores, s)
			}
		}
		in.Applicants = append(in.Applicants, ap)
	}
	res, err := matching.Match(in)
	require.NoError(t, err)
	matched := 0
	for j, en := range entries {
		if p := res.Assigned[j]; p >= 0 {
			matched++
			require.NotNil(t, en.PlaceID, "applicant %d", j)
			require.Equal(t, places[p].PlaceID, *en.PlaceID, "applicant %d", j)
		} else {
			require.Nil(t, en.PlaceID, "applicant %d", j)
		}
	}
	require.Equal(t, round.Matched, matched)
	for i, p := range places {
		if c := res.Cutoff[i]; c.Exists() {
			require.Equal(t, int(c.Score), *p.CutoffScore)
			require.Equal(t, int(c.Applicant), *p.CutoffApplicant)
		} else {
			require.Nil(t, p.CutoffScore)
		}
	}
}

// requireOneRound checks that the round's effect exists exactly once:
// one outcome event per applicant, one notification per outcome, one
// entry per applicant, no place over capacity, and offers equal to want.
func (e *backend) requireOneRound(round models.MatchRound, want map[string]string) {
	e.t.Helper()
	db := e.schema.DB
	got := matchRound(e.t, db, round.ID)
	require.Equal(e.t, workflows.RoundDone, got.Status)
	require.Equal(e.t, roundOffers(e.t, db, round.ID), want, "the offers are those of the interrupted attempt")
	require.Equal(e.t, got.Applicants, e.count(`SELECT count(*) FROM match_round_entries WHERE round_id = ?`, round.ID))
	require.Zero(e.t, e.count(`SELECT count(*) FROM (SELECT entity_id FROM workflow_events
		WHERE entity_type = 'internship' AND to_state IN ('offered', 'unmatched') GROUP BY entity_id HAVING count(*) <> 1) x`),
		"one outcome event per application")
	require.Equal(e.t, got.Applicants, e.count(`SELECT count(*) FROM workflow_events WHERE entity_type = 'internship' AND to_state IN ('offered', 'unmatched')`))
	require.Equal(e.t, got.Applicants, e.count(`SELECT count(*) FROM notifications`), "one notification per outcome")
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM tasks_ever WHERE task_type = ?`, workflows.TypeInternshipExpireOffers))
	require.Zero(e.t, e.count(`SELECT count(*) FROM internship_places p WHERE capacity <
		(SELECT count(*) FROM internship_applications a WHERE a.offer_place_id = p.id AND a.status = 'offered')`))
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'done'`, round.ID))
	requireReplays(e.t, db, round.ID)
}

func TestInterruptedRoundOffersOnce(t *testing.T) {
	t.Parallel()
	errCrash := errors.New("simulated crash")
	size := roundSize{applicants: 3000, places: 150, capacity: 2, listLen: 10}
	// Each case delivers the round once with a failure, capturing inside the
	// transaction the offers that attempt made, then delivers it again.
	cases := []struct {
		name  string
		first func(t *testing.T, e *backend, h *workers.Handlers, run engine.Run, seen map[string]string) error
	}{
		{"worker dies after the writes, before commit", func(t *testing.T, e *backend, h *workers.Handlers, run engine.Run, seen map[string]string) error {
			ctx := context.Background()
			match := h.PrepareMatch(ctx, e.eng, run)
			return e.runner.Execute(ctx, run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
				if err := match(ctx, w, r); err != nil {
					return err
				}
				captureOffers(t, w.DB(), seen)
				return errCrash
			}, failureOf(t, h, workflows.TypeInternshipMatch))
		}},
		{"cancelled midway (shutdown, timeout)", func(t *testing.T, e *backend, h *workers.Handlers, run engine.Run, seen map[string]string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			match := h.PrepareMatch(ctx, e.eng, run)
			return e.runner.Execute(ctx, run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
				err := match(ctx, w, r)
				captureOffers(t, w.DB(), seen)
				cancel()
				return err
			}, failureOf(t, h, workflows.TypeInternshipMatch))
		}},
		{"committed, but Asynq never heard (delivered again)", func(t *testing.T, e *backend, h *workers.Handlers, run engine.Run, seen map[string]string) error {
			if err := e.deliver(context.Background(), h, run); err != nil {
				return err
			}
			captureOffers(t, e.schema.DB, seen)
			return errCrash
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newBackend(t)
			seedRound(t, e.schema.DB, size, 11)
			h := e.h
			round, taskID := startRound(t, e.schema.DB)
			seen := map[string]string{}
			require.Error(t, tc.first(t, e, h, e.runOf(taskID, 0), seen))
			require.NotEmpty(t, seen, "the first attempt got as far as its offers")
			retry := e.runOf(taskID, 1)
			require.NoError(t, e.deliver(context.Background(), h, retry))
			e.requireOneRound(round, seen)
		})
	}
	t.Run("duplicate deliveries at once", func(t *testing.T) {
		t.Parallel()
		e := newBackend(t)
		seedRound(t, e.schema.DB, size, 12)
		round, taskID := startRound(t, e.schema.DB)
		run := e.runOf(taskID, 0)
		var g errgroup.Group
		for range 4 {
			g.Go(func() error { return e.deliver(context.Background(), e.h, run) })
		}
		require.NoError(t, g.Wait())
		e.requireOneRound(round, roundOffers(t, e.schema.DB, round.ID))
		require.Positive(t, len(roundOffers(t, e.schema.DB, round.ID)))
	})
}

// captureOffers reads, through db (inside or outside the attempt's
// transaction), the offers the last round made.
func captureOffers(t *testing.T, db *gorm.DB, into map[string]string) {
	var rows []struct{ ID, OfferPlaceID string }
	require.NoError(t, db.Raw(`SELECT id, offer_place_id FROM internship_applications WHERE status = 'offered'`).Scan(&rows).Error)
	for _, r := range rows {
		into[r.ID] = r.OfferPlaceID
	}
}

func TestOffersLapseAndDeclinedPlacesReturn(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	db := e.schema.DB
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	h := e.handlers(workers.Deps{Now: clk.Now, OfferTTL: time.Hour})
	a := e.appAt(clk.Now)
	go1 := e.place("Go intern", 1, "go", "sql") // best scores 20 there, second 10
	sql := e.place("SQL intern", 1, "sql")
	best := e.apply([]string{"go", "sql"}, go1, sql)
	second := e.apply([]string{"go"}, go1)
	third := e.apply([]string{"sql"}, sql)

	r1 := e.runRound(h)
	require.Equal(t, go1.ID, *application(t, db, best.ID).OfferPlaceID)
	require.Equal(t, workflows.InternshipUnmatched, application(t, db, second.ID).Status)
	require.Equal(t, sql.ID, *application(t, db, third.ID).OfferPlaceID)

	// third declines: sql goes back. best does not answer.
	_, err := a.AnswerOffer(ctx, applicant(third.AccountID), third.ID, false)
	require.NoError(t, err)
	_, err = a.AnswerOffer(ctx, applicant(second.AccountID), best.ID, true)
	require.ErrorIs(t, err, workflows.ErrNotFound, "not your application")

	var expiry models.OutboxRow
	require.NoError(t, db.Take(&expiry, "task_type = ?", workflows.TypeInternshipExpireOffers).Error)
	err = e.deliver(ctx, h, e.runOf(expiry.ID, 0))
	require.ErrorContains(t, err, "not yet", "an early delivery retries later")
	require.Equal(t, workflows.InternshipOffered, application(t, db, best.ID).Status)

	clk.now = clk.now.Add(time.Hour)
	_, err = a.AnswerOffer(ctx, applicant(best.AccountID), best.ID, true)
	require.ErrorIs(t, err, workflows.ErrConflict, "a lapsed offer cannot be accepted")
	require.NoError(t, e.deliver(ctx, h, e.runOf(expiry.ID, 1)))
	require.NoError(t, e.deliver(ctx, h, e.runOf(expiry.ID, 1)))
	lapsed := application(t, db, best.ID)
	require.Equal(t, workflows.InternshipDeclined, lapsed.Status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'declined' AND reasons @> ?::jsonb`,
		best.ID, `[{"code": "`+msg.InternshipOfferExpired+`"}]`), "lapsed once")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'declined'`, best.ID))
	require.Equal(t, r1.ID, *lapsed.RoundID)

	// The next round offers both returned places: go to second (unmatched
	// last time), nobody else wants sql.
	r2 := e.runRound(h)
	require.Equal(t, 1, r2.Applicants)
	require.Equal(t, go1.ID, *application(t, db, second.ID).OfferPlaceID)
	require.Equal(t, 2, r2.Seats)
}

func TestRoundLapsesOverdueOffersItself(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	db := e.schema.DB
	clk := &clock{now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	h := e.handlers(workers.Deps{Now: clk.Now, OfferTTL: time.Hour})
	only := e.place("Only intern", 1)
	first := e.apply(nil, only)
	e.runRound(h)
	late := e.apply(nil, only)
	// The expiry task never ran (workers were down); the next round lapses
	// the overdue offer before it counts seats.
	clk.now = clk.now.Add(2 * time.Hour)
	r2 := e.runRound(h)
	require.Equal(t, 1, r2.ExpiredOffers)
	require.Equal(t, workflows.InternshipDeclined, application(t, db, first.ID).Status)
	require.Equal(t, only.ID, *application(t, db, late.ID).OfferPlaceID)
}

func TestRoundScoresCertificatesAndVerifiedShops(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	db := e.schema.DB
	ctx := context.Background()
	seat := e.place("Ops intern", 1, "operations")
	plain := e.apply([]string{"operations"}, seat)
	// A certificate earned the product's way: passed, then issued.
	en, issue := e.passed()
	require.NoError(t, e.deliver(ctx, e.trainingHandlers(), e.runOf(issue, 0)))
	certified := e.applyAs(en.AccountID, []string{"operations"}, seat)
	shopOwner := e.apply([]string{"operations"}, seat)
	fixtures.VerifiedShops(t, db, []models.Account{{ID: shopOwner.AccountID}})

	round := e.runRound(e.h)
	var scores []struct {
		ApplicationID string
		Scores        models.IntArray
	}
	require.NoError(t, db.Table("match_round_entries").Where("round_id = ?", round.ID).Find(&scores).Error)
	byApp := map[string]int32{}
	for _, s := range scores {
		byApp[s.ApplicationID] = s.Scores[0]
	}
	require.Equal(t, int32(matching.PointsPerSkill), byApp[plain.ID])
	require.Equal(t, int32(matching.PointsPerSkill+matching.PointsPerCertificate), byApp[certified.ID])
	require.Equal(t, int32(matching.PointsPerSkill+matching.PointsVerifiedShop), byApp[shopOwner.ID])
	require.Equal(t, seat.ID, *application(t, db, shopOwner.ID).OfferPlaceID, "the highest score wins the seat")
}

func TestScheduledTickStartsOneRound(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	tick := time.Date(2026, 6, 2, 2, 0, 0, 0, time.UTC)
	var g errgroup.Group
	started := make([]bool, 4)
	for i := range started {
		g.Go(func() error {
			s := &app.MatchScheduler{App: e.app, Log: silentLogger()}
			var err error
			started[i], err = s.Tick(ctx, tick)
			return err
		})
	}
	require.NoError(t, g.Wait())
	n := 0
	for _, ok := range started {
		if ok {
			n++
		}
	}
	require.Equal(t, 1, n, "four workers saw the tick; one round started")
	s := &app.MatchScheduler{App: e.app, Log: silentLogger()}
	ok, err := s.Tick(ctx, tick.Add(24*time.Hour))
	require.NoError(t, err)
	require.False(t, ok, "no second round while one is queued")
	_, err = e.app.StartMatchRound(ctx, e.admin())
	require.ErrorIs(t, err, workflows.ErrConflict)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM match_rounds`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM tasks_ever WHERE task_type = ?`, workflows.TypeInternshipMatch))
}

func TestRoundThatGivesUpIsFailedAndFreesTheSlot(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	db := e.schema.DB
	ctx := context.Background()
	h := e.h
	round, taskID := startRound(t, db)
	_, err := e.app.StartMatchRound(ctx, e.admin())
	require.ErrorIs(t, err, workflows.ErrConflict)

	last := e.runOf(taskID, 0)
	last.Attempt = last.MaxRetry // a failure now exhausts the retries
	errDown := errors.New("database on fire")
	err = e.runner.Execute(ctx, last, func(context.Context, *engine.Work, engine.Run) error { return errDown },
		failureOf(t, h, workflows.TypeInternshipMatch))
	require.ErrorIs(t, err, errDown)
	failed := matchRound(t, db, round.ID)
	require.Equal(t, workflows.RoundFailed, failed.Status)
	require.Contains(t, failed.Error, "database on fire")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'failed'`, round.ID))

	next, nextTask := startRound(t, db)
	require.NoError(t, e.deliver(ctx, h, e.runOf(nextTask, 0)))
	require.Equal(t, workflows.RoundDone, matchRound(t, db, next.ID).Status, "the next round runs")
	require.NoError(t, e.deliver(ctx, h, e.runOf(taskID, 1)), "re-running a failed round from Asynqmon does nothing")
	require.Equal(t, workflows.RoundFailed, matchRound(t, db, round.ID).Status)
}
