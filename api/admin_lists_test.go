package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// The fund applications list has the fixed shape, and every bad
// query parameter of every admin list is a 422 naming it, never a 500.
func TestAdminListsShapeAndBadParams(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	db := a.schema.DB
	token := fixtures.Token(t, db, fixtures.Account(t, db, models.RoleAdmin))
	students, college := fixtures.VerifiedStudents(t, db, 3)
	shops := fixtures.VerifiedShops(t, db, students)
	program := fixtures.FundProgram(t, db, nil, nil)
	for i, s := range students {
		require.NoError(t, db.Exec(`INSERT INTO fund_applications (id, program_id, account_id, shop_id, amount_fen, business_plan, status)
			VALUES (?, ?, ?, ?, 5000, 'plan', 'screening')`, models.NewID(), program.ID, s.ID, shops[i].ID).Error)
	}
	r := a.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/fund-applications?status=screening&college_id=%s&program_id=%s&q=&limit=2",
		college.ID, program.ID), token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m := r.JSON(t)
	require.Len(t, m["items"], 2)
	require.EqualValues(t, 3, m["total"])
	require.NotEmpty(t, m["next_cursor"])
	item := m["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "program_id", "account_id", "student", "email", "amount_fen", "status", "created_at"} {
		require.Contains(t, item, k)
	}
	r = a.do(http.MethodGet, "/api/v1/admin/fund-applications?limit=2&cursor="+m["next_cursor"].(string), token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Len(t, r.JSON(t)["items"], 1)

	for _, list := range []string{"students", "shops", "fund-applications", "internship-applications", "certificates", "reviewers"} {
		for param, query := range map[string]string{
			"status": "status=nope", "college_id": "college_id=1", "program_id": "program_id=%27", "from": "from=2026-02-30",
			"to": "to=1", "limit": "limit=x", "cursor": "cursor=%00", "q": "q=" + strings.Repeat("z", 101),
			"status ": "status=%00",
		} {
			r := a.do(http.MethodGet, "/api/v1/admin/"+list+"?"+query, token, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s ?%s: %s", list, query, r.Body)
			require.Contains(t, r.Error(t)["fields"], strings.TrimSpace(param), "%s ?%s", list, query)
		}
	}
	r = a.do(http.MethodGet, "/api/v1/admin/students?q=%ff%fe%00", token, nil)
	require.Less(t, r.Status, 500, "bytes that are no UTF-8 are no server error: %s", r.Body)
	r = a.do(http.MethodGet, "/api/v1/admin/audit?entity_id=x", token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Contains(t, r.Error(t)["fields"], "entity_id")
}

// An export is a streamed text/csv attachment with a BOM and a header row;
// an unknown name is a 404.
func TestExportEndpoint(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	db := a.schema.DB
	token := fixtures.Token(t, db, fixtures.Account(t, db, models.RoleAdmin))
	for _, name := range []string{"fund-applications", "ledger", "certificates", "audit"} {
		r := a.do(http.MethodGet, "/api/v1/admin/exports/"+name+".csv", token, nil)
		require.Equal(t, http.StatusOK, r.Status, name)
		require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
		require.Contains(t, r.Header.Get("Content-Disposition"), `attachment; filename="`+name+"-")
		require.True(t, bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")), name)
		recs, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
		require.NoError(t, err)
		require.NotEmpty(t, recs[0])
	}
	for _, path := range []string{"ledger", "ledger.json", "secrets.csv"} {
		r := a.do(http.MethodGet, "/api/v1/admin/exports/"+path, token, nil)
		require.Equal(t, http.StatusNotFound, r.Status, path)
	}
}

// The import takes text/csv: 200 with the count, or 422 with each bad row
// and nothing recorded; a bulk decision answers each shop's outcome; both
// leave audit rows with the client's address.
func TestImportAndBulkEndpoints(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	db := a.schema.DB
	adminAcct := fixtures.Account(t, db, models.RoleAdmin)
	token := fixtures.Token(t, db, adminAcct)
	course := fixtures.Course(t, db, 60)
	students, _ := fixtures.VerifiedStudents(t, db, 2)
	var ids []string
	for _, s := range students {
		e, err := a.app.Enroll(context.Background(), application.ActorOf(s), course.ID)
		require.NoError(t, err)
		ids = append(ids, e.ID)
	}
	post := func(body, contentType string) response {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/admin/enrollments/import", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Language", "zh-CN")
		rec := httptest.NewRecorder()
		a.e.ServeHTTP(rec, req)
		return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	}
	r := post(fmt.Sprintf("enrollment_id,score\n%s,80\n%s,x\n", ids[0], ids[1]), "text/csv")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	m := r.JSON(t)
	require.EqualValues(t, 0, m["applied"])
	e := m["errors"].([]any)[0].(map[string]any)
	require.EqualValues(t, 3, e["row"])
	require.Equal(t, "score", e["field"])
	require.Equal(t, "须为整数", e["message"])
	r = post(fmt.Sprintf("enrollment_id,score\n%s,80\n%s,30\n", ids[0], ids[1]), "text/csv; charset=utf-8")
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.EqualValues(t, 2, r.JSON(t)["applied"])
	require.Equal(t, http.StatusUnsupportedMediaType, post("x", "application/json").Status)

	shops := fixtures.VerifiedShops(t, db, students)
	require.NoError(t, db.Exec(`UPDATE shops SET status = 'pending' WHERE id = ?`, shops[0].ID).Error)
	r = a.do(http.MethodPost, "/api/v1/admin/shops/bulk-confirm", token, map[string]any{
		"shop_ids": []string{shops[0].ID, shops[1].ID}, "verified": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m = r.JSON(t)
	require.EqualValues(t, 1, m["decided"])
	items := m["items"].([]any)
	require.Equal(t, "verified", items[0].(map[string]any)["status"])
	require.Equal(t, "conflict", items[1].(map[string]any)["error"].(map[string]any)["code"])
	r = a.do(http.MethodPost, "/api/v1/admin/shops/bulk-confirm", token, map[string]any{"shop_ids": []string{}, "verified": true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)

	r = a.do(http.MethodGet, "/api/v1/admin/audit?actor_id="+adminAcct.ID+"&limit=200", token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	actions := map[string]bool{}
	for _, it := range r.JSON(t)["items"].([]any) {
		row := it.(map[string]any)
		actions[row["action"].(string)] = true
		require.Equal(t, "192.0.2.1", row["ip"], "httptest's client address")
		for _, k := range []string{"actor_id", "action", "entity_type", "entity_id", "at", "ip"} {
			require.Contains(t, row, k)
		}
	}
	require.True(t, actions[application.AuditImportResults] && actions[application.AuditRecordResult] && actions[application.AuditConfirmShop], "%v", actions)
}
