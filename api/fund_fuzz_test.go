package api

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// FuzzDecodeShop fuzzes POST /shops by the verified student: what the
// validation lets through has a platform id and a bounded name, and the
// domain's URL check that runs next answers (a 422 on shop_url), never
// panics; a shop it links is pending under the URL's key.
func FuzzDecodeShop(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"platform_shop_id":"tb-1","shop_url":"https://shop.example.com/1","shop_name":"手作小店","category":"crafts"}`))
	f.Add([]byte(`{"platform_shop_id":"tb-1","shop_url":"https://u:p@shop.example.com/","shop_name":"x","category":"c"}`))
	f.Add([]byte(`{"platform_shop_id":"tb-1","shop_url":"javascript:alert(1)","shop_name":"x","category":"c"}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.ShopInput
		if !checkDecode(t, body, &in) {
			return
		}
		shop, err := env.app.SubmitShop(context.Background(), env.student, in)
		if !checkUseCase(t, body, err, msg.ShopURLInvalid, msg.ShopExists) {
			return
		}
		if in.PlatformShopID == "" || len(in.PlatformShopID) > 64 || utf8.RuneCountInString(in.ShopName) > 100 || len(in.ShopURL) > 2048 {
			t.Fatalf("accepted %q", body)
		}
		if err == nil && (shop.Status != workflows.ShopPending || shop.URLKey == "" || shop.AccountID != env.student.ID) {
			t.Fatalf("linked %q as %+v", body, shop)
		}
	})
}

// FuzzDecodeFundProgram fuzzes POST /admin/fund-programs: bad times and
// impossible rules are 422s naming fields, and a programme that is created
// can be run.
func FuzzDecodeFundProgram(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"name":"明日网商","budget_fen":20000000,"max_grant_fen":2000000,"reviewers_per_application":2,"approvals_required":2,"min_mean_score":6.5,"opens_at":"2026-09-01T00:00:00Z","closes_at":"2027-06-30T00:00:00+08:00"}`))
	f.Add([]byte(`{"name":"P","budget_fen":1,"max_grant_fen":2,"reviewers_per_application":1,"approvals_required":3,"min_mean_score":6.125,"opens_at":"x","closes_at":"2026-01-01T00:00:00Z","reviewer_ids":["01a21680-84eb-7300-acee-5ce8e5252057","01a21680-84eb-7300-acee-5ce8e5252057"]}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.FundProgramInput
		if !checkDecode(t, body, &in) {
			return
		}
		p, err := env.app.CreateFundProgram(context.Background(), env.admin, in)
		if !checkUseCase(t, body, err, msg.FundPanelNotReviewers, msg.FundProgramNameTaken) || err != nil {
			return
		}
		if p.MaxGrantFen > p.BudgetFen || p.ApprovalsRequired > p.ReviewersPerApplication || !p.ClosesAt.After(p.OpensAt) ||
			p.BudgetFen < 1 || p.MinMeanScore < 1 || p.MinMeanScore > 10 || p.ReviewHours < 1 {
			t.Fatalf("created an impossible programme from %q: %+v", body, p.FundProgram)
		}
	})
}

// FuzzDecodeFundApplication fuzzes POST /fund-applications by the verified
// student: what the validation lets through asks for a sane amount with a
// plan.
func FuzzDecodeFundApplication(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"program_id":"01a21680-84eb-7300-acee-5ce8e5252057","shop_id":"01a21680-84eb-7300-acee-5ce8e5252058","amount_fen":150000,"business_plan":"扩大产能"}`))
	f.Add([]byte(`{"program_id":"01a21680-84eb-7300-acee-5ce8e5252057","shop_id":"x","amount_fen":-1,"business_plan":""}`))
	f.Add([]byte(`{"program_id":"01a21680-84eb-7300-acee-5ce8e5252057","shop_id":"01a21680-84eb-7300-acee-5ce8e5252058","amount_fen":1e20,"business_plan":"p"}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.FundInput
		if !checkDecode(t, body, &in) {
			return
		}
		a, err := env.app.SubmitFund(context.Background(), env.student, in)
		if !checkUseCase(t, body, err, msg.FundProgramUnknown, msg.FundShopNotYours) {
			return
		}
		if in.AmountFen < 1 || in.AmountFen > 100_000_000_000_000 || in.BusinessPlan == "" || utf8.RuneCountInString(in.BusinessPlan) > 20000 {
			t.Fatalf("accepted %q", body)
		}
		if err == nil && (a.Status != workflows.FundSubmitted || a.AmountFen != in.AmountFen || a.AccountID != env.student.ID) {
			t.Fatalf("filed %q as %+v", body, a)
		}
	})
}

// FuzzDecodeReview fuzzes POST /fund-applications/{id}/reviews by a
// reviewer: a review that validates has a known decision, a score of 1 to
// 10 and a comment. The application is unknown, so it is then a 404.
func FuzzDecodeReview(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"decision":"approve","score":10,"comment":"好"}`, `{"decision":"reject","score":1,"comment":"no"}`,
		`{"decision":"Approve","score":5,"comment":"x"}`, `{"decision":"approve","score":10.0,"comment":"x"}`,
		`{"decision":"approve","score":11,"comment":"x"}`, `{"decision":"approve","score":"9","comment":"x"}`} {
		f.Add([]byte(s))
	}
	env := newFuzzEnv(f)
	unknown := models.NewID()
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.ReviewInput
		if !checkDecode(t, body, &in) {
			return
		}
		_, err := env.app.SubmitReview(context.Background(), env.reviewer, unknown, in)
		if !checkUseCase(t, body, err, msg.ErrorNotFound) {
			return
		}
		if (in.Decision != workflows.ReviewApprove && in.Decision != workflows.ReviewReject) || in.Score < 1 || in.Score > 10 || in.Comment == "" {
			t.Fatalf("accepted %q", body)
		}
	})
}
