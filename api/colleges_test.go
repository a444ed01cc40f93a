package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

func TestCollegesPageByCursorAndSearch(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for range 5 {
		fixtures.College(t, a.schema.DB)
	}
	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		require.Less(t, page, 5, "pagination must end")
		r := a.do(http.MethodGet, "/api/v1/colleges?limit=2&cursor="+url.QueryEscape(cursor), "", nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		body := r.JSON(t)
		for _, it := range body["items"].([]any) {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		cursor = body["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	require.Len(t, seen, 5)
	require.IsIncreasing(t, seen, "ordered by id, no repeats")

	_, admin := a.user(models.RoleAdmin)
	r := a.do(http.MethodPost, "/api/v1/admin/colleges", admin, map[string]any{
		"name": "义乌工商职业技术学院", "name_en": "Yiwu Industrial & Commercial College", "province": "Zhejiang",
		"email_domains": []string{"YWICC.edu.cn"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, []any{"ywicc.edu.cn"}, r.JSON(t)["email_domains"])
	r = a.do(http.MethodPost, "/api/v1/admin/colleges", admin, map[string]any{
		"name": "义乌工商职业技术学院", "province": "Zhejiang", "email_domains": []string{"other.edu.cn"}})
	require.Equal(t, http.StatusConflict, r.Status)
	r = a.do(http.MethodPost, "/api/v1/admin/colleges", admin, map[string]any{
		"name": "X", "province": "Zhejiang", "email_domains": []string{"not a domain"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Contains(t, r.Error(t)["fields"], "email_domains[0]")

	r = a.do(http.MethodGet, "/api/v1/colleges?q="+url.QueryEscape("义乌"), "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	items := r.JSON(t)["items"].([]any)
	require.Len(t, items, 1)
	r = a.do(http.MethodGet, "/api/v1/colleges?q="+url.QueryEscape("100%_"), "", nil)
	require.Empty(t, r.JSON(t)["items"], "LIKE wildcards match literally")

	for _, bad := range []string{"?limit=0", "?limit=201", "?limit=x", "?cursor=!!!", "?cursor=bm90LWEtdXVpZA"} {
		r = a.do(http.MethodGet, "/api/v1/colleges"+bad, "", nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, bad)
	}
}
