// Package loadgen drives simulated applicants through campusbiz's real HTTP
// API (register, sign in, onboard, link a shop, apply to the fund, apply for
// internships) and measures what it sees: requests per second and latency
// percentiles per endpoint, and the time from each submission to the state
// where the system's own work on it ends.
//
// It drives only what a client can: shops are confirmed through
// POST /admin/shops/{id}/confirm when admin credentials are given and the
// server runs SHOP_VERIFICATION=manual (fetch mode needs a public page that
// shows the code, which loadgen cannot serve); otherwise shops stay pending
// and the fund step is skipped. Fund applications settle in in_review, where
// people review them: given reviewers' credentials, loadgen reviews each
// application as each of them (approve, score 8) and waits for the decision
// and the payout (disbursed, or waitlisted once the budget is spent); the
// reviewers must be the ones screening assigns, such as dev's two demo
// reviewers. Given a course (Config.CourseID) and admin credentials, each
// verified applicant also enrolls, the admin posts a passing score and
// loadgen waits for the certificate. Internship applications wait for a
// matching round.
// The server's LOGIN_RATE and SUBMIT_RATE must allow the load: every
// applicant signs in from the same address.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what to run. Either Count or Duration bounds the run.
type Config struct {
	// BaseURL is the server's root. Defaults to http://localhost:8080.
	BaseURL string
	// Concurrency is how many applicants run at once. Defaults to 8.
	Concurrency int
	// Count is how many applicants to run; zero runs until Duration.
	Count int
	// Duration stops starting applicants once it has passed (those
	// running finish); zero runs until Count.
	Duration time.Duration
	// CollegeID is the college every applicant joins; empty: the first one
	// GET /colleges lists. E-mails use its first domain.
	CollegeID string
	// AdminEmail and AdminPassword, when set, let loadgen confirm shops
	// (the server must run SHOP_VERIFICATION=manual).
	AdminEmail, AdminPassword string
	// Reviewers, when set, review every fund application (each must be
	// assigned to it: give the programme's reviewers_per_application
	// reviewers eligible for the applicants' college).
	Reviewers []Login
	// Settle bounds the wait for a workflow to reach its settled state.
	// Defaults to 30s.
	Settle time.Duration
	// Poll is the interval between status reads while waiting. Defaults to 50ms.
	Poll time.Duration
	// Client makes the requests. Defaults to one with a 30s timeout.
	Client *http.Client
	// Progress, when set, receives a \r-redrawn progress line every Tick.
	Progress io.Writer
	// Tick is the progress interval. Defaults to 500ms.
	Tick time.Duration
	// CourseID, when set with admin credentials, adds the training step:
	// each applicant whose e-mail is verified enrolls in the course through
	// the API, the admin posts a passing score and loadgen waits for the
	// certificate (certified). Off by default: a chaos run enrolls its
	// students itself.
	CourseID string
	// Retry is how long a request answered 503 (try later) or not at all
	// is tried again, every 100ms, as a client riding out a failover does;
	// each failed try still counts as a failed request. A submission whose
	// first try committed (its answer lost) then answers 409 and stops the
	// applicant. Zero: never tried again.
	Retry time.Duration
	// Mailbox reads the onboarding codes the server mails to the
	// applicants' college addresses (the server's SMTP_URL must deliver to
	// it); nil: applicants stop once their profile awaits its code.
	Mailbox Mailbox
}

// Mailbox is where loadgen reads the codes mailed to the applicants, such
// as a *mailsink.Sink the server's SMTP_URL points at.
type Mailbox interface {
	// WaitCode waits for more than seen codes mailed to addr and returns
	// the newest, with the count of codes mailed there.
	WaitCode(ctx context.Context, addr string, seen int) (string, int, error)
}

func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		c.BaseURL = "http://localhost:8080"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Count < 0 || c.Duration < 0 {
		return c, errors.New("loadgen: count and duration cannot be negative")
	}
	if c.Count == 0 && c.Duration == 0 {
		return c, errors.New("loadgen: give a count or a duration")
	}
	if c.Settle <= 0 {
		c.Settle = 30 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = 50 * time.Millisecond
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if c.Tick <= 0 {
		c.Tick = 500 * time.Millisecond
	}
	return c, nil
}

// Login is an account's credentials.
type Login struct {
	Email, Password string
}

// applicantPassword is every simulated applicant's password.
const applicantPassword = "loadgen-password-1"

// Run runs the applicants and returns what it measured. An error means the
// run could not start (server unreachable, no college); failures of single
// requests are counted in the Summary instead.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	r := &runner{cfg: cfg, rec: newRecorder()}
	if err := r.prepare(ctx); err != nil {
		return Summary{}, err
	}
	start := time.Now()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	stopProgress := r.progress(start)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				if !deadline.IsZero() && time.Now().After(deadline) {
					return
				}
				i := next.Add(1)
				if cfg.Count > 0 && i > int64(cfg.Count) {
					return
				}
				r.applicant(ctx, i)
			}
		})
	}
	wg.Wait()
	stopProgress()
	return r.rec.summary(time.Since(start)), nil
}

// runner holds what the applicants share.
type runner struct {
	cfg        Config
	rec        *recorder
	runID      string
	collegeID  string
	domain     string
	programID  string   // "" when no fund programme is open
	places     []string // up to three open internship places
	adminToken string
	// reviewerTokens are Config.Reviewers signed in.
	reviewerTokens []string
}

// prepare reads the college, the fund programme and the places, and signs
// the admin in.
func (r *runner) prepare(ctx context.Context) error {
	raw := make([]byte, 4)
	_, _ = rand.Read(raw)
	r.runID = hex.EncodeToString(raw)
	if err := r.pickCollege(ctx); err != nil {
		return err
	}
	var programs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if _, err := r.call(ctx, "", http.MethodGet, "/api/v1/fund-programs", "", nil, &programs, http.StatusOK); err == nil && len(programs.Items) > 0 {
		r.programID = programs.Items[0].ID
	}
	var places struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if _, err := r.call(ctx, "", http.MethodGet, "/api/v1/internships?limit=3", "", nil, &places, http.StatusOK); err == nil {
		for _, p := range places.Items {
			r.places = append(r.places, p.ID)
		}
	}
	if r.cfg.AdminEmail != "" {
		tok, err := r.login(ctx, "", r.cfg.AdminEmail, r.cfg.AdminPassword)
		if err != nil {
			return fmt.Errorf("loadgen: admin sign-in: %w", err)
		}
		r.adminToken = tok
	}
	for _, rv := range r.cfg.Reviewers {
		tok, err := r.login(ctx, "", rv.Email, rv.Password)
		if err != nil {
			return fmt.Errorf("loadgen: reviewer %s sign-in: %w", rv.Email, err)
		}
		r.reviewerTokens = append(r.reviewerTokens, tok)
	}
	return nil
}

// pickCollege finds cfg.CollegeID (or, when empty, the first college) in
// GET /colleges, page by page, with its first e-mail domain.
func (r *runner) pickCollege(ctx context.Context) error {
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ID           string   `json:"id"`
				EmailDomains []string `json:"email_domains"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/api/v1/colleges?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if _, err := r.call(ctx, "", http.MethodGet, path, "", nil, &page, http.StatusOK); err != nil {
			return fmt.Errorf("loadgen: list colleges: %w", err)
		}
		for _, c := range page.Items {
			if len(c.EmailDomains) > 0 && (r.cfg.CollegeID == "" || c.ID == r.cfg.CollegeID) {
				r.collegeID, r.domain = c.ID, c.EmailDomains[0]
				return nil
			}
		}
		if page.NextCursor == "" {
			return fmt.Errorf("loadgen: college %q not found (or it has no e-mail domain)", r.cfg.CollegeID)
		}
		cursor = page.NextCursor
	}
}

// applicant runs applicant i through every step it can drive.
func (r *runner) applicant(ctx context.Context, i int64) {
	r.rec.started.Add(1)
	if err := r.steps(ctx, i); err != nil {
		r.rec.failed.Add(1)
		r.rec.failure(err)
		return
	}
	r.rec.completed.Add(1)
}

func (r *runner) steps(ctx context.Context, i int64) error {
	email := fmt.Sprintf("lg-%s-%d@%s", r.runID, i, r.domain)
	if _, err := r.call(ctx, "register", http.MethodPost, "/api/v1/auth/register", "",
		map[string]string{"email": email, "password": applicantPassword, "name": fmt.Sprintf("Loadgen %d", i)}, nil, http.StatusCreated); err != nil {
		return err
	}
	token, err := r.login(ctx, "login", email, applicantPassword)
	if err != nil {
		return err
	}
	var profile entity
	if _, err := r.call(ctx, "onboard", http.MethodPost, "/api/v1/onboarding", token, map[string]any{
		"college_id": r.collegeID, "student_number": fmt.Sprintf("LG%s%08d", r.runID, i), "full_name": fmt.Sprintf("Loadgen %d", i),
		"enrollment_year": time.Now().Year() - 1, "major": "E-commerce", "college_email": email,
		"phone": fmt.Sprintf("139%08d", i%100_000_000),
	}, &profile, http.StatusAccepted); err != nil {
		return err
	}
	// Settled is the automatic decision (awaiting_email when the checks
	// pass); then the applicant types the code from the mail.
	status, err := r.settle(ctx, "onboarding", "/api/v1/onboarding/"+profile.ID, token, "pending")
	if err != nil || status != "awaiting_email" {
		return err
	}
	if r.cfg.Mailbox == nil {
		r.rec.skip("e-mail code and later steps: no mailbox to read codes from (profiles stay awaiting_email)")
		return nil
	}
	if err := r.confirmEmail(ctx, profile.ID, token, email); err != nil {
		return err
	}
	if r.cfg.CourseID != "" && r.adminToken != "" {
		if err := r.train(ctx, token); err != nil {
			return err
		}
	}
	if len(r.places) > 0 {
		if _, err := r.call(ctx, "internship apply", http.MethodPost, "/api/v1/internship-applications", token,
			map[string]any{"preferences": r.places, "skills": []string{"live-streaming", "customer service"}}, nil, http.StatusAccepted); err != nil {
			return err
		}
	} else {
		r.rec.skip("internship apply: no open internship place")
	}
	var shop entity
	if _, err := r.call(ctx, "shop", http.MethodPost, "/api/v1/shops", token, map[string]string{
		"platform_shop_id": fmt.Sprintf("lg-%s-%d", r.runID, i), "shop_url": fmt.Sprintf("https://shop.example.com/lg-%s-%d", r.runID, i),
		"shop_name": fmt.Sprintf("Loadgen shop %d", i), "category": "food",
	}, &shop, http.StatusAccepted); err != nil {
		return err
	}
	if r.adminToken == "" {
		r.rec.skip("shop confirm, fund apply: no admin credentials (shops stay pending)")
		return nil
	}
	if _, err := r.call(ctx, "shop confirm", http.MethodPost, "/api/v1/admin/shops/"+shop.ID+"/confirm", r.adminToken,
		map[string]any{"verified": true}, nil, http.StatusOK); err != nil {
		return err
	}
	if status, err := r.settle(ctx, "shop", "/api/v1/shops/"+shop.ID, token, "pending"); err != nil || status != "verified" {
		return err
	}
	if r.programID == "" {
		r.rec.skip("fund apply: no fund programme")
		return nil
	}
	var app entity
	if _, err := r.call(ctx, "fund apply", http.MethodPost, "/api/v1/fund-applications", token, map[string]any{
		"program_id": r.programID, "shop_id": shop.ID, "amount_fen": 100_000,
		"business_plan": "Sell local tea through live streams to other campuses.",
	}, &app, http.StatusAccepted); err != nil {
		return err
	}
	path := "/api/v1/fund-applications/" + app.ID
	if status, err := r.settle(ctx, "fund", path, token, "submitted", "screening"); err != nil || status != "in_review" {
		return err
	}
	if len(r.reviewerTokens) == 0 {
		r.rec.skip("fund review: no reviewer credentials (applications stay in_review)")
		return nil
	}
	return r.review(ctx, path, token)
}

// review approves the application at path as every reviewer, then waits for
// its decision and payout, timed from the first review.
func (r *runner) review(ctx context.Context, path, ownerToken string) error {
	start := time.Now()
	for _, tok := range r.reviewerTokens {
		if _, err := r.call(ctx, "fund review", http.MethodPost, path+"/reviews", tok, map[string]any{
			"decision": "approve", "score": 8, "comment": "A clear plan with a verified shop.",
		}, nil, http.StatusCreated); err != nil {
			return err
		}
	}
	_, err := r.settleSince(ctx, start, "fund after reviews", path, ownerToken, "in_review", "approved")
	return err
}

// train enrolls the applicant in cfg.CourseID, posts a passing score as the
// admin and waits for the certificate, timed from the result.
func (r *runner) train(ctx context.Context, token string) error {
	var enrollment entity
	if _, err := r.call(ctx, "enroll", http.MethodPost, "/api/v1/courses/"+r.cfg.CourseID+"/enrollments", token,
		nil, &enrollment, http.StatusCreated); err != nil {
		return err
	}
	path := "/api/v1/enrollments/" + enrollment.ID
	start := time.Now()
	if _, err := r.call(ctx, "course result", http.MethodPost, "/api/v1/admin/enrollments/"+enrollment.ID+"/result", r.adminToken,
		map[string]any{"score": 90}, nil, http.StatusAccepted); err != nil {
		return err
	}
	status, err := r.settleSince(ctx, start, "training", path, token, "enrolled", "passed")
	if err != nil {
		return err
	}
	if status != "certified" {
		return fmt.Errorf("training: the enrollment is %s, not certified", status)
	}
	return nil
}

// entity is the part of a workflow resource loadgen reads.
type entity struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// confirmEmail reads the code mailed to email and confirms it for the
// profile profileID; the time from submission is not in it (the mail's
// delivery is the server's SMTP's). A code answered "wrong" may have been
// replaced: a worker that mailed it and failed to commit (a database
// failover) mails a new one on its retry, and only that one works
// (docs/EMAIL_CODES.md). The applicant then waits for the newer mail and
// types its code, as a person does.
func (r *runner) confirmEmail(ctx context.Context, profileID, token, email string) error {
	wait, cancel := context.WithTimeout(ctx, r.cfg.Settle)
	defer cancel()
	code, seen, err := r.cfg.Mailbox.WaitCode(wait, email, 0)
	if err != nil {
		return fmt.Errorf("e-mail code: %w", err)
	}
	for {
		var prof entity
		status, err := r.call(ctx, "email code", http.MethodPost, "/api/v1/onboarding/"+profileID+"/email-code", token,
			map[string]string{"code": code}, &prof, http.StatusOK)
		if err == nil {
			if prof.Status != "verified" {
				return fmt.Errorf("e-mail code: the profile is %s, not verified", prof.Status)
			}
			return nil
		}
		var se *statusError
		if status != http.StatusUnprocessableEntity || !errors.As(err, &se) || !bytes.Contains(se.body, []byte(`"onboarding.email_code_wrong"`)) {
			return err
		}
		if code, seen, err = r.cfg.Mailbox.WaitCode(wait, email, seen); err != nil {
			return fmt.Errorf("e-mail code: wrong, and no newer code mailed: %w", err)
		}
	}
}

// settle polls path until its status leaves the given in-between states,
// records the time since the submission (the first poll) under workflow
// and returns the state reached.
func (r *runner) settle(ctx context.Context, workflow, path, token string, transient ...string) (string, error) {
	return r.settleSince(ctx, time.Now(), workflow, path, token, transient...)
}

// settleSince is settle timed from start.
func (r *runner) settleSince(ctx context.Context, start time.Time, workflow, path, token string, transient ...string) (string, error) {
	limit := time.Now().Add(r.cfg.Settle)
	for {
		var e entity
		if _, err := r.call(ctx, "", http.MethodGet, path, token, nil, &e, http.StatusOK); err != nil {
			return "", err
		}
		settled := true
		for _, s := range transient {
			settled = settled && e.Status != s
		}
		if settled {
			r.rec.settled(workflow, e.Status, time.Since(start))
			return e.Status, nil
		}
		if time.Now().After(limit) {
			return "", fmt.Errorf("%s still %s after %s", workflow, e.Status, r.cfg.Settle)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(r.cfg.Poll):
		}
	}
}

func (r *runner) login(ctx context.Context, name, email, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	_, err := r.call(ctx, name, http.MethodPost, "/api/v1/auth/login", "",
		map[string]string{"email": email, "password": password}, &out, http.StatusOK)
	return out.Token, err
}

// call makes one request and decodes the answer into out. name is the
// endpoint it is recorded under: empty records it under the method and the
// path with ids replaced.
func (r *runner) call(ctx context.Context, name, method, path, token string, body, out any, want int) (int, error) {
	if name == "" {
		name = method + " " + Route(path)
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
	}
	start := time.Now()
	for {
		status, err := r.attempt(ctx, name, method, path, token, payload, out, want)
		// Only "try later" and no answer are tried again; each failed
		// attempt is recorded as a refused request.
		again := err != nil && (status == 0 || status == http.StatusServiceUnavailable) && ctx.Err() == nil
		if !again || time.Since(start) >= r.cfg.Retry {
			return status, err
		}
		select {
		case <-ctx.Done():
			return status, err
		case <-time.After(retryPause):
		}
	}
}

// retryPause is the wait before a request is tried again (Config.Retry).
const retryPause = 100 * time.Millisecond

// attempt makes one try of call's request, with payload as the JSON body
// (nil: none).
func (r *runner) attempt(ctx context.Context, name, method, path, token string, payload []byte, out any, want int) (int, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.BaseURL+path, rd)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		r.rec.request(name, 0, time.Since(start), false)
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	elapsed := time.Since(start)
	ok := err == nil && resp.StatusCode == want
	r.rec.request(name, resp.StatusCode, elapsed, ok)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s: read answer: %w", name, err)
	}
	if !ok {
		return resp.StatusCode, &statusError{name: name, status: resp.StatusCode, want: want, body: raw}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s: decode answer: %w", name, err)
		}
	}
	return resp.StatusCode, nil
}

// statusError is an answer with another status than expected.
type statusError struct {
	name         string
	status, want int
	body         []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: status %d, want %d: %.200s", e.name, e.status, e.want, e.body)
}

// Route is path with its query dropped and every segment that looks like an
// id (contains a digit and is longer than 16 characters) replaced by {id}.
func Route(path string) string {
	path, _, _ = strings.Cut(path, "?")
	path = strings.TrimPrefix(path, "/api/v1")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) > 16 && strings.ContainsAny(s, "0123456789") {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// progress redraws one line on cfg.Progress until the returned stop.
func (r *runner) progress(start time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	draw := func() {
		el := time.Since(start)
		req, errs := r.rec.totals()
		fmt.Fprintf(r.cfg.Progress, "\rloadgen %s  applicants: %d started, %d done, %d failed  requests: %d (%.1f/s)  errors: %d   ",
			el.Round(time.Second), r.rec.started.Load(), r.rec.completed.Load(), r.rec.failed.Load(),
			req, float64(req)/el.Seconds(), errs)
	}
	wg.Go(func() {
		t := time.NewTicker(r.cfg.Tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				draw()
				fmt.Fprintln(r.cfg.Progress)
				return
			case <-t.C:
				draw()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
