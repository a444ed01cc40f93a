package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// disputeWorld is a verified student (other) and a claimant whose
// submission with the same college and student number was rejected.
type disputeWorld struct {
	other                  models.Account
	otherProfile           models.StudentProfile
	otherToken             string
	claimantToken          string
	claimantProfile, email string
}

func newDisputeWorld(t *testing.T, a *app) disputeWorld {
	t.Helper()
	var w disputeWorld
	w.other, w.otherProfile = fixtures.VerifiedStudent(t, a.schema.DB, "王五")
	w.otherToken = fixtures.Token(t, a.schema.DB, w.other)
	_, w.claimantToken = a.user(models.RoleApplicant)
	w.email = "real." + w.otherProfile.CollegeEmail
	r := a.do(http.MethodPost, "/api/v1/onboarding", w.claimantToken, map[string]any{
		"college_id": w.otherProfile.CollegeID, "student_number": w.otherProfile.StudentNumber, "full_name": "王五",
		"enrollment_year": w.otherProfile.EnrollmentYear, "major": "电子商务", "college_email": w.email, "phone": "13900000001"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	w.claimantProfile = r.JSON(t)["id"].(string)
	got := a.waitStatus("/api/v1/onboarding/"+w.claimantProfile, w.claimantToken, "rejected")
	require.Equal(t, msg.OnboardingAlreadyVerified, got["reasons"].([]any)[0].(map[string]any)["code"])
	return w
}

const statement = "这是我的学号，我有学生证和学校邮箱可以证明。对方冒用了我的学号。"

func TestDisputeUpheldRevokesTheOtherVerification(t *testing.T) {
	t.Parallel()
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	a := newApp(t, func(d *appDeps) { d.App.Certificates = keys })
	a.startWorkers(func(d *workers.Deps) { d.CertificateKeys, d.PublicBaseURL = keys, publicBase })
	w := newDisputeWorld(t, a)
	db := a.schema.DB
	// The other student holds a certificate: revoked with the verification.
	enrollment, _ := fixtures.PassedEnrollment(t, db, w.other, fixtures.Course(t, db, 60))
	serial := a.waitStatus("/api/v1/enrollments/"+enrollment.ID, w.otherToken, workflows.EnrollmentCertified)["certificate_serial"].(string)
	shops := fixtures.VerifiedShops(t, db, []models.Account{w.other})
	program := fixtures.FundProgram(t, db, nil, nil)
	r := a.do(http.MethodPost, "/api/v1/fund-applications", w.otherToken, map[string]any{
		"program_id": program.ID, "shop_id": shops[0].ID, "amount_fen": 50_000, "business_plan": "卖手工茶具，线上线下结合。"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	fundID := r.JSON(t)["id"].(string)

	file := "/api/v1/onboarding/" + w.claimantProfile + "/disputes"
	_, stranger := a.user(models.RoleApplicant)
	_, reviewer := a.user(models.RoleReviewer)
	_, admin := a.user(models.RoleAdmin)
	a.refusals(file, []refusal{
		{"no token", "", map[string]any{"statement": statement}, http.StatusUnauthorized, ""},
		{"another applicant", stranger, map[string]any{"statement": statement}, http.StatusNotFound, ""},
		{"a reviewer", reviewer, map[string]any{"statement": statement}, http.StatusForbidden, ""},
		{"an admin", admin, map[string]any{"statement": statement}, http.StatusForbidden, ""},
		{"malformed JSON", w.claimantToken, "{", http.StatusBadRequest, ""},
		{"missing", w.claimantToken, map[string]any{}, http.StatusUnprocessableEntity, "statement"},
		{"too short", w.claimantToken, map[string]any{"statement": "是我的"}, http.StatusUnprocessableEntity, "statement"},
		{"too long", w.claimantToken, map[string]any{"statement": strings.Repeat("长", 2001)}, http.StatusUnprocessableEntity, "statement"},
		{"control characters", w.claimantToken, map[string]any{"statement": statement + "\x07"}, http.StatusUnprocessableEntity, "statement"},
		{"a number", w.claimantToken, map[string]any{"statement": 42}, http.StatusUnprocessableEntity, "statement"},
	})
	r = a.do(http.MethodPost, "/api/v1/onboarding/"+w.otherProfile.ID+"/disputes", w.otherToken, map[string]any{"statement": statement})
	require.Equal(t, http.StatusConflict, r.Status, "a verified profile disputes nothing")
	require.Equal(t, msg.DisputeNotDisputable, r.Reason(t))
	var n int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM disputes`).Row().Scan(&n))
	require.Zero(t, n, "nothing above filed a dispute")

	r = a.do(http.MethodPost, file, w.claimantToken, map[string]any{"statement": statement})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	d := r.JSON(t)
	id := d["id"].(string)
	require.Equal(t, "pending", d["status"])
	require.Equal(t, w.otherProfile.ID, d["other_profile_id"])
	r = a.do(http.MethodPost, file, w.claimantToken, map[string]any{"statement": statement})
	require.Equal(t, http.StatusConflict, r.Status, "one open dispute at a time")
	require.Equal(t, msg.DisputeOpen, r.Reason(t))
	// Filing mails a code to the claimant's college address; confirming it
	// proves the address for the dispute (the profile stays rejected).
	code, _ := a.emailCode(w.email, 0)
	r = a.do(http.MethodPost, "/api/v1/onboarding/"+w.claimantProfile+"/email-code", w.claimantToken, map[string]any{"code": code})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "rejected", r.JSON(t)["status"])

	// The admin sees both claims side by side; nobody else does.
	list := items(t, a.do(http.MethodGet, "/api/v1/admin/disputes?status=pending", admin, nil))
	require.Len(t, list, 1)
	require.Equal(t, http.StatusForbidden, a.do(http.MethodGet, "/api/v1/admin/disputes", w.claimantToken, nil).Status)
	require.Equal(t, http.StatusForbidden, a.do(http.MethodGet, "/api/v1/admin/disputes/"+id, w.claimantToken, nil).Status)
	r = a.do(http.MethodGet, "/api/v1/admin/disputes/"+id, admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	det := r.JSON(t)
	require.Equal(t, w.email, det["claimant"].(map[string]any)["profile"].(map[string]any)["college_email"])
	require.Equal(t, true, det["dispute"].(map[string]any)["email_proven"], "the claimant proved the address")
	require.Equal(t, true, det["claimant"].(map[string]any)["email_proven"])
	require.Equal(t, false, det["other"].(map[string]any)["email_proven"], "the other never did")
	other := det["other"].(map[string]any)
	require.Equal(t, w.otherProfile.CollegeEmail, other["profile"].(map[string]any)["college_email"])
	require.EqualValues(t, 1, other["shops"])
	require.EqualValues(t, 1, other["open_fund_applications"])

	decide := "/api/v1/admin/disputes/" + id + "/decide"
	for _, body := range []map[string]any{{"outcome": "revoke", "reason": "x"}, {"outcome": "revoke_other"}, {"outcome": "reject", "reason": "  "}} {
		r = a.do(http.MethodPost, decide, admin, body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%v: %s", body, r.Body)
	}
	require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, decide, w.claimantToken,
		map[string]any{"outcome": "revoke_other", "reason": "mine"}).Status)

	require.False(t, statusListRevokes(t, a, serial), "valid before the decision (and the list is signed and stored)")
	r = a.do(http.MethodPost, decide, admin, map[string]any{"outcome": "revoke_other", "reason": "学校核实学号属于申诉人"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	dec := r.JSON(t)
	require.Equal(t, "upheld", dec["dispute"].(map[string]any)["status"])
	require.Equal(t, []any{shops[0].ID}, dec["rejected_shops"])
	require.Equal(t, []any{fundID}, dec["withdrawn_applications"])
	require.Equal(t, []any{serial}, dec["revoked_certificates"])
	cert := a.do(http.MethodGet, "/api/v1/certificates/"+serial, "", nil).JSON(t)
	require.Equal(t, true, cert["revoked"], "revoked through the certificate revocation use case's code")
	require.Equal(t, false, cert["valid"])
	require.True(t, statusListRevokes(t, a, serial), "standard verifiers see the revocation in the published status list")
	r = a.do(http.MethodPost, decide, admin, map[string]any{"outcome": "reject", "reason": "again"})
	require.Equal(t, http.StatusConflict, r.Status, "decided once")

	// The other verification is revoked, with its shop and application;
	// each change is on its owner's timeline with a notification.
	otherNow := a.do(http.MethodGet, "/api/v1/onboarding/"+w.otherProfile.ID, w.otherToken, nil).JSON(t)
	require.Equal(t, "revoked", otherNow["status"])
	require.Equal(t, msg.OnboardingRevokedByDispute, otherNow["reasons"].([]any)[0].(map[string]any)["code"])
	require.Equal(t, "rejected", a.do(http.MethodGet, "/api/v1/shops/"+shops[0].ID, w.otherToken, nil).JSON(t)["status"])
	require.Equal(t, "withdrawn", a.do(http.MethodGet, "/api/v1/fund-applications/"+fundID, w.otherToken, nil).JSON(t)["status"])
	evs := items(t, a.do(http.MethodGet, "/api/v1/onboarding/"+w.otherProfile.ID+"/events", w.otherToken, nil))
	last := evs[len(evs)-1].(map[string]any)
	require.Equal(t, "verified", last["from"])
	require.Equal(t, "revoked", last["to"])
	notes := items(t, a.do(http.MethodGet, "/api/v1/me/notifications", w.otherToken, nil))
	require.GreaterOrEqual(t, len(notes), 3, "profile, shop and application")
	require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, "/api/v1/shops", w.otherToken, map[string]any{
		"platform_shop_id": "x1", "shop_url": "https://x1.example.com/", "shop_name": "新店", "category": "tea"}).Status,
		"a revoked student is not verified")

	// The claimant's profile is checked again, then proves the mailbox.
	r = a.do(http.MethodGet, "/api/v1/disputes/"+id+"/events", w.claimantToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	dEvs := items(t, r)
	require.Equal(t, "upheld", dEvs[len(dEvs)-1].(map[string]any)["to"])
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/api/v1/disputes/"+id+"/events", w.otherToken, nil).Status)
	a.confirmOnboarding(w.claimantProfile, w.claimantToken)

	audit := items(t, a.do(http.MethodGet, "/api/v1/admin/audit?entity_id="+id, admin, nil))
	require.Len(t, audit, 1)
	require.Equal(t, "dispute.decide", audit[0].(map[string]any)["action"])
	certAudit := items(t, a.do(http.MethodGet, "/api/v1/admin/audit?actor_id="+audit[0].(map[string]any)["actor_id"].(string), admin, nil))
	require.Len(t, certAudit, 2, "the decision and the certificate's revocation")
}

func TestDisputeDismissedChangesNothingElse(t *testing.T) {
	t.Parallel()
	a := clocked(t, newTestClock())
	w := newDisputeWorld(t, a)
	_, admin := a.user(models.RoleAdmin)
	r := a.do(http.MethodPost, "/api/v1/onboarding/"+w.claimantProfile+"/disputes", w.claimantToken, map[string]any{"statement": statement})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	id := r.JSON(t)["id"].(string)
	r = a.do(http.MethodPost, "/api/v1/admin/disputes/"+id+"/decide", admin, map[string]any{"outcome": "reject", "reason": "证据不足"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "dismissed", r.JSON(t)["dispute"].(map[string]any)["status"])
	require.Equal(t, "verified", a.do(http.MethodGet, "/api/v1/onboarding/"+w.otherProfile.ID, w.otherToken, nil).JSON(t)["status"])
	require.Equal(t, "rejected", a.do(http.MethodGet, "/api/v1/onboarding/"+w.claimantProfile, w.claimantToken, nil).JSON(t)["status"])
	zh := a.doLang("zh-CN", http.MethodGet, "/api/v1/me/notifications", w.claimantToken, nil).JSON(t)["items"].([]any)
	require.Contains(t, zh[0].(map[string]any)["body"], "您的申诉已被驳回：证据不足")
	// Dismissed, the claimant may file again.
	r = a.do(http.MethodPost, "/api/v1/onboarding/"+w.claimantProfile+"/disputes", w.claimantToken, map[string]any{"statement": statement})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
}

// statusListRevokes reads serial's credential, fetches the status list it
// points at and reports whether the list's bit for it is set.
func statusListRevokes(t *testing.T, a *app, serial string) bool {
	t.Helper()
	r := a.do(http.MethodGet, "/api/v1/certificates/"+serial+"/credential", "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var vc struct {
		CredentialStatus certificates.StatusEntry `json:"credentialStatus"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &vc))
	listURL, err := url.Parse(vc.CredentialStatus.StatusListCredential)
	require.NoError(t, err)
	index, err := strconv.Atoi(vc.CredentialStatus.StatusListIndex)
	require.NoError(t, err)
	r = a.do(http.MethodGet, listURL.Path, "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var list certificates.StatusListCredential
	require.NoError(t, json.Unmarshal(r.Body, &list))
	bits, err := certificates.DecodeStatusList(list.CredentialSubject.EncodedList)
	require.NoError(t, err)
	return certificates.StatusBit(bits, index)
}
