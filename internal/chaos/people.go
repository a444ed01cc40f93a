package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"gorm.io/gorm"
)

// reviewerPassword is the password of the reviewers a run creates.
const reviewerPassword = "chaos-reviewer-1"

// people does what humans do in the workflows loadgen leaves waiting, so
// that every workflow can reach the end the system drives it to: reviewers
// review fund applications, the training platform posts course results, an
// admin confirms shops that loadgen's confirmation did not reach (manual
// mode) and starts internship matching rounds. Every step goes through the
// HTTP API except creating enrollments, which calls the application's
// Enroll directly (loadgen does not hand out its applicants' tokens); the workflow
// under test starts with the result, which goes through the API.
type people struct {
	api *client
	db  *gorm.DB
	// app enrolls students (use cases run as in the API; its tasks wait for
	// the workers' relay).
	app        *app.App
	adminToken string
	reviewers  []string // tokens
	courseID   string
	// results counts the course results posted, to alternate pass and fail.
	results int
	// overspentSeen lists budgets found exceeded while faults ran
	// (sampleBudgets).
	overspentSeen []string
}

// collegeIDs returns the first two partner colleges: applicants join the
// first, reviewers the second (never a reviewer of the applicant's college).
func collegeIDs(ctx context.Context, api *client) (applicants, reviewers string, err error) {
	var colleges struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := api.do(ctx, http.MethodGet, "/api/v1/colleges?limit=2", "", nil, &colleges, http.StatusOK); err != nil {
		return "", "", err
	}
	if len(colleges.Items) < 2 {
		return "", "", errors.New("chaos: the seed must load at least two colleges")
	}
	return colleges.Items[0].ID, colleges.Items[1].ID, nil
}

// setUp signs the admin in, creates the reviewers and an internship place
// with fewer seats than applicants (so rounds leave some unmatched).
func setUp(ctx context.Context, api *client, db *gorm.DB, adminEmail, adminPassword, reviewerCollege string, nReviewers int) (*people, error) {
	p := &people{api: api, db: db, app: app.New(app.Deps{DB: db, Engine: &engine.Engine{DB: db, Tasks: workers.Registry.Options()}})}
	var err error
	if p.adminToken, err = api.login(ctx, adminEmail, adminPassword); err != nil {
		return nil, fmt.Errorf("chaos: admin sign-in: %w", err)
	}
	for i := range nReviewers {
		email := fmt.Sprintf("chaos-reviewer-%d@reviewers.example.com", i)
		if err := api.do(ctx, http.MethodPost, "/api/v1/admin/accounts", p.adminToken, map[string]any{
			"email": email, "password": reviewerPassword, "name": fmt.Sprintf("Reviewer %d", i), "role": "reviewer",
			"college_id": reviewerCollege,
		}, nil, http.StatusCreated); err != nil {
			return nil, fmt.Errorf("chaos: create reviewer: %w", err)
		}
		tok, err := api.login(ctx, email, reviewerPassword)
		if err != nil {
			return nil, fmt.Errorf("chaos: reviewer sign-in: %w", err)
		}
		p.reviewers = append(p.reviewers, tok)
	}
	if err := api.do(ctx, http.MethodPost, "/api/v1/admin/internships", p.adminToken, map[string]any{
		"company": "Yiwu Trade", "title": "Live-stream assistant", "city": "Yiwu",
		"skills": []string{"live-streaming"}, "capacity": 40,
	}, nil, http.StatusCreated); err != nil {
		return nil, fmt.Errorf("chaos: create internship place: %w", err)
	}
	if err := db.WithContext(ctx).Raw(`SELECT id FROM courses ORDER BY title LIMIT 1`).Scan(&p.courseID).Error; err != nil {
		return nil, fmt.Errorf("chaos: find a course: %w", err)
	}
	if p.courseID == "" {
		return nil, errors.New("chaos: the seed must load a course")
	}
	return p, nil
}

// step does one round of human work. Errors are expected while faults are
// injected; the step reports the first and the next step tries again.
func (p *people) step(ctx context.Context, matchRound bool) error {
	errs := []error{p.review(ctx), p.confirmStuckShops(ctx), p.postResults(ctx)}
	if matchRound {
		errs = append(errs, p.startMatchRound(ctx))
	}
	return errors.Join(errs...)
}

// confirmStuckShops confirms shops left pending for more than a few seconds:
// loadgen confirms each shop it submits, but not when a fault hit that call.
func (p *people) confirmStuckShops(ctx context.Context) error {
	var ids []string
	if err := p.db.WithContext(ctx).Raw(`SELECT id FROM shops WHERE status = 'pending' AND created_at < now() - interval '5 seconds' LIMIT 50`).
		Scan(&ids).Error; err != nil {
		return fmt.Errorf("find pending shops: %w", err)
	}
	for _, id := range ids {
		a, err := p.api.call(ctx, http.MethodPost, "/api/v1/admin/shops/"+id+"/confirm", p.adminToken, map[string]any{"verified": true})
		if err != nil {
			return err
		}
		if a.status != http.StatusOK && a.status != http.StatusConflict {
			return fmt.Errorf("confirm shop %s: status %d: %.200s", id, a.status, a.body)
		}
	}
	return nil
}

// postResults enrolls verified students in a course and posts their
// results, alternately passing (which issues a certificate) and failing.
func (p *people) postResults(ctx context.Context) error {
	var accounts []string
	if err := p.db.WithContext(ctx).Raw(`SELECT account_id FROM student_profiles sp WHERE status = 'verified'
		AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.account_id = sp.account_id) LIMIT 20`).Scan(&accounts).Error; err != nil {
		return fmt.Errorf("find students to enroll: %w", err)
	}
	for _, acc := range accounts {
		if _, err := p.app.Enroll(ctx, app.Actor{ID: acc, Role: models.RoleApplicant}, p.courseID); err != nil {
			return fmt.Errorf("enroll: %w", err)
		}
	}
	var enrolled []string
	if err := p.db.WithContext(ctx).Raw(`SELECT id FROM enrollments WHERE status = 'enrolled' LIMIT 20`).Scan(&enrolled).Error; err != nil {
		return fmt.Errorf("find enrollments: %w", err)
	}
	for _, id := range enrolled {
		score := 90
		if p.results%3 == 2 {
			score = 30
		}
		a, err := p.api.call(ctx, http.MethodPost, "/api/v1/admin/enrollments/"+id+"/result", p.adminToken, map[string]any{"score": score})
		if err != nil {
			return err
		}
		if a.status != http.StatusAccepted && a.status != http.StatusConflict {
			return fmt.Errorf("result %s: status %d: %.200s", id, a.status, a.body)
		}
		p.results++
	}
	return nil
}

// startMatchRound starts a round; 409 means one is already running.
func (p *people) startMatchRound(ctx context.Context) error {
	a, err := p.api.call(ctx, http.MethodPost, "/api/v1/admin/match-rounds", p.adminToken, nil)
	if err != nil {
		return err
	}
	if a.status != http.StatusAccepted && a.status != http.StatusConflict {
		return fmt.Errorf("match round: status %d: %.200s", a.status, a.body)
	}
	return nil
}
