package app

import (
	"context"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// Stats are the admin's counts: entities by workflow and state, the
// outbox's backlog, and Asynq's queues.
type Stats struct {
	// Workflows counts entities by workflow and state.
	Workflows map[string]map[string]int64
	Outbox    OutboxStats
	// Queues is Asynq's view per queue; nil when Redis does not answer or
	// no inspector is configured.
	Queues map[string]QueueStats
	// Fairness is each fairness key's (college's) waiting and in-flight
	// tasks, the busiest engine.FairTopKeys and "other"; nil without a fair
	// admitter.
	Fairness []engine.KeyLoad
}

// OutboxStats is the engine's backlog.
type OutboxStats struct {
	Undispatched, InFlight int64
	// Failed rows gave up (archived in Asynq) and wait for ops.
	Failed                int64
	OldestUndispatchedAge time.Duration
	RecentFailures        []FailedTask
}

// FailedTask is an outbox row whose task gave up.
type FailedTask struct {
	TaskID, Type, Queue, Error string
	FailedAt                   time.Time
}

// QueueStats is one Asynq queue.
type QueueStats struct {
	Pending, Active, Scheduled, Retry, Archived int
}

// WorkflowTables maps each workflow to the table holding its state. Stats
// read the counts that triggers keep per table (migration 00007): a
// workflow added here needs the same three triggers on its table, created
// by its own migration with the workflow's name as argument (a test checks).
var WorkflowTables = map[string]string{
	"onboarding":  "student_profiles",
	"enrollment":  "enrollments",
	"certificate": "certificates",
	"internship":  "internship_applications",
	"shop":        "shops",
	"fund":        "fund_applications",
}

// compactStatsAbove is the number of appended state-count deltas beyond
// which a stats call folds them (models.CompactStateCounts) after reading.
const compactStatsAbove = 1000

// recentFailures is how many failed tasks the stats list.
const recentFailures = 20

// Stats reads the admin's counts.
func (a *App) Stats(ctx context.Context, actor Actor) (Stats, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Stats{}, err
	}
	out := Stats{Workflows: map[string]map[string]int64{}}
	for name := range WorkflowTables {
		out.Workflows[name] = map[string]int64{}
	}
	counts, deltas, err := models.StateCounts(ctx, a.db)
	if err != nil {
		return Stats{}, err
	}
	for _, sc := range counts {
		if m, ok := out.Workflows[sc.Workflow]; ok {
			m[sc.State] = sc.N
		}
	}
	if deltas > compactStatsAbove {
		if _, err := models.CompactStateCounts(ctx, a.db); err != nil {
			a.log.WarnContext(ctx, "admin stats: folding state counts", "err", err)
		}
	}
	db := a.db.WithContext(ctx)
	var ob struct {
		Undispatched, InFlight, Failed int64
		OldestAge                      *float64
	}
	err = db.Raw(`SELECT
		(SELECT count(*) FROM outbox WHERE dispatched_at IS NULL) AS undispatched,
		(SELECT count(*) FROM outbox WHERE dispatched_at IS NOT NULL AND failed_at IS NULL) AS in_flight,
		(SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL) AS failed,
		(SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE dispatched_at IS NULL) AS oldest_age`).Scan(&ob).Error
	if err != nil {
		return Stats{}, fmt.Errorf("read the outbox backlog: %w", err)
	}
	out.Outbox = OutboxStats{Undispatched: ob.Undispatched, InFlight: ob.InFlight, Failed: ob.Failed, RecentFailures: []FailedTask{}}
	if ob.OldestAge != nil {
		out.Outbox.OldestUndispatchedAge = time.Duration(*ob.OldestAge * float64(time.Second))
	}
	err = db.Raw(`SELECT id AS task_id, task_type AS type, queue, coalesce(last_error, '') AS error, failed_at
		FROM outbox WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT ?`, recentFailures).
		Scan(&out.Outbox.RecentFailures).Error
	if err != nil {
		return Stats{}, fmt.Errorf("read failed tasks: %w", err)
	}
	if a.inspector != nil {
		out.Queues = map[string]QueueStats{}
		for _, q := range engine.AllQueues {
			info, err := a.inspector.GetQueueInfo(q)
			if err != nil {
				continue // an empty or unreachable queue: Postgres still tells the truth above
			}
			out.Queues[q] = QueueStats{Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
				Retry: info.Retry, Archived: info.Archived}
		}
	}
	if a.fairness != nil {
		loads, err := a.fairness.Loads(ctx)
		if err != nil {
			return Stats{}, err
		}
		out.Fairness = engine.TopLoads(loads, engine.FairTopKeys, "other")
	}
	return out, nil
}

// adminListLimit is how many of each kind the admin pages show, newest first.
const adminListLimit = 20

// AdminOverview is the admin's home: the newest programmes, places,
// courses, rounds and staff accounts.
type AdminOverview struct {
	Programs []models.FundProgram
	Places   []models.InternshipPlace
	Courses  []models.Course
	Rounds   []models.MatchRound
	Accounts []models.Account
}

// AdminOverview reads the admin's home.
func (a *App) AdminOverview(ctx context.Context, actor Actor) (AdminOverview, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return AdminOverview{}, err
	}
	db := a.db.WithContext(ctx)
	var d AdminOverview
	for _, q := range []struct {
		what string
		dst  any
	}{{"programmes", &d.Programs}, {"places", &d.Places}, {"courses", &d.Courses}, {"match rounds", &d.Rounds}} {
		if err := db.Order("id DESC").Limit(adminListLimit).Find(q.dst).Error; err != nil {
			return AdminOverview{}, fmt.Errorf("load %s: %w", q.what, err)
		}
	}
	err := db.Where("role <> ?", models.RoleApplicant).Order("id DESC").Limit(adminListLimit).Find(&d.Accounts).Error
	if err != nil {
		return AdminOverview{}, fmt.Errorf("load staff accounts: %w", err)
	}
	return d, nil
}

// AdminFund is the admin's fund page: the newest programmes, the reviewers
// who may sit on a panel, and the applications waiting in screening for
// reviewers.
type AdminFund struct {
	Programs          []models.FundProgram
	Reviewers         []models.Account
	AwaitingReviewers int64
}

// reviewerChoiceLimit bounds the reviewers a panel form offers.
const reviewerChoiceLimit = 200

// AdminFund reads the admin's fund page.
func (a *App) AdminFund(ctx context.Context, actor Actor) (AdminFund, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return AdminFund{}, err
	}
	db := a.db.WithContext(ctx)
	var d AdminFund
	if err := db.Order("id DESC").Limit(adminListLimit).Find(&d.Programs).Error; err != nil {
		return AdminFund{}, fmt.Errorf("load programmes: %w", err)
	}
	if err := db.Where("role = ?", models.RoleReviewer).Order("name, id").Limit(reviewerChoiceLimit).Find(&d.Reviewers).Error; err != nil {
		return AdminFund{}, fmt.Errorf("load reviewers: %w", err)
	}
	var err error
	d.AwaitingReviewers, err = workflows.CountAwaitingReviewers(ctx, a.db)
	return d, err
}

// enrolledLimit is how many enrollments awaiting a result the admin sees.
const enrolledLimit = 50

// AwaitingResult is an enrollment awaiting its result, with its course
// and its student's name.
type AwaitingResult struct {
	models.Enrollment
	Course, Student string
}

// AdminTraining is the admin's training page: the newest courses, the
// enrollments awaiting a result, and the newest certificates.
type AdminTraining struct {
	Courses      []models.Course
	Enrollments  []AwaitingResult
	Certificates []models.Certificate
}

// AdminTraining reads the admin's training page.
func (a *App) AdminTraining(ctx context.Context, actor Actor) (AdminTraining, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return AdminTraining{}, err
	}
	db := a.db.WithContext(ctx)
	var d AdminTraining
	if err := db.Order("id DESC").Limit(adminListLimit).Find(&d.Courses).Error; err != nil {
		return AdminTraining{}, fmt.Errorf("load courses: %w", err)
	}
	err := db.Table("enrollments AS e").Select("e.*, c.title AS course, coalesce(p.full_name, a.name) AS student").
		Joins("JOIN courses c ON c.id = e.course_id").Joins("JOIN accounts a ON a.id = e.account_id").
		Joins("LEFT JOIN student_profiles p ON p.account_id = e.account_id").
		Where("e.status = ?", workflows.EnrollmentEnrolled).Order("e.id").Limit(enrolledLimit).Find(&d.Enrollments).Error
	if err != nil {
		return AdminTraining{}, fmt.Errorf("load enrollments awaiting a result: %w", err)
	}
	err = db.Omit("pdf", "credential").Order("issued_at DESC, id").Limit(adminListLimit).Find(&d.Certificates).Error
	if err != nil {
		return AdminTraining{}, fmt.Errorf("load certificates: %w", err)
	}
	return d, nil
}

// shopQueueLimit is how many shops awaiting a decision the admin sees.
const shopQueueLimit = 50

// ShopsAwaitingDecision are the pending and rejected shops, longest
// waiting first, for an admin to confirm or reject.
func (a *App) ShopsAwaitingDecision(ctx context.Context, actor Actor) ([]models.Shop, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return nil, err
	}
	var shops []models.Shop
	err := a.db.WithContext(ctx).Where("status IN ?", []string{workflows.ShopPending, workflows.ShopRejected}).
		Order("updated_at, id").Limit(shopQueueLimit).Find(&shops).Error
	if err != nil {
		return nil, fmt.Errorf("load shops awaiting a decision: %w", err)
	}
	return shops, nil
}

// placeListLimit is how many places the admin's internships page lists.
const placeListLimit = 200

// AdminInternships is the admin's internships page: every place with its
// filled seats (newest first), and the newest rounds.
type AdminInternships struct {
	Places []Place
	Rounds []models.MatchRound
}

// AdminInternships reads the admin's internships page.
func (a *App) AdminInternships(ctx context.Context, actor Actor) (AdminInternships, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return AdminInternships{}, err
	}
	var d AdminInternships
	if err := workflows.PlacesQuery(ctx, a.db).Order("p.id DESC").Limit(placeListLimit).Find(&d.Places).Error; err != nil {
		return AdminInternships{}, fmt.Errorf("load places: %w", err)
	}
	if err := a.db.WithContext(ctx).Order("id DESC").Limit(adminListLimit).Find(&d.Rounds).Error; err != nil {
		return AdminInternships{}, fmt.Errorf("load match rounds: %w", err)
	}
	return d, nil
}

// HomeFigures are the programme's public figures on the home page.
type HomeFigures struct {
	BudgetFen, UsedFen, LeftFen int64
	Seats, Filled               int64
	Verified                    int64
}

// HomeFigures reads the programme's public figures; anyone may.
func (a *App) HomeFigures(ctx context.Context) (HomeFigures, error) {
	db := a.db.WithContext(ctx)
	var st HomeFigures
	var progs []models.FundProgram
	if err := db.Find(&progs).Error; err != nil {
		return HomeFigures{}, fmt.Errorf("load fund programmes: %w", err)
	}
	for _, p := range progs {
		st.BudgetFen += p.BudgetFen
		st.LeftFen += p.RemainingFen()
	}
	st.UsedFen = st.BudgetFen - st.LeftFen
	err := db.Model(&models.InternshipPlace{}).Where("status = ?", workflows.PlaceOpen).
		Select("coalesce(sum(capacity), 0)").Scan(&st.Seats).Error
	if err == nil {
		err = db.Model(&models.InternshipApplication{}).
			Where("status IN ?", []string{workflows.InternshipOffered, workflows.InternshipAccepted}).Count(&st.Filled).Error
	}
	if err == nil {
		// The trigger-kept counts: a count(*) here read every verified
		// profile (9 million at 10 million students) per page view.
		st.Verified, err = models.CountInState(ctx, a.db, "onboarding", workflows.OnboardingVerified)
	}
	if err != nil {
		return HomeFigures{}, fmt.Errorf("home figures: %w", err)
	}
	return st, nil
}
