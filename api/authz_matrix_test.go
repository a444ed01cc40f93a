package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/stretchr/testify/require"
)

// The actors of the matrix, in the order each route is called: those who
// must be refused first, so that an allowed change cannot hide a refusal.
const (
	anon  = iota // no token
	appB         // another applicant, verified, with a verified shop
	rOut         // a reviewer not assigned to A's fund application
	rIn          // a reviewer assigned to A's fund application
	admin        // an admin
	appA         // the applicant who owns every resource in the paths
	nActors
)

var actorNames = [nActors]string{"anonymous", "applicant B", "reviewer not assigned", "reviewer assigned", "admin", "applicant A (owner)"}

// ok stands for any 2xx; other expectations are exact statuses.
const ok = 200

// expect is the status each actor must get from one route.
type expect [nActors]int

// Common rows of the matrix.
var (
	public        = expect{anon: ok, appB: ok, rOut: ok, rIn: ok, admin: ok, appA: ok}
	signedIn      = expect{anon: 401, appB: ok, rOut: ok, rIn: ok, admin: ok, appA: ok}
	adminOnly     = expect{anon: 401, appB: 403, rOut: 403, rIn: 403, admin: ok, appA: 403}
	ownerOrAdmin  = expect{anon: 401, appB: 404, rOut: 404, rIn: 404, admin: ok, appA: ok}
	ownerReviewer = expect{anon: 401, appB: 404, rOut: 404, rIn: ok, admin: ok, appA: ok}
	ownerChanges  = expect{anon: 401, appB: 404, rOut: 403, rIn: 403, admin: 403, appA: ok}
	applicants    = expect{anon: 401, appB: ok, rOut: 403, rIn: 403, admin: 403, appA: ok}
	ownerOnly     = expect{anon: 401, appB: 404, rOut: 404, rIn: 404, admin: 404, appA: ok}
)

// matrixRow is one route of the router and what each actor gets from it,
// called on A's resources.
type matrixRow struct {
	// route is "METHOD pattern" as the router lists it ("ANY" for Any).
	route string
	// path is the pattern filled in with A's resources.
	path string
	// body is the (valid) request body an actor sends; nil: none.
	body func(actor int) any
	// freshToken signs the actor in anew for this call (logout).
	freshToken bool
	// before puts A's resource back in the state the row needs.
	before func()
	want   expect
}

// matrixWorld is everything the matrix calls routes on.
type matrixWorld struct {
	a        *app
	accounts [nActors]models.Account
	tokens   [nActors]string
	college  models.College
	domain   string

	profileID, shopID, rejectedShopID, pendingShopID, bShopID  string
	disputeID                                                  string
	fundID, withdrawFundID, openProgramID                      string
	conflictFundID                                             string
	enrollmentID, unscoredEnrollmentID, enrollCourseID, serial string
	revokeSerial, internshipID, placeID, roundID               string
	phone, businessPlan                                        string
}

// newMatrixWorld builds A's resources through the product's code paths
// with workers running, then stops the workers so that nothing changes in
// the background while the matrix compares snapshots.
func newMatrixWorld(t *testing.T) *matrixWorld {
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	monitoring := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	a := newApp(t, func(d *appDeps) {
		d.App.Certificates, d.App.Config.PublicBaseURL = keys, publicBase
		d.App.Config.LoginRate, d.App.Config.SubmitRate, d.App.Config.CertVerifyRate = 100_000, 100_000, 100_000
		d.API.Monitoring = monitoring
	})
	stop := a.startWorkers(func(d *workers.Deps) {
		d.CertificateKeys, d.PublicBaseURL = keys, publicBase
		d.ShopVerification = workflows.ShopModeManual // no fetches of example.com
	})
	w := &matrixWorld{a: a, phone: "13900000017", businessPlan: "甲同学的商业计划：校园手作网店"}
	db := a.schema.DB
	var profA models.StudentProfile
	w.accounts[appA], profA = fixtures.VerifiedStudent(t, db, "甲同学")
	var profB models.StudentProfile
	w.accounts[appB], profB = fixtures.VerifiedStudent(t, db, "乙同学")
	// A dispute of A's against B's profile (a row: the matrix checks who
	// may read and decide it).
	dispute := models.Dispute{ID: models.NewID(), ClaimantProfileID: profA.ID, ClaimantAccountID: w.accounts[appA].ID,
		OtherProfileID: profB.ID, Statement: "甲同学的申诉：这个学号是我的。", Status: workflows.DisputeOpen, CreatedAt: profA.CreatedAt}
	require.NoError(t, db.Create(&dispute).Error)
	w.disputeID = dispute.ID
	require.NoError(t, db.Model(&profA).Update("phone", w.phone).Error)
	w.profileID = profA.ID
	w.accounts[rIn] = fixtures.Reviewer(t, db, "")
	w.accounts[rOut] = fixtures.Reviewer(t, db, "")
	w.accounts[admin] = fixtures.Account(t, db, models.RoleAdmin)
	for i := anon + 1; i < nActors; i++ {
		w.tokens[i] = fixtures.Token(t, db, w.accounts[i])
	}
	w.college, w.domain = fixtures.College(t, db)

	shops := fixtures.VerifiedShops(t, db, []models.Account{w.accounts[appA], w.accounts[appA], w.accounts[appA], w.accounts[appB]})
	w.shopID, w.rejectedShopID, w.pendingShopID, w.bShopID = shops[0].ID, shops[1].ID, shops[2].ID, shops[3].ID
	require.NoError(t, db.Exec(`UPDATE shops SET status = 'rejected' WHERE id = ?`, w.rejectedShopID).Error)
	require.NoError(t, db.Exec(`UPDATE shops SET status = 'pending' WHERE id = ?`, w.pendingShopID).Error)

	// A's fund applications: one in review by rIn and a third reviewer,
	// one to withdraw; a third programme takes new applications.
	third := fixtures.Reviewer(t, db, "")
	inReview := fixtures.FundProgram(t, db, []models.Account{w.accounts[rIn], third}, nil)
	withdrawable := fixtures.FundProgram(t, db, []models.Account{third}, func(p *models.FundProgram) {
		p.ReviewersPerApplication, p.ApprovalsRequired = 1, 1
	})
	w.openProgramID = fixtures.FundProgram(t, db, []models.Account{third}, nil).ID
	w.fundID = w.applyFund(inReview.ID, w.shopID)
	w.withdrawFundID = w.applyFund(withdrawable.ID, w.shopID)
	// One more in review by rIn and the third reviewer, for rIn to declare a conflict on.
	w.conflictFundID = w.applyFund(fixtures.FundProgram(t, db, []models.Account{w.accounts[rIn], third}, nil).ID, w.shopID)
	a.waitStatus("/api/v1/fund-applications/"+w.fundID, w.tokens[appA], workflows.FundInReview)
	a.waitStatus("/api/v1/fund-applications/"+w.withdrawFundID, w.tokens[appA], workflows.FundInReview)
	a.waitStatus("/api/v1/fund-applications/"+w.conflictFundID, w.tokens[appA], workflows.FundInReview)

	// A's internship application, offered a place by a round.
	w.placeID = a.createPlace(w.tokens[admin], "Matrix intern", 5, "SQL")
	w.internshipID = a.applyFor(w.tokens[appA], []string{"SQL"}, w.placeID)
	w.roundID = a.round(w.tokens[admin])["id"].(string)
	a.waitStatus("/api/v1/internship-applications/"+w.internshipID, w.tokens[appA], workflows.InternshipOffered)

	// A's enrollments: two certified (one to read, one to revoke), one
	// waiting for its result; and a course open for enrollment.
	w.enrollmentID, w.serial = w.certified(fixtures.Course(t, db, 60))
	_, w.revokeSerial = w.certified(fixtures.Course(t, db, 60))
	e, err := a.app.Enroll(t.Context(), application.ActorOf(w.accounts[appA]), fixtures.Course(t, db, 60).ID)
	require.NoError(t, err)
	w.unscoredEnrollmentID = e.ID
	w.enrollCourseID = fixtures.Course(t, db, 60).ID
	stop()
	return w
}

func (w *matrixWorld) applyFund(programID, shopID string) string {
	r := w.a.do(http.MethodPost, "/api/v1/fund-applications", w.tokens[appA], map[string]any{
		"program_id": programID, "shop_id": shopID, "amount_fen": 50_000, "business_plan": w.businessPlan})
	require.Equal(w.a.t, http.StatusAccepted, r.Status, string(r.Body))
	return r.JSON(w.a.t)["id"].(string)
}

// certified passes A in course and waits for the certificate.
func (w *matrixWorld) certified(course models.Course) (enrollmentID, serial string) {
	// The result's certificate:issue task waits in the outbox for the relay.
	e, _ := fixtures.PassedEnrollment(w.a.t, w.a.schema.DB, w.accounts[appA], course)
	got := w.a.waitStatus("/api/v1/enrollments/"+e.ID, w.tokens[appA], workflows.EnrollmentCertified)
	return e.ID, got["certificate_serial"].(string)
}

// snapshot fingerprints every table a request could change (sessions
// aside: signing out is the one write of a refused actor's own).
func (w *matrixWorld) snapshot() string {
	var b strings.Builder
	for _, table := range []string{"accounts", "colleges", "student_profiles", "shops", "fund_programs", "fund_panel",
		"fund_applications", "fund_reviews", "fund_ledger", "internship_places", "match_rounds", "internship_applications",
		"courses", "enrollments", "certificates", "outbox", "workflow_events", "notifications", "audit_log", "email_codes",
		"disputes"} {
		var n int
		var sum string
		err := w.a.schema.DB.Raw(`SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`).
			Row().Scan(&n, &sum)
		require.NoError(w.a.t, err, table)
		fmt.Fprintf(&b, "%s=%d/%s ", table, n, sum)
	}
	return b.String()
}

// notificationID is one of the actor's notifications.
func (w *matrixWorld) notificationID(who int) string {
	var id string
	require.NoError(w.a.t, w.a.schema.DB.Raw(`SELECT id FROM notifications WHERE account_id = ? ORDER BY id LIMIT 1`,
		w.accounts[who].ID).Row().Scan(&id), "a notification of %s", actorNames[who])
	return id
}

// secrets are A's data that a refused actor must never see in an answer.
func (w *matrixWorld) secrets() []string {
	var prof models.StudentProfile
	require.NoError(w.a.t, w.a.schema.DB.Take(&prof, "id = ?", w.profileID).Error)
	return []string{w.accounts[appA].ID, w.accounts[appA].Email, prof.StudentNumber, prof.CollegeEmail, w.phone, w.businessPlan}
}

// rows is the matrix: every route of the router, what each actor gets.
func (w *matrixWorld) rows() []matrixRow {
	n := 0
	unique := func() int { n++; return n }
	none := func(int) any { return nil }
	same := func(v any) func(int) any { return func(int) any { return v } }
	onboarding := same(map[string]any{"college_id": w.college.ID, "student_number": "2024000999", "full_name": "甲同学",
		"enrollment_year": 2024, "major": "E-commerce", "college_email": "a999@" + w.domain, "phone": "13700000099"})
	review := same(map[string]any{"decision": "approve", "score": 8, "comment": "clear plan"})
	reoffer := func() {
		require.NoError(w.a.t, w.a.schema.DB.Exec(`UPDATE internship_applications SET status = 'offered', answered_at = NULL
			WHERE id = ?`, w.internshipID).Error)
	}
	v1 := "/api/v1"
	return []matrixRow{
		{route: "GET /healthz", path: "/healthz", want: public},
		{route: "GET /readyz", path: "/readyz", want: public},
		{route: "GET /metrics", path: "/metrics", want: adminOnly},
		{route: "ANY /monitoring", path: "/monitoring", want: adminOnly},
		{route: "ANY /monitoring/*", path: "/monitoring/api/queues", want: adminOnly},
		{route: "GET /api/v1/openapi.yaml", path: v1 + "/openapi.yaml", want: public},

		{route: "POST /api/v1/auth/register", path: v1 + "/auth/register", want: public, body: func(int) any {
			return map[string]any{"email": fmt.Sprintf("matrix%d@example.com", unique()), "password": "a-long-password", "name": "新用户"}
		}},
		{route: "POST /api/v1/auth/login", path: v1 + "/auth/login", want: public,
			body: same(map[string]any{"email": w.accounts[appB].Email, "password": fixtures.Password})},
		{route: "POST /api/v1/auth/logout", path: v1 + "/auth/logout", want: signedIn, freshToken: true},
		{route: "GET /api/v1/me", path: v1 + "/me", want: signedIn},
		{route: "GET /api/v1/me/notifications", path: v1 + "/me/notifications", want: signedIn},
		{route: "GET /api/v1/me/notifications/unread", path: v1 + "/me/notifications/unread", want: signedIn},
		{route: "POST /api/v1/me/notifications/read", path: v1 + "/me/notifications/read", want: signedIn},
		// Nobody, not even an admin, marks another person's notification read.
		{route: "POST /api/v1/me/notifications/:id/read", path: v1 + "/me/notifications/" + w.notificationID(appA) + "/read", want: ownerOnly},
		{route: "POST /api/v1/admin/accounts", path: v1 + "/admin/accounts", want: adminOnly, body: func(int) any {
			return map[string]any{"email": fmt.Sprintf("staff%d@example.com", unique()), "password": "a-long-password",
				"name": "Staff", "role": "reviewer"}
		}},

		{route: "GET /api/v1/colleges", path: v1 + "/colleges", want: public},
		{route: "POST /api/v1/admin/colleges", path: v1 + "/admin/colleges", want: adminOnly, body: func(int) any {
			k := unique()
			return map[string]any{"name": fmt.Sprintf("矩阵大学 %d", k), "province": "Zhejiang",
				"email_domains": []string{fmt.Sprintf("matrix%d.edu.cn", k)}}
		}},

		// Both applicants are verified already: 409 says the role passed.
		{route: "POST /api/v1/onboarding", path: v1 + "/onboarding", body: onboarding,
			want: expect{anon: 401, appB: 409, rOut: 403, rIn: 403, admin: 403, appA: 409}},
		{route: "GET /api/v1/onboarding/:id", path: v1 + "/onboarding/" + w.profileID, want: ownerOrAdmin},
		// A's profile is verified: nothing to resubmit (409), but B must not
		// learn even that.
		{route: "PUT /api/v1/onboarding/:id", path: v1 + "/onboarding/" + w.profileID, body: onboarding,
			want: expect{anon: 401, appB: 404, rOut: 403, rIn: 403, admin: 403, appA: 409}},
		{route: "GET /api/v1/onboarding/:id/events", path: v1 + "/onboarding/" + w.profileID + "/events", want: ownerOrAdmin},
		// A's profile is verified: no code to confirm or re-send (409); B
		// learns nothing (404); only the owner may.
		{route: "POST /api/v1/onboarding/:id/email-code", path: v1 + "/onboarding/" + w.profileID + "/email-code",
			body: same(map[string]any{"code": "123456"}),
			want: expect{anon: 401, appB: 404, rOut: 403, rIn: 403, admin: 403, appA: 409}},
		{route: "POST /api/v1/onboarding/:id/email-code/resend", path: v1 + "/onboarding/" + w.profileID + "/email-code/resend",
			want: expect{anon: 401, appB: 404, rOut: 403, rIn: 403, admin: 403, appA: 409}},
		// A's profile is verified: nothing to dispute (409).
		{route: "POST /api/v1/onboarding/:id/disputes", path: v1 + "/onboarding/" + w.profileID + "/disputes",
			body: same(map[string]any{"statement": "这个学号是我的，我有学生证可以证明，请核实。"}),
			want: expect{anon: 401, appB: 404, rOut: 403, rIn: 403, admin: 403, appA: 409}},
		{route: "GET /api/v1/disputes/:id/events", path: v1 + "/disputes/" + w.disputeID + "/events", want: ownerOrAdmin},
		{route: "GET /api/v1/admin/disputes", path: v1 + "/admin/disputes", want: adminOnly},
		{route: "GET /api/v1/admin/disputes/:id", path: v1 + "/admin/disputes/" + w.disputeID, want: adminOnly},
		{route: "POST /api/v1/admin/disputes/:id/decide", path: v1 + "/admin/disputes/" + w.disputeID + "/decide",
			body: same(map[string]any{"outcome": "reject", "reason": "matrix"}), want: adminOnly},

		{route: "GET /api/v1/courses", path: v1 + "/courses", want: public},
		{route: "GET /api/v1/courses/:id", path: v1 + "/courses/" + w.enrollCourseID, want: public},
		{route: "POST /api/v1/admin/courses", path: v1 + "/admin/courses", want: adminOnly, body: func(int) any {
			return map[string]any{"title": fmt.Sprintf("矩阵课程 %d", unique()), "pass_score": 60}
		}},
		{route: "POST /api/v1/courses/:id/enrollments", path: v1 + "/courses/" + w.enrollCourseID + "/enrollments", body: none, want: applicants},
		{route: "GET /api/v1/enrollments", path: v1 + "/enrollments", want: signedIn},
		{route: "GET /api/v1/enrollments/:id", path: v1 + "/enrollments/" + w.enrollmentID, want: ownerOrAdmin},
		{route: "GET /api/v1/enrollments/:id/events", path: v1 + "/enrollments/" + w.enrollmentID + "/events", want: ownerOrAdmin},
		{route: "POST /api/v1/admin/enrollments/:id/result", path: v1 + "/admin/enrollments/" + w.unscoredEnrollmentID + "/result",
			body: same(map[string]any{"score": 75}), want: adminOnly},
		{route: "GET /api/v1/certificates/keys", path: v1 + "/certificates/keys", want: public},
		{route: "GET /api/v1/certificates/:serial", path: v1 + "/certificates/" + w.serial, want: public},
		{route: "GET /api/v1/certificates/:serial/pdf", path: v1 + "/certificates/" + w.serial + "/pdf", want: public},
		{route: "GET /api/v1/certificates/:serial/credential", path: v1 + "/certificates/" + w.serial + "/credential", want: public},
		{route: "GET /credentials/status/:list", path: "/credentials/status/0", want: public},
		{route: "GET /.well-known/did.json", path: "/.well-known/did.json", want: public},
		{route: "GET /api/v1/certificates/:serial/events", path: v1 + "/certificates/" + w.serial + "/events", want: ownerOrAdmin},
		{route: "POST /api/v1/admin/certificates/:serial/revoke", path: v1 + "/admin/certificates/" + w.revokeSerial + "/revoke",
			body: same(map[string]any{"reason": "issued in error"}), want: adminOnly},

		{route: "GET /api/v1/internships", path: v1 + "/internships", want: public},
		{route: "GET /api/v1/internships/:id", path: v1 + "/internships/" + w.placeID, want: public},
		{route: "POST /api/v1/admin/internships", path: v1 + "/admin/internships", want: adminOnly,
			body: same(map[string]any{"company": "Matrix Co", "title": "Analyst", "city": "杭州", "skills": []string{"SQL"}, "capacity": 2})},
		{route: "PATCH /api/v1/admin/internships/:id", path: v1 + "/admin/internships/" + w.placeID, want: adminOnly,
			body: same(map[string]any{"capacity": 6})},
		// A holds an offer (one application in play): 409 after the role check.
		{route: "POST /api/v1/internship-applications", path: v1 + "/internship-applications",
			body: same(map[string]any{"preferences": []string{w.placeID}, "skills": []string{"SQL"}}),
			want: expect{anon: 401, appB: ok, rOut: 403, rIn: 403, admin: 403, appA: 409}},
		{route: "GET /api/v1/internship-applications", path: v1 + "/internship-applications",
			want: expect{anon: 401, appB: ok, rOut: 403, rIn: 403, admin: ok, appA: ok}},
		{route: "GET /api/v1/internship-applications/:id", path: v1 + "/internship-applications/" + w.internshipID, want: ownerOrAdmin},
		{route: "GET /api/v1/internship-applications/:id/events", path: v1 + "/internship-applications/" + w.internshipID + "/events", want: ownerOrAdmin},
		{route: "POST /api/v1/internship-applications/:id/accept", path: v1 + "/internship-applications/" + w.internshipID + "/accept",
			before: reoffer, want: ownerChanges},
		{route: "POST /api/v1/internship-applications/:id/decline", path: v1 + "/internship-applications/" + w.internshipID + "/decline",
			before: reoffer, want: ownerChanges},
		{route: "POST /api/v1/admin/match-rounds", path: v1 + "/admin/match-rounds", want: adminOnly},
		{route: "GET /api/v1/admin/match-rounds", path: v1 + "/admin/match-rounds", want: adminOnly},
		{route: "GET /api/v1/admin/match-rounds/:id", path: v1 + "/admin/match-rounds/" + w.roundID, want: adminOnly},
		{route: "GET /api/v1/admin/match-rounds/:id/events", path: v1 + "/admin/match-rounds/" + w.roundID + "/events", want: adminOnly},

		{route: "POST /api/v1/shops", path: v1 + "/shops", want: applicants, body: func(int) any {
			k := unique()
			return map[string]any{"platform_shop_id": fmt.Sprintf("matrix-%d", k), "shop_url": fmt.Sprintf("https://matrix%d.example.com/", k),
				"shop_name": "矩阵小店", "category": "crafts"}
		}},
		{route: "GET /api/v1/shops/:id", path: v1 + "/shops/" + w.shopID, want: ownerReviewer},
		{route: "GET /api/v1/shops/:id/events", path: v1 + "/shops/" + w.shopID + "/events", want: ownerReviewer},
		{route: "POST /api/v1/shops/:id/recheck", path: v1 + "/shops/" + w.rejectedShopID + "/recheck", want: ownerChanges},
		{route: "POST /api/v1/admin/shops/:id/confirm", path: v1 + "/admin/shops/" + w.pendingShopID + "/confirm",
			body: same(map[string]any{"verified": false, "reason": "the code is not on the page"}), want: adminOnly},

		{route: "GET /api/v1/fund-programs", path: v1 + "/fund-programs", want: public},
		{route: "GET /api/v1/fund-programs/:id", path: v1 + "/fund-programs/" + w.openProgramID, want: public},
		{route: "POST /api/v1/admin/fund-programs", path: v1 + "/admin/fund-programs", want: adminOnly, body: func(int) any {
			return map[string]any{"name": fmt.Sprintf("矩阵基金 %d", unique()), "budget_fen": 1_000_000, "max_grant_fen": 100_000,
				"reviewers_per_application": 1, "approvals_required": 1, "min_mean_score": 6,
				"opens_at": "2026-01-01T00:00:00Z", "closes_at": "2030-01-01T00:00:00Z"}
		}},
		{route: "POST /api/v1/fund-applications", path: v1 + "/fund-applications", want: applicants, body: func(actor int) any {
			shop := w.shopID
			if actor == appB {
				shop = w.bShopID
			}
			return map[string]any{"program_id": w.openProgramID, "shop_id": shop, "amount_fen": 10_000, "business_plan": "一个新计划"}
		}},
		{route: "GET /api/v1/fund-applications/:id", path: v1 + "/fund-applications/" + w.fundID, want: ownerReviewer},
		{route: "GET /api/v1/fund-applications/:id/events", path: v1 + "/fund-applications/" + w.fundID + "/events", want: ownerReviewer},
		{route: "POST /api/v1/fund-applications/:id/withdraw", path: v1 + "/fund-applications/" + w.withdrawFundID + "/withdraw", want: ownerChanges},
		{route: "POST /api/v1/fund-applications/:id/reviews", path: v1 + "/fund-applications/" + w.fundID + "/reviews", body: review,
			want: expect{anon: 401, appB: 403, rOut: 403, rIn: ok, admin: 403, appA: 403}},
		{route: "GET /api/v1/reviews/assigned", path: v1 + "/reviews/assigned",
			want: expect{anon: 401, appB: 403, rOut: ok, rIn: ok, admin: 403, appA: 403}},
		{route: "POST /api/v1/fund-applications/:id/conflict", path: v1 + "/fund-applications/" + w.conflictFundID + "/conflict",
			body: same(map[string]any{"note": "I know the applicant."}),
			want: expect{anon: 401, appB: 403, rOut: 403, rIn: ok, admin: 403, appA: 403}},

		{route: "GET /api/v1/fund-programs/:id/rubric", path: v1 + "/fund-programs/" + w.openProgramID + "/rubric", want: public},
		{route: "PUT /api/v1/admin/fund-programs/:id/rubric", path: v1 + "/admin/fund-programs/" + w.openProgramID + "/rubric", want: adminOnly,
			body: same(map[string]any{"criteria": []map[string]any{
				{"name_zh": "商业计划", "name_en": "Business plan", "weight": 2, "max_points": 10},
				{"name_zh": "网店经营", "name_en": "Shop record", "weight": 1, "max_points": 5}}})},
		{route: "GET /api/v1/admin/fund-programs/:id/ranking", path: v1 + "/admin/fund-programs/" + w.openProgramID + "/ranking", want: adminOnly},
		{route: "GET /api/v1/admin/stats", path: v1 + "/admin/stats", want: adminOnly},

		{route: "GET /api/v1/admin/students", path: v1 + "/admin/students?status=verified&q=" + url.QueryEscape("甲"), want: adminOnly},
		{route: "GET /api/v1/admin/shops", path: v1 + "/admin/shops?status=pending", want: adminOnly},
		{route: "GET /api/v1/admin/fund-applications", path: v1 + "/admin/fund-applications?status=in_review&college_id=" + w.college.ID, want: adminOnly},
		{route: "GET /api/v1/admin/internship-applications", path: v1 + "/admin/internship-applications", want: adminOnly},
		{route: "GET /api/v1/admin/certificates", path: v1 + "/admin/certificates?status=valid", want: adminOnly},
		{route: "GET /api/v1/admin/reviewers", path: v1 + "/admin/reviewers", want: adminOnly},
		{route: "GET /api/v1/admin/exports/:file", path: v1 + "/admin/exports/fund-applications.csv", want: adminOnly},
		{route: "GET /api/v1/admin/audit", path: v1 + "/admin/audit", want: adminOnly},
		{route: "POST /api/v1/admin/shops/bulk-confirm", path: v1 + "/admin/shops/bulk-confirm", want: adminOnly,
			body: same(map[string]any{"shop_ids": []string{w.pendingShopID}, "verified": false, "reason": "the code is not on the page"})},
		// The matrix sends JSON; the import takes text/csv: 415 says the role passed.
		{route: "POST /api/v1/admin/enrollments/import", path: v1 + "/admin/enrollments/import", body: same(map[string]any{}),
			want: expect{anon: 401, appB: 403, rOut: 403, rIn: 403, admin: 415, appA: 403}},
	}
}

// routeKeys lists the router's routes as "METHOD pattern"; a pattern
// registered for every method (Any) is "ANY pattern".
func routeKeys(a *app) []string {
	methods := map[string][]string{}
	for _, r := range a.e.Routes() {
		if r.Method != "echo_route_not_found" {
			methods[r.Path] = append(methods[r.Path], r.Method)
		}
	}
	var keys []string
	for path, ms := range methods {
		if len(ms) > 5 {
			ms = []string{"ANY"}
		}
		for _, m := range ms {
			keys = append(keys, m+" "+path)
		}
	}
	slices.Sort(keys)
	return keys
}

var mutating = regexp.MustCompile(`^(POST|PUT|PATCH|DELETE|ANY) `)

// TestAuthorizationMatrix calls every route of the router as each actor on
// A's resources and checks the status each gets. A route missing from the
// table fails the test. Every refused call of a method that writes must
// leave every table as it was, and no answer to anyone but A, the assigned
// reviewer and the admin may carry A's personal data.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	rows := w.rows()
	table := map[string]bool{}
	for _, r := range rows {
		require.False(t, table[r.route], "%s is in the table twice", r.route)
		table[r.route] = true
	}
	routes := routeKeys(w.a)
	var missing, stale []string
	for _, k := range routes {
		if !table[k] {
			missing = append(missing, k)
		}
	}
	for k := range table {
		if !slices.Contains(routes, k) {
			stale = append(stale, k)
		}
	}
	require.Empty(t, missing, "routes with no row in the authorization matrix: add one to (*matrixWorld).rows")
	require.Empty(t, stale, "rows for routes the router does not have")

	secrets := w.secrets()
	for _, row := range rows {
		method, _, _ := strings.Cut(row.route, " ")
		if method == "ANY" {
			method = http.MethodGet
		}
		for actor := range nActors {
			if row.before != nil {
				row.before()
			}
			token := w.tokens[actor]
			if row.freshToken && actor != anon {
				token = fixtures.Token(t, w.a.schema.DB, w.accounts[actor])
			}
			var body any
			if row.body != nil {
				body = row.body(actor)
			}
			before := w.snapshot()
			r := w.a.doPatiently(method, row.path, token, body)
			want := row.want[actor]
			who := fmt.Sprintf("%s as %s: %s", row.route, actorNames[actor], r.Body)
			if want == ok {
				require.True(t, r.Status >= 200 && r.Status < 300, "got %d, want 2xx; %s", r.Status, who)
			} else {
				require.Equal(t, want, r.Status, who)
				if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					r.Error(t)
				}
				if mutating.MatchString(row.route) {
					require.Equal(t, before, w.snapshot(), "a refused %s changed the database", who)
				}
			}
			if actor == anon || actor == appB || actor == rOut {
				for _, s := range secrets {
					require.NotContains(t, string(r.Body), s, "A's data leaked to %s", who)
				}
			}
		}
	}
	t.Logf("authorization matrix: %d routes x %d actors = %d calls", len(rows), nActors, len(rows)*nActors)
}
