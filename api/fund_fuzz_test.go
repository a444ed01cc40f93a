package api

import (
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/workflows"
)

func FuzzDecodeShop(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"platform_shop_id":"tb-1","shop_url":"https://shop.example.com/1","shop_name":"手作小店","category":"crafts"}`))
	f.Add([]byte(`{"platform_shop_id":"tb-1","shop_url":"https://u:p@shop.example.com/","shop_name":"x","category":"c"}`))
	f.Add([]byte(`{"platform_shop_id":"tb-1","shop_url":"javascript:alert(1)","shop_name":"x","category":"c"}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req ShopRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &ShopRequest{}) != nil {
			return
		}
		if req.PlatformShopID == "" || len(req.PlatformShopID) > 64 || utf8.RuneCountInString(req.ShopName) > 100 {
			t.Fatalf("accepted %q", body)
		}
		// The domain's URL check runs next; it must answer, not panic, and
		// anything it keys is an http(s) address.
		if _, err := workflows.NormalizeShopURL(req.ShopURL); err == nil && len(req.ShopURL) > 2048 {
			t.Fatalf("accepted an address of %d bytes", len(req.ShopURL))
		}
	})
}

func FuzzDecodeFundProgram(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"name":"明日网商","budget_fen":20000000,"max_grant_fen":2000000,"reviewers_per_application":2,"approvals_required":2,"min_mean_score":6.5,"opens_at":"2026-09-01T00:00:00Z","closes_at":"2027-06-30T00:00:00+08:00"}`))
	f.Add([]byte(`{"name":"P","budget_fen":1,"max_grant_fen":2,"reviewers_per_application":1,"approvals_required":3,"min_mean_score":6.125,"opens_at":"x","closes_at":"2026-01-01T00:00:00Z","reviewer_ids":["01a21680-84eb-7300-acee-5ce8e5252057","01a21680-84eb-7300-acee-5ce8e5252057"]}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req FundProgramRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &FundProgramRequest{}) != nil {
			return
		}
		form, err := req.form()
		var ae *apiError
		if err != nil {
			if !errors.As(err, &ae) || ae.status != http.StatusUnprocessableEntity || len(ae.fields) == 0 {
				t.Fatalf("times of %q: %v is not a 422 naming fields", body, err)
			}
			return
		}
		err = workflows.CheckProgramForm(form)
		var ve *workflows.ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("rules of %q: %v is not a validation error", body, err)
		}
		if err == nil && (form.MaxGrantFen > form.BudgetFen || form.ApprovalsRequired > form.ReviewersPerApplication ||
			!form.ClosesAt.After(form.OpensAt) || form.BudgetFen < 1 || form.MinMeanScore < 1 || form.MinMeanScore > 10) {
			t.Fatalf("accepted an impossible programme: %q", body)
		}
	})
}

func FuzzDecodeFundApplication(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"program_id":"01a21680-84eb-7300-acee-5ce8e5252057","shop_id":"01a21680-84eb-7300-acee-5ce8e5252058","amount_fen":150000,"business_plan":"扩大产能"}`))
	f.Add([]byte(`{"program_id":"01a21680-84eb-7300-acee-5ce8e5252057","shop_id":"x","amount_fen":-1,"business_plan":""}`))
	f.Add([]byte(`{"program_id":"01a21680-84eb-7300-acee-5ce8e5252057","shop_id":"01a21680-84eb-7300-acee-5ce8e5252058","amount_fen":1e20,"business_plan":"p"}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req FundApplicationRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &FundApplicationRequest{}) != nil {
			return
		}
		if req.AmountFen < 1 || req.AmountFen > 100_000_000_000_000 || req.BusinessPlan == "" || utf8.RuneCountInString(req.BusinessPlan) > 20000 {
			t.Fatalf("accepted %q", body)
		}
	})
}

func FuzzDecodeReview(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"decision":"approve","score":10,"comment":"好"}`, `{"decision":"reject","score":1,"comment":"no"}`,
		`{"decision":"Approve","score":5,"comment":"x"}`, `{"decision":"approve","score":10.0,"comment":"x"}`,
		`{"decision":"approve","score":11,"comment":"x"}`, `{"decision":"approve","score":"9","comment":"x"}`} {
		f.Add([]byte(s))
	}
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req ReviewRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &ReviewRequest{}) != nil {
			return
		}
		if (req.Decision != workflows.ReviewApprove && req.Decision != workflows.ReviewReject) || req.Score < 1 || req.Score > 10 || req.Comment == "" {
			t.Fatalf("accepted %q", body)
		}
	})
}
